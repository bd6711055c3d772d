// Operator CLI: `npm run cli -- <command>`. Every command also takes --json and then prints one JSON object.
import { Command, InvalidArgumentError } from 'commander';
import { userInfo } from 'node:os';
import { loadDotEnv } from '../config/dotenv';
import { Channel, openChannel } from './channel';
import { parseExpiry, parseGrace } from './expiry';
import { STAFF_ROLES, type StaffRole } from '../api-keys/api-key.entity';
import {
  CUSTOM_ATTRIBUTE_TYPES,
  type CustomAttributeDefinition,
  type CustomAttributeType,
} from '../custom-attributes/custom-attribute';

loadDotEnv();
const program = new Command('scim-cli').description('Manage tenants, their Secret Tokens and staff tokens');
const actor = `cli:${userInfo().username}`;

function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i])).join('  ');
  return [line(columns), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

/** Runs one command on a channel and always closes it; errors print a message and exit 1. */
function action<A extends unknown[]>(run: (channel: Channel, ...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    const channel = await openChannel(actor);
    try {
      await channel.run(() => run(channel, ...args));
    } catch (error) {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    } finally {
      await channel.close();
    }
  };
}

type JsonOption = { json?: boolean };
function positiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(value)) throw new InvalidArgumentError('expected a whole number of days');
  return Number(value);
}

