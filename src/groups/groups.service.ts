import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { diffAttributes } from '../audit/redaction';
import { Env } from '../config/env';
import { Statements, TenantDatabase, WriteTx } from '../database/tenant-database';
import {
  applyPatch,
  buildListResponse,
  cursorAfter,
  isUniqueLookup,
  buildMeta,
  deepEqual,
  JsonObject,
  ListParams,
  ListResponse,
  MembershipOperation,
  pageOf,
  parseListParams,
  projectResource,
  ProjectionOptions,
  resourceLocation,
  ScimResource,
  SchemaRegistry,
  splitMembers,
  userNameKey,
} from '../scim-core';
import {
  assertReplaceTarget,
  assertResourceId,
  checkIfMatch,
  notFound,
  ResourceResponse,
} from '../scim/scim-resource';
import { isReturned } from '../scim/scim-params';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { Tenant } from '../tenants/tenant.entity';
import { GROUP_FILTER_STORAGE } from './group-storage';
import { GroupMembersRepository, MemberRow } from './group-members.repository';
import { GroupColumns, GroupRow, GroupsRepository, LockedGroupRow } from './groups.repository';
import { memberChanges, subject } from './group-audit';
import { applyMembership, changedMembers } from './membership';
import { groupChanged, groupDeleted, MemberDelta } from '../events/change-event';
import { ChangeEventsService } from '../events/change-events.service';
import {
  MEMBERS_PER_GROUP,
  MEMBERS_PER_LISTED_GROUP,
  membersByGroup,
  renderMembers,
} from './membership-view';

const GROUP = 'Group';
const MEMBERS = 'members';

/** Group responses share the resource response shape of every SCIM endpoint. */
export type GroupResponse = ResourceResponse;

export interface WriteOptions extends ProjectionOptions {
  ifMatch?: string;
}

/** A group row and, when the response shows them, its first members. */
interface Loaded {
  row: GroupRow;
  members?: MemberRow[];
}

