// Operator CLI: `npm run cli -- <command>`. Every command also takes --json and then prints one JSON object.
import { Command, InvalidArgumentError } from 'commander';
import { userInfo } from 'node:os';
import { loadDotEnv } from '../config/dotenv';
import { Channel, openChannel } from './channel';
import { parseExpiry } from './expiry';
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
    const channel = await openChannel();
    try {
      await run(channel, ...args);
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
  .option('--expires <iso-date>', 'optional expiry, e.g. 2028-01-01', (value: string) => parseExpiry(value))
  .option('--json', 'print JSON')
  .action(
    action(async ({ operations }, options: JsonOption & { name: string; expires?: Date }) => {
      const issued = await operations.createStaffToken(
        { name: options.name, expiresAt: options.expires ?? null },
        actor,
      );
      print(
        !!options.json,
        { name: issued.name, token: issued.token, keyId: issued.keyId },
        () => `Staff token for ${issued.name} (shown once):\n  ${issued.token}`,
      );
    }),
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

const attribute = program
  .command('attribute')
  .description("A tenant's custom user attributes, mapped in Entra as urn:…:2.0:User:<name> (issue #9)");
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