function parseRole(value: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${STAFF_ROLES.join(', ')}`);
  return value as StaffRole;
}

const tenant = program.command('tenant').description('Tenants (customers)');
tenant
  .command('create <slug>')
  .requiredOption('--name <displayName>', 'display name, e.g. "Kund AB"')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption & { name: string }) => {
      const created = await operations.createTenant(slug, options.name);
      print(
        !!options.json,
        { tenant: created.slug, ...created },
        () => `Created tenant ${created.slug}: ${created.tenantUrl}`,
      );
    }),
  );
tenant
  .command('list')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, options: JsonOption) => {
      const tenants = await operations.listTenants();
      print(!!options.json, { tenants }, () =>
        table([...tenants] as unknown as Record<string, unknown>[], [
          'slug',
          'displayName',
          'status',
          'tenantUrl',
        ]),
      );
    }),
  );
tenant
  .command('show <slug>')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption) => {
      const found = await operations.getTenant(slug);
      print(!!options.json, { tenant: found.slug, ...found }, () =>
        table([found as unknown as Record<string, unknown>], ['slug', 'displayName', 'status', 'tenantUrl']),
      );
    }),
  );
for (const [name, status] of [
  ['suspend', 'suspended'],
  ['activate', 'active'],
] as const) {
  tenant
    .command(`${name} <slug>`)
    .option('--json', 'print JSON')
    .action(
      action(async ({ operations }, slug: string, options: JsonOption) => {
        const updated = await operations.updateTenant(slug, { status });
        print(
          !!options.json,
          { tenant: updated.slug, status: updated.status },
          () => `${updated.slug} is now ${updated.status}`,
        );
      }),
    );
}

type Limit = number | 'default';

/** A limit's value on the command line: a whole number, or `default` for the environment's default. */
function limitValue(value: string): Limit {
  if (value === 'default') return value;
  if (!/^[1-9][0-9]{0,6}$/.test(value))
    throw new InvalidArgumentError('expected a positive whole number or "default"');
  return Number(value);
}

/** Commander turns an option parser's null into '', so `default` travels as itself until here: null, the default. */
function limitChange<K extends string>(key: K, value: Limit | undefined) {
  if (value === undefined) return {};
  return { [key]: value === 'default' ? null : value } as Record<K, number | null>;
}

tenant
  .command('limits <slug>')
  .description(
    "set a tenant's rate limit and in-flight cap (SECURITY.md REL-RATE-02); shows them without options",
  )
  .option(
    '--rate <perSecond>',
    'steady SCIM requests per second, or "default" (RATE_LIMIT_PER_SECOND)',
    limitValue,
  )
  .option('--burst <requests>', 'extra requests per 10 s, or "default" (RATE_LIMIT_BURST)', limitValue)
  .option('--max-in-flight <requests>', 'concurrent requests per instance, or "default"', limitValue)
  .option('--json', 'print JSON')
  .action(
    action(
      async (
        { operations },
        slug: string,
        options: JsonOption & { rate?: Limit; burst?: Limit; maxInFlight?: Limit },
      ) => {
        const changes = {
          ...limitChange('rateLimitPerSecond', options.rate),
          ...limitChange('rateLimitBurst', options.burst),
          ...limitChange('maxInFlight', options.maxInFlight),
        };
        const updated =
          Object.keys(changes).length > 0
            ? await operations.updateTenant(slug, changes)
            : await operations.getTenant(slug);
        const limits = {
          rateLimitPerSecond: updated.rateLimitPerSecond,
          rateLimitBurst: updated.rateLimitBurst,
          maxInFlight: updated.maxInFlight,
        };
        print(!!options.json, { tenant: updated.slug, ...limits }, () =>
          table(
            [Object.fromEntries(Object.entries(limits).map(([name, value]) => [name, value ?? 'default']))],
            Object.keys(limits),
          ),
        );
      },
    ),
  );

const token = program.command('token').description("Tenants' Secret Tokens (what is pasted into Entra)");
token
  .command('issue <slug>')
  .requiredOption('--name <name>', 'what the token is for, e.g. entra')
  .option('--expires <iso-date>', 'optional expiry, e.g. 2028-01-01', (value: string) => parseExpiry(value))
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption & { name: string; expires?: Date }) => {
      const issued = await operations.issueToken(
        slug,
        { name: options.name, expiresAt: options.expires ?? null },
        actor,
      );
      print(
        !!options.json,
        {
          tenant: issued.tenant,
          tenantUrl: issued.tenantUrl,
          token: issued.token,
          keyId: issued.keyId,
          expiresAt: issued.expiresAt,
        },
        () =>
          [
            `Secret Token for ${issued.tenant} (shown once, store it now):`,
            `  ${issued.token}`,
            `Tenant URL:`,
            `  ${issued.tenantUrl}`,
            `In Entra: Enterprise app → Provisioning → Admin Credentials: paste both, then Test Connection.`,
          ].join('\n'),
      );
    }),
  );
token
  .command('list <slug>')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption) => {
      const tokens = await operations.listTokens(slug);
      print(!!options.json, { tenant: slug, tokens }, () =>
        table(tokens as unknown as Record<string, unknown>[], [
          'keyId',
          'name',
          'lastFour',
          'active',
          'createdAt',
          'expiresAt',
          'lastUsedAt',
          'revokedAt',
        ]),
      );
    }),
  );
token
  .command('rotate <slug> <keyId>')
  .description('a new token with the same name (shown once); the old one keeps working for --grace')
  .requiredOption('--grace <duration>', 'how long the old token keeps working: 0, 30m, 12h, 7d', parseGrace)
  .option('--expires <iso-date>', "the new token's expiry, e.g. 2028-01-01", (value: string) =>
    parseExpiry(value),
  )
  .option('--json', 'print JSON')
  .action(
    action(
      async (
        { operations },
        slug: string,
        keyId: string,
        options: JsonOption & { grace: number; expires?: Date },
      ) => {
        const rotated = await operations.rotateToken(
          slug,
          keyId,
          { graceMinutes: options.grace, expiresAt: options.expires ?? null },
          actor,
        );
        const until = rotated.previous.expiresAt ? new Date(rotated.previous.expiresAt).toISOString() : 'now';
        print(
          !!options.json,
          {
            tenant: rotated.tenant,
            tenantUrl: rotated.tenantUrl,
            token: rotated.token,
            keyId: rotated.keyId,
            expiresAt: rotated.expiresAt,
            previous: { keyId: rotated.previous.keyId, expiresAt: rotated.previous.expiresAt },
          },
          () =>
            [
              `New Secret Token for ${rotated.tenant} (shown once, store it now):`,
              `  ${rotated.token}`,
              `The old token ${rotated.previous.keyId} works until ${until}.`,
              `In Entra: Provisioning → Admin Credentials: paste the new token, Test Connection, Save.`,
            ].join('\n'),
        );
      },
    ),
  );
token
  .command('revoke <slug> <keyId>')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, keyId: string, options: JsonOption) => {
      await operations.revokeToken(slug, keyId);
      print(!!options.json, { tenant: slug, keyId, revoked: true }, () => `Revoked ${keyId} of ${slug}`);
    }),
  );
token
  .command('expiring')
  .description('tokens of every tenant and staff that expire soon (SECURITY.md KEY-07)')
  .option('--within-days <days>', 'window in days (default TOKEN_EXPIRY_WARNING_DAYS, 30)', positiveInt)
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, options: JsonOption & { withinDays?: number }) => {
      const result = await operations.listExpiringTokens(options.withinDays);
      print(!!options.json, result, () =>
        [
          `Tokens expiring within ${result.withinDays} days:`,
          table(result.tokens as unknown as Record<string, unknown>[], [
            'kind',
            'tenant',
            'keyId',
            'name',
            'expiresAt',
            'daysLeft',
            'lastUsedAt',
          ]),
        ].join('\n'),
      );
    }),
  );

const staff = program.command('staff-token').description('Staff tokens for the admin API');
staff
  .command('create')
  .requiredOption('--name <name>', "the staff member's name")
  .option(
    '--role <role>',
    `${STAFF_ROLES.join(' | ')} (support: read-only; consumer: the change feed only)`,
    parseRole,
    'admin',
  )
  .option('--expires <iso-date>', 'optional expiry, e.g. 2028-01-01', (value: string) => parseExpiry(value))
  .option('--json', 'print JSON')
  .action(
    action(
      async ({ operations }, options: JsonOption & { name: string; role: StaffRole; expires?: Date }) => {
        const issued = await operations.createStaffToken(
          { name: options.name, role: options.role, expiresAt: options.expires ?? null },
          actor,
        );
        print(
          !!options.json,
          { name: issued.name, role: issued.role, token: issued.token, keyId: issued.keyId },
          () => `Staff token for ${issued.name}, role ${issued.role} (shown once):\n  ${issued.token}`,
        );
      },
    ),
  );
staff
  .command('list')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, options: JsonOption) => {
      const tokens = await operations.listStaffTokens();
      print(!!options.json, { tokens }, () =>
        table(tokens as unknown as Record<string, unknown>[], [
          'keyId',
          'name',
          'role',
          'lastFour',
          'active',
          'createdAt',
          'lastUsedAt',
          'revokedAt',
        ]),
      );
    }),
  );
staff
  .command('revoke <keyId>')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, keyId: string, options: JsonOption) => {
      await operations.revokeStaffToken(keyId);
      print(!!options.json, { keyId, revoked: true }, () => `Revoked staff token ${keyId}`);
    }),
  );

const audit = program.command('audit').description("Tenants' audit trails");
audit
  .command('verify <slug>')
  .description("recompute the tenant's hash chain; exit code 2 when it is broken")
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption) => {
      const result = await operations.verifyAudit(slug);
      print(!!options.json, { tenant: slug, ...result }, () =>
        result.valid
          ? `Audit chain of ${slug} is intact: ${result.checked} events from seq ${result.anchorSeq}`
          : `Audit chain of ${slug} is BROKEN at seq ${result.firstBrokenSeq} (${result.reason}); ` +
            `${result.checked} events checked before it`,
      );
      if (!result.valid) process.exitCode = 2;
    }),
  );

const events = program.command('events').description("Tenants' change feeds");
events
  .command('tail <slug>')
  .description("follow a tenant's change events as they commit, like tail -f (Ctrl-C stops)")
  .option('--after <position>', 'start after this position (default: only what comes next)')
  .option('--json', 'print each event as one JSON line')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption & { after?: string }) => {
      let after = options.after;
      process.stderr.write(`Following the change events of ${slug} (Ctrl-C stops)\n`);
      for (;;) {
        const page = await operations.followEvents(slug, after, 30);
        for (const event of page.items)
          print(!!options.json, event, () =>
            [
              event.time,
              event.position,
              event.type.padEnd(22),
              event.resourceId,
              event.userName ?? event.displayName ?? '',
            ]
              .join('  ')
              .trimEnd(),
          );
        after = page.nextCursor;
      }
    }),
  );

const webhook = program.command('webhook').description('Webhook endpoints that receive change events');
webhook
  .command('add <url>')
  .description(
    "register an endpoint for one tenant's events (--tenant) or every tenant's; prints its secret once",
  )
  .option('--tenant <slug>', "only this tenant's events")
  .option('--types <types>', 'comma-separated event types (default: all)')
  .option('--description <text>', 'what it is for')
  .option('--json', 'print JSON')
  .action(
    action(
      async (
        { operations },
        url: string,
        options: JsonOption & { tenant?: string; types?: string; description?: string },
      ) => {
        const created = await operations.createWebhook({
          tenant: options.tenant ?? null,
          url,
          description: options.description ?? null,
          eventTypes: options.types ? options.types.split(',').map((type) => type.trim()) : null,
        });
        print(!!options.json, created, () =>
          [
            `Webhook ${created.endpoint.id} for ${created.endpoint.tenant ?? 'every tenant'}: ${created.endpoint.url}`,
            `Signing secret (shown once; verify deliveries with it, Standard Webhooks): ${created.secret}`,
          ].join('\n'),
        );
      },
    ),
  );
webhook
  .command('list')
  .description('endpoints with their delivery state')
  .option('--tenant <slug>', "only this tenant's endpoints")
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, options: JsonOption & { tenant?: string }) => {
      const endpoints = await operations.listWebhooks(options.tenant);
      print(!!options.json, endpoints, () =>
        table(endpoints, ['id', 'tenant', 'url', 'status', 'position', 'failures', 'failingSince']),
      );
    }),
  );
for (const [name, status] of [
  ['disable', 'disabled'],
  ['enable', 'active'],
] as const)
  webhook
    .command(`${name} <id>`)
    .description(name === 'enable' ? 'resume deliveries where they stopped' : 'stop deliveries')
    .option('--json', 'print JSON')
    .action(
      action(async ({ operations }, id: string, options: JsonOption) => {
        const endpoint = await operations.setWebhookStatus(id, status);
        print(!!options.json, endpoint, () => `Webhook ${id} is ${endpoint.status}`);
      }),
    );
webhook
  .command('rotate <id>')
  .description('a new signing secret; the old one still signs beside it for the overlap')
  .option('--overlap-hours <hours>', 'hours the old secret keeps signing (default 24)', (v) => Number(v))
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, id: string, options: JsonOption & { overlapHours?: number }) => {
      const rotated = await operations.rotateWebhook(id, options.overlapHours);
      print(
        !!options.json,
        rotated,
        () => `New signing secret of webhook ${id} (shown once): ${rotated.secret}`,
      );
    }),
  );
webhook
  .command('replay <id> <after>')
  .description('deliver again every event after a position (the same webhook-ids)')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, id: string, after: string, options: JsonOption) => {
      const endpoint = await operations.replayWebhook(id, after);
      print(!!options.json, endpoint, () => `Webhook ${id} delivers again from after position ${after}`);
    }),
  );
webhook
  .command('attempts <id>')
  .description('delivery attempts, newest first')
  .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, id: string, options: JsonOption & { limit?: number }) => {
      const attempts = await operations.webhookAttempts(id, options.limit);
      print(!!options.json, attempts, () =>
        table(attempts as unknown as Record<string, unknown>[], [
          'at',
          'position',
          'eventType',
          'outcome',
          'status',
          'latencyMs',
          'error',
        ]),
      );
    }),
  );

type AuditListOptions = JsonOption & {
  action?: string;
  resourceType?: string;
  outcome?: 'success' | 'failure';
  limit?: number;
  cursor?: string;
};
audit
  .command('list <slug>')
  .description("the tenant's audit events, newest first")
  .option('--action <action>', 'e.g. token.issue, user.create, request.failed')
  .option('--resource-type <type>', 'User, Group, Tenant, Token, UserAttribute, …')
  .option('--outcome <outcome>', 'success | failure')
  .option('--limit <n>', 'events per page (1-200, default 50)', (value: string) => Number(value))
  .option('--cursor <seq>', 'the next page: the cursor the previous page printed')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: AuditListOptions) => {
      const { json, ...query } = options;
      const page = await operations.listAudit(slug, query);
      const rows = page.items.map((event) => ({
        ...event,
        actor: [event.actorType, event.actorName ?? event.actorId].filter(Boolean).join(':'),
      }));
      print(!!json, { tenant: slug, ...page }, () =>
        [
          table(rows, ['seq', 'occurredAt', 'actor', 'action', 'resourceType', 'resourceName', 'outcome']),
          ...(page.nextCursor ? [`More: --cursor ${page.nextCursor}`] : []),
        ].join('\n'),
      );
    }),
  );

const attribute = program
  .command('attribute')
  .description("A tenant's custom user attributes, mapped in Entra as urn:…:2.0:User:<name>");
type AttributeOptions = JsonOption & {
  type?: CustomAttributeType;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  canonical?: string;
  description?: string;
};
/** Flags shared by `add` and `change`; on `change` an absent flag leaves the characteristic as it is. */
function attributeFlags(command: Command): Command {
  return command
    .option('--type <type>', CUSTOM_ATTRIBUTE_TYPES.join(' | '))
    .option('--multi-valued', 'a list of values')
    .option('--no-multi-valued', 'a single value')
    .option('--required', 'every user must have a value')
    .option('--no-required', 'optional')
    .option('--case-exact', 'filters compare case-sensitively')
    .option('--no-case-exact', 'filters ignore case')
    .option('--canonical <values>', 'comma-separated suggested values (strings only)')
    .option('--description <text>', 'shown in /Schemas')
    .option('--json', 'print JSON');
}
const specOf = (options: AttributeOptions) => ({
  ...(options.type !== undefined ? { type: options.type } : {}),
  ...(options.multiValued !== undefined ? { multiValued: options.multiValued } : {}),
  ...(options.required !== undefined ? { required: options.required } : {}),
  ...(options.caseExact !== undefined ? { caseExact: options.caseExact } : {}),
  ...(options.canonical !== undefined
    ? {
        canonicalValues: options.canonical
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      }
    : {}),
  ...(options.description !== undefined ? { description: options.description } : {}),
});
const describeAttribute = (d: CustomAttributeDefinition) =>
  `${d.name}: ${d.multiValued ? `${d.type}[]` : d.type}${d.required ? ', required' : ''}${d.caseExact ? ', caseExact' : ''} (${d.status})`;

attribute
  .command('list <slug>')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, options: JsonOption) => {
      const view = await operations.listUserAttributes(slug);
      print(!!options.json, view, () =>
        [
          `Schema: ${view.schema}`,
          table(view.attributes as unknown as Record<string, unknown>[], [
            'name',
            'type',
            'multiValued',
            'required',
            'caseExact',
            'status',
            'description',
          ]),
        ].join('\n'),
      );
    }),
  );
attributeFlags(
  attribute.command('add <slug> <name>').description('add an attribute, or restore a removed one'),
).action(
  action(async ({ operations }, slug: string, name: string, options: AttributeOptions) => {
    if (!options.type) throw new Error(`--type is required (${CUSTOM_ATTRIBUTE_TYPES.join(', ')})`);
    const defined = await operations.defineUserAttribute(slug, {
      ...specOf(options),
      name,
      type: options.type,
    });
    const view = await operations.listUserAttributes(slug);
    print(!!options.json, { tenant: slug, schema: view.schema, attribute: defined }, () =>
      [`Defined ${describeAttribute(defined)}`, `Map it in Entra as: ${view.schema}:${defined.name}`].join(
        '\n',
      ),
    );
  }),
);
attributeFlags(
  attribute.command('change <slug> <name>').description('change type or characteristics'),
).action(
  action(async ({ operations }, slug: string, name: string, options: AttributeOptions) => {
    const changed = await operations.changeUserAttribute(slug, name, specOf(options));
    print(
      !!options.json,
      { tenant: slug, attribute: changed },
      () => `Changed ${describeAttribute(changed)}`,
    );
  }),
);
attribute
  .command('remove <slug> <name>')
  .description('hide an attribute; its values are kept until purged')
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, name: string, options: JsonOption) => {
      const removed = await operations.removeUserAttribute(slug, name);
      print(
        !!options.json,
        { tenant: slug, attribute: removed },
        () => `Removed ${removed.name}: hidden at once; purge deletes its stored values`,
      );
    }),
  );
attribute
  .command('purge <slug> <name>')
  .description("delete a removed attribute's stored values and its definition")
  .requiredOption('--confirm <name>', "the attribute's exact name")
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, slug: string, name: string, options: JsonOption & { confirm: string }) => {
      const purged = await operations.purgeUserAttribute(slug, name, options.confirm);
      print(
        !!options.json,
        { tenant: slug, ...purged },
        () => `Purged ${purged.name} from ${purged.usersPurged} user(s)`,
      );
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