/**
 * SCIM Groups (RFC 7644 §3) on the protocol core, shaped like UsersService: the core validates and patches
 * the document and turns member operations into a change set; this service stores the document and runs the
 * change set as SQL set operations on scim_group_members, one tenant transaction per request (TenantDatabase).
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly registries: SchemaRegistryService,
    private readonly audit: AuditService,
    private readonly changes: ChangeEventsService,
    private readonly env: Env,
  ) {}

  list(tenant: Tenant, query: unknown): Promise<ListResponse> {
    return this.search(tenant, parseListParams(query, this.registries.for(tenant), GROUP));
  }

  /** A list by parsed parameters: GET /Groups, POST /Groups/.search and the search across resource types. */
  async search(tenant: Tenant, params: ListParams): Promise<ListResponse> {
    const registry = this.registries.for(tenant);
    if (params.cursor) cursorAfter(params.cursor, GROUP);
    const withMembers = isReturned(registry, GROUP, params, MEMBERS);
    // Entra's `displayName eq "…"` lookup without members is one statement, its COMMIT travelling with it (readOne).
    const uniqueLookup = isUniqueLookup(params, GROUP_FILTER_STORAGE);
    const listed = async (tx: Statements) => {
      const page = await new GroupsRepository(tx).list(params, uniqueLookup);
      // One query for the whole page's members (never one per group), and none at all when they are excluded.
      const memberRows = withMembers
        ? await new GroupMembersRepository(tx).firstMembers(
            page.rows.map((row) => row.id),
            MEMBERS_PER_LISTED_GROUP,
          )
        : [];
      return { ...page, members: membersByGroup(memberRows) };
    };
    const page =
      uniqueLookup && !withMembers
        ? await this.db.readOne(tenant.id, listed)
        : await this.db.read(tenant.id, listed);
    const { rows, members } = page;
    const resources = rows.map((row) =>
      projectResource(
        this.render(tenant, registry, {
          row,
          members: withMembers ? (members.get(row.id) ?? []) : undefined,
        }),
        registry,
        GROUP,
        params,
      ),
    );
    return buildListResponse(resources, { totalResults: page.total, ...pageOf(params, GROUP, page) });
  }

  async get(tenant: Tenant, id: string, projection: ProjectionOptions = {}): Promise<GroupResponse> {
    assertResourceId(id, GROUP);
    const loaded = await this.db.read(tenant.id, async (tx) => {
      const row = await new GroupsRepository(tx).findById(id);
      if (!row) throw notFound(GROUP, id);
      return this.load(tx, tenant, row, projection);
    });
    return this.respond(tenant, loaded, projection);
  }

  /** Every group as SCIM JSON with all its members, in the caller's transaction (a change-feed snapshot). */
  async snapshot(tenant: Tenant, tx: Statements): Promise<ScimResource[]> {
    const registry = this.registries.for(tenant);
    const rows = await new GroupsRepository(tx).all();
    const members = membersByGroup(await new GroupMembersRepository(tx).all());
    return rows.map((row) => this.render(tenant, registry, { row, members: members.get(row.id) ?? [] }));
  }

  /** POST with `members` stores them (Okta sends them; Entra creates groups empty, ENTRA.md C). */
  async create(tenant: Tenant, body: unknown, projection: ProjectionOptions = {}): Promise<GroupResponse> {
    const registry = this.registries.for(tenant);
    const { resource, memberIds } = splitMembers(
      registry.parse(GROUP, body, 'create'),
      this.membersOf(registry),
      body,
    );
    const { columns, doc } = toStorage(resource);
    const loaded = await this.db.write(tenant.id, async (tx) => {
      const row = await new GroupsRepository(tx).insert(randomUUID(), columns, doc);
      const added: MembershipOperation[] = memberIds?.length ? [{ kind: 'add', ids: memberIds }] : [];
      const members = await applyMembership(new GroupMembersRepository(tx), row.id, added);
      const loaded = await this.load(tx, tenant, row, projection);
      this.recordChanges(tx, tenant, row, null, members);
      // Same transaction as the change (AUD-01); deferred, it travels with the COMMIT.
      await this.audit.record(tx, {
        action: 'group.create',
        ...subject(row),
        changes: memberChanges(added),
      });
      return loaded;
    });
    return this.respond(tenant, loaded, projection);
  }

  /**
   * PUT replaces every mutable attribute (RFC 7644 §3.5.1), members included: the given list becomes the
   * membership, and no `members` means none. It never creates (H-65).
   */
  async replace(
    tenant: Tenant,
    id: string,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<GroupResponse> {
    assertReplaceTarget(id, body, GROUP);
    const registry = this.registries.for(tenant);
    const loaded = await this.db.write(tenant.id, async (tx) => {
      const groups = new GroupsRepository(tx);
      const current = await lockForChange(groups, id, options.ifMatch);
      const parsed = registry.parse(GROUP, body, 'replace', { existing: current.doc });
      const { resource, memberIds = [] } = splitMembers(parsed, this.membersOf(registry), body);
      const membership: MembershipOperation =
        memberIds.length > 0 ? { kind: 'replace', ids: memberIds } : { kind: 'removeAll' };
      const { columns, doc } = toStorage(resource);
      const members = await applyMembership(new GroupMembersRepository(tx), id, [membership]);
      const changed = changedMembers(members) || !deepEqual(current.doc, doc);
      const row = changed ? groups.updateLater(current, columns, doc) : current;
      const loaded = await this.load(tx, tenant, row, options);
      if (changed) {
        const attributes = diffAttributes(current.doc, doc);
        await this.audit.record(tx, {
          action: 'group.replace',
          ...subject(row),
          changes: { attributes, ...memberChanges([membership]) },
        });
        this.recordChanges(tx, tenant, row, Object.keys(attributes), members);
      }
      return loaded;
    });
    return this.respond(tenant, loaded, options);
  }

  /**
   * PATCH applies all operations or none, in one transaction, on the row locked for update (REL-CONC-02).
   * Member operations never load the member list (REL-CONC-01); the version moves when the document or the
   * membership changed, and only then (a re-add of existing members is a no-op).
   */
  async patch(tenant: Tenant, id: string, body: unknown, options: WriteOptions = {}): Promise<GroupResponse> {
    assertResourceId(id, GROUP);
    const registry = this.registries.for(tenant);
    const loaded = await this.db.write(tenant.id, async (tx) => {
      const groups = new GroupsRepository(tx);
      const current = await lockForChange(groups, id, options.ifMatch);
      const result = applyPatch(current.doc, body, registry, GROUP);
      const members = await applyMembership(new GroupMembersRepository(tx), id, result.members ?? []);
      if (!result.changed && !changedMembers(members)) return this.load(tx, tenant, current, options);
      const { columns, doc } = toStorage(result.resource);
      const row = groups.updateLater(current, columns, doc);
      const loaded = await this.load(tx, tenant, row, options);
      // Entra's member PATCHes only touch members: those are 'group.members' events, the rest 'group.patch'.
      const attributes = result.changed ? diffAttributes(current.doc, doc) : {};
      await this.audit.record(tx, {
        action: result.changed ? 'group.patch' : 'group.members',
        ...subject(row),
        changes: {
          ...(result.changed ? { attributes } : {}),
          ...memberChanges(result.members ?? []),
        },
      });
      this.recordChanges(tx, tenant, row, Object.keys(attributes), members);
      return loaded;
    });
    return this.respond(tenant, loaded, options);
  }

  /** Its memberships and its membership in other groups go in the same transaction (ON DELETE CASCADE). */
  async remove(tenant: Tenant, id: string, ifMatch?: string): Promise<void> {
    assertResourceId(id, GROUP);
    await this.db.write(tenant.id, async (tx) => {
      const groups = new GroupsRepository(tx);
      const current = await lockForChange(groups, id, ifMatch);
      groups.deleteLater(id);
      await this.audit.record(tx, { action: 'group.delete', ...subject(current) });
      this.changes.record(tx, tenant.slug, [groupDeleted(id, current.doc)]);
    });
  }

  /**
   * The change feed's events of a group write (docs/CHANGE-FEED.md), in its transaction: created (`attributes`
   * null) or updated (the changed attribute names), then the members really added and removed.
   */
  private recordChanges(
    tx: WriteTx,
    tenant: Tenant,
    row: GroupRow,
    attributes: string[] | null,
    members: MemberDelta,
  ): void {
    const resource = this.render(tenant, this.registries.for(tenant), { row });
    this.changes.record(tx, tenant.slug, groupChanged({ ...resource, id: row.id }, attributes, members));
  }

  private membersOf(registry: SchemaRegistry) {
    const attribute = registry.coreAttributes(GROUP).find((a) => a.name === MEMBERS);
    if (!attribute) throw new Error('The Group schema has no members attribute');
    return attribute;
  }

  /** Reads the first members only when the response will show them (ENTRA E15: excludedAttributes=members). */
  private async load(
    tx: Statements,
    tenant: Tenant,
    row: GroupRow,
    projection: ProjectionOptions,
  ): Promise<Loaded> {
    if (!isReturned(this.registries.for(tenant), GROUP, projection, MEMBERS)) return { row };
    return { row, members: await new GroupMembersRepository(tx).firstMembers([row.id], MEMBERS_PER_GROUP) };
  }

  private respond(tenant: Tenant, loaded: Loaded, projection: ProjectionOptions): GroupResponse {
    const registry = this.registries.for(tenant);
    return {
      resource: projectResource(this.render(tenant, registry, loaded), registry, GROUP, projection),
      version: loaded.row.version,
      location: resourceLocation(registry, GROUP, this.env.tenantScimUrl(tenant.slug), loaded.row.id),
    };
  }

  /** The full resource: the stored document, the members from their table, id and meta (RFC 7643 §3.1). */
  private render(tenant: Tenant, registry: SchemaRegistry, { row, members }: Loaded): ScimResource {
    const baseUrl = this.env.tenantScimUrl(tenant.slug);
    const { schemas, ...attributes } = row.doc;
    return {
      schemas,
      id: row.id,
      ...attributes,
      ...(members && members.length > 0 ? { members: renderMembers(registry, baseUrl, members) } : {}),
      meta: buildMeta(registry, GROUP, {
        baseUrl,
        id: row.id,
        created: row.created,
        lastModified: row.lastModified,
        version: row.version,
      }),
    };
  }
}

/** Splits a validated resource (without members) into the columns and the document. */
function toStorage(resource: ScimResource): { columns: GroupColumns; doc: JsonObject } {
  const { id: _id, meta: _meta, members: _members, ...doc } = resource;
  const displayName = doc.displayName as string; // required and validated as a string by the schema
  return {
    doc,
    columns: {
      displayName,
      displayNameKey: userNameKey(displayName),
      externalId: typeof doc.externalId === 'string' ? doc.externalId : null,
    },
  };
}

/**
 * The group to change, locked (REL-CONC-02) and checked against If-Match (RFC 7644 §3.14).
 */
async function lockForChange(
  groups: GroupsRepository<WriteTx>,
  id: string,
  ifMatch: string | undefined,
): Promise<LockedGroupRow> {
  const current = await groups.lock(id);
  if (!current) throw notFound(GROUP, id);
  checkIfMatch(ifMatch, current.version);
  return current;
}
