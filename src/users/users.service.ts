import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Env } from '../config/env';
import { OneWrite, Statements, TenantDatabase, WriteTx } from '../database/tenant-database';
import { splitHidden, withHidden } from '../custom-attributes/custom-attribute';
import { AuditService } from '../audit/audit.service';
import { userChanged, userCreated, userDeleted } from '../events/change-event';
import { ChangeEventsService } from '../events/change-events.service';
import { diffAttributes } from '../audit/redaction';
import {
  applyPatch,
  buildListResponse,
  buildMeta,
  cursorAfter,
  isUniqueLookup,
  JsonObject,
  ListParams,
  ListResponse,
  pageOf,
  parseListParams,
  projectResource,
  ProjectionOptions,
  resourceLocation,
  ScimResource,
  SchemaRegistry,
} from '../scim-core';
import { isReturned } from '../scim/scim-params';
import {
  assertReplaceTarget,
  assertResourceId,
  checkIfMatch,
  notFound,
  ResourceResponse,
} from '../scim/scim-resource';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { Tenant } from '../tenants/tenant.entity';
import { droppedManagerNote, resolveManager } from './manager-reference';
import { patchable, toStorage, unchanged, withManager } from './user-document';
import { USER_FILTER_STORAGE } from './user-storage';
import { LockedUserRow, UserColumns, UserGroupRow, UserRow, UsersRepository } from './users.repository';

const USER = 'User';
/** Direct memberships per user id, when the response shows `groups`. */
type Memberships = Map<string, UserGroupRow[]>;

/** User responses share the resource response shape of every SCIM endpoint. */
export type UserResponse = ResourceResponse;

export interface WriteOptions extends ProjectionOptions {
  ifMatch?: string;
}

/**
 * SCIM Users (RFC 7644 §3) on the protocol core: the core validates and patches documents, this service
 * stores them, one tenant transaction per request (TenantDatabase).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly registries: SchemaRegistryService,
    private readonly audit: AuditService,
    private readonly changes: ChangeEventsService,
    private readonly env: Env,
  ) {}

  list(tenant: Tenant, query: unknown): Promise<ListResponse> {
    return this.search(tenant, parseListParams(query, this.registries.for(tenant), USER));
  }

  /** A list by parsed parameters: GET /Users, POST /Users/.search and the search across resource types. */
  async search(tenant: Tenant, params: ListParams): Promise<ListResponse> {
    const registry = this.registries.for(tenant);
    if (params.cursor) cursorAfter(params.cursor, USER);
    // Entra's `userName eq "…"` lookup is one statement, so its COMMIT travels with it (readOne).
    const uniqueLookup = isUniqueLookup(params, USER_FILTER_STORAGE);
    const listed = async (tx: Statements) => {
      const page = await this.repository(tx).list(params, this.wantsGroups(tenant, params), uniqueLookup);
      return { ...page, groups: this.memberships(page.rows) };
    };
    const page = uniqueLookup
      ? await this.db.readOne(tenant.id, listed)
      : await this.db.read(tenant.id, listed);
    const resources = page.rows.map((row) =>
      projectResource(this.render(tenant, registry, row, page.groups), registry, USER, params),
    );
    return buildListResponse(resources, { totalResults: page.total, ...pageOf(params, USER, page) });
  }

  async get(tenant: Tenant, id: string, projection: ProjectionOptions = {}): Promise<UserResponse> {
    assertResourceId(id, USER);
    // One statement (groups are folded into it): one round trip (readOne).
    const { row, groups } = await this.db.readOne(tenant.id, async (tx) => {
      const found = await this.repository(tx).findById(id, {
        withGroups: this.wantsGroups(tenant, projection),
      });
      if (!found) throw notFound(USER, id);
      return { row: found, groups: this.memberships([found]) };
    });
    return this.respond(tenant, row, projection, groups);
  }

  /** Every user as SCIM JSON (without `groups`: the groups carry their members), in the caller's transaction. */
  async snapshot(tenant: Tenant, tx: Statements): Promise<ScimResource[]> {
    const registry = this.registries.for(tenant);
    return (await this.repository(tx).all()).map((row) => this.render(tenant, registry, row));
  }

  async create(tenant: Tenant, body: unknown, projection: ProjectionOptions = {}): Promise<UserResponse> {
    const registry = this.registries.for(tenant);
    const { columns, doc } = toStorage(registry.parse(USER, body, 'create'));
    const id = randomUUID();
    const insert = async (tx: OneWrite) => {
      const users = this.repository(tx);
      const manager = await resolveManager(users, columns);
      // Same transaction as the change (SECURITY.md AUD-01). What it records is known before the INSERT, so it is
      // deferred ahead of it.
      await this.audit.record(tx, {
        action: 'user.create',
        resourceType: 'User',
        resourceId: id,
        resourceName: columns.userName,
        changes: manager.dropped ? droppedManagerNote(manager.dropped) : null,
      });
      // The new user as SCIM JSON; its meta times are the transaction's, stamped by the database (stampMeta).
      const created = new Date(0);
      const resource = this.render(tenant, registry, {
        id,
        ...manager.columns,
        created,
        lastModified: created,
        version: 1,
        doc,
      });
      this.changes.record(tx, tenant.slug, [userCreated({ ...resource, id })]);
      return users.insert(id, manager.columns, doc);
    };
    // Without a manager (Entra's creates, ENTRA.md E7) BEGIN, the INSERTs and COMMIT go in one round trip
    // (writeOne); checking a manager is one statement more.
    const row = columns.managerId
      ? await this.db.write(tenant.id, insert)
      : await this.db.writeOne(tenant.id, insert);
    return this.respond(tenant, row, projection);
  }

  /** PUT replaces every mutable attribute (RFC 7644 §3.5.1); it never creates (H-65). */
  async replace(
    tenant: Tenant,
    id: string,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<UserResponse> {
    assertReplaceTarget(id, body, USER);
    const registry = this.registries.for(tenant);
    return this.change(tenant, id, options, 'user.replace', (current, visible, hidden) => {
      const next = this.toStorage(registry.parse(USER, body, 'replace', { existing: visible }), hidden);
      return unchanged(current, next.columns, next.doc) ? null : next;
    });
  }

  /** PATCH applies all operations or none, in one transaction, on the locked row (REL-CONC-02). */
  async patch(tenant: Tenant, id: string, body: unknown, options: WriteOptions = {}): Promise<UserResponse> {
    assertResourceId(id, USER);
    const registry = this.registries.for(tenant);
    return this.change(tenant, id, options, 'user.patch', (_current, visible, hidden) => {
      const result = applyPatch(visible, body, registry, USER);
      return result.changed ? this.toStorage(result.resource, hidden) : null;
    });
  }

  /**
   * PUT and PATCH: locks the user, derives its new storage from what the tenant's schema sees (`next`; null when
   * nothing changes, so neither version nor lastModified moves), and defers the UPDATE and its audit event, which
   * then travel with the COMMIT.
   */
  private async change(
    tenant: Tenant,
    id: string,
    options: WriteOptions,
    action: 'user.replace' | 'user.patch',
    next: (
      current: LockedUserRow,
      visible: JsonObject,
      hidden: JsonObject | undefined,
    ) => { columns: UserColumns; doc: JsonObject } | null,
  ): Promise<UserResponse> {
    const { row, groups } = await this.db.write(tenant.id, async (tx) => {
      const users = this.repository(tx);
      const current = await this.locked(users, id, options.ifMatch, {
        withGroups: this.wantsGroups(tenant, options),
      });
      const { visible, hidden } = this.split(tenant, patchable(current));
      const changed = next(current, visible, hidden);
      if (!changed) return { row: current, groups: this.memberships([current]) };
      const { columns, dropped } = await resolveManager(users, changed.columns, current.managerId);
      const note = droppedManagerNote(dropped);
      if (unchanged(current, columns, changed.doc)) {
        // Only a manager that is not a user changed: nothing to write, but the trail says why it was not set.
        if (dropped) await this.audit.record(tx, { action, ...this.subject(current, current, note) });
        return { row: current, groups: this.memberships([current]) };
      }
      // groups is read-only (RFC 7643 §4.1.2): the memberships read with the locked row still hold.
      const stored = { ...users.updateLater(current, columns, changed.doc), groups: current.groups };
      // Same transaction as the change (AUD-01); deferred, it travels with the COMMIT. So do its change events.
      const subject = this.subject(stored, current, note);
      await this.audit.record(tx, { action, ...subject });
      const after = this.render(tenant, this.registries.for(tenant), stored);
      this.changes.record(tx, tenant.slug, [
        userChanged(visible, { ...after, id: stored.id }, Object.keys(subject.changes?.attributes ?? {})),
      ]);
      return { row: stored, groups: this.memberships([stored]) };
    });
    return this.respond(tenant, row, options, groups);
  }

  async remove(tenant: Tenant, id: string, ifMatch?: string): Promise<void> {
    assertResourceId(id, USER);
    await this.db.write(tenant.id, async (tx) => {
      const users = this.repository(tx);
      const current = await this.locked(users, id, ifMatch, { forDelete: true });
      users.deleteLater(id);
      await this.audit.record(tx, { action: 'user.delete', ...this.subject(current) });
      this.changes.record(tx, tenant.slug, [userDeleted(id, { ...current.doc, userName: current.userName })]);
    });
  }

  /**
   * The user to change, locked (REL-CONC-02, UsersRepository.lock) and checked against If-Match (RFC 7644 §3.14).
   */
  private async locked(
    users: UsersRepository<WriteTx>,
    id: string,
    ifMatch: string | undefined,
    options: { withGroups?: boolean; forDelete?: boolean } = {},
  ): Promise<LockedUserRow> {
    const current = await users.lock(id, options);
    if (!current) throw notFound(USER, id);
    checkIfMatch(ifMatch, current.version);
    return current;
  }

  private repository<Tx extends Statements>(tx: Tx): UsersRepository<Tx> {
    return new UsersRepository(tx, this.registries.customUserUrn);
  }

  /**
   * A stored document as the tenant's schema sees it, and the values of its removed custom attributes, which
   * PATCH and PUT carry over untouched until staff purge them.
   */
  private split(tenant: Tenant, doc: JsonObject) {
    return splitHidden(doc, this.registries.customUserUrn, this.registries.customUserSchema(tenant));
  }

  private toStorage(resource: ScimResource, hidden: JsonObject | undefined) {
    const { columns, doc } = toStorage(resource);
    return { columns, doc: withHidden(doc, this.registries.customUserUrn, hidden) };
  }

  /** Who an audit event is about and, for an update, what changed (attribute names, old and new values). */
  private subject(row: UserRow, before?: UserRow, note: { other?: Record<string, unknown> } = {}) {
    return {
      resourceType: 'User' as const,
      resourceId: row.id,
      resourceName: row.userName,
      changes: before ? { attributes: diffAttributes(patchable(before), patchable(row)), ...note } : null,
    };
  }

  /**
   * The read-only `groups` attribute (RFC 7643 §4.1.2): direct memberships from scim_group_members, read with the
   * rows themselves (`withGroups`), and not at all when the projection leaves it out.
   */
  private memberships(rows: UserRow[]): Memberships {
    const byUser: Memberships = new Map();
    for (const row of rows) if (row.groups) byUser.set(row.id, row.groups);
    return byUser;
  }

  private wantsGroups(tenant: Tenant, projection: ProjectionOptions): boolean {
    return isReturned(this.registries.for(tenant), USER, projection, 'groups');
  }

  private respond(
    tenant: Tenant,
    row: UserRow,
    projection: ProjectionOptions,
    groups?: Memberships,
  ): UserResponse {
    const registry = this.registries.for(tenant);
    return {
      resource: projectResource(this.render(tenant, registry, row, groups), registry, USER, projection),
      version: row.version,
      location: resourceLocation(registry, USER, this.env.tenantScimUrl(tenant.slug), row.id),
    };
  }

  /** The full resource: the stored document, the manager from its column, id and meta (RFC 7643 §3.1). */
  private render(tenant: Tenant, registry: SchemaRegistry, row: UserRow, groups?: Memberships): ScimResource {
    const baseUrl = this.env.tenantScimUrl(tenant.slug);
    const { schemas, ...attributes } = withManager(this.split(tenant, row.doc).visible, row.managerId, (id) =>
      resourceLocation(registry, USER, baseUrl, id),
    );
    const memberOf = (groups?.get(row.id) ?? []).map((group) => ({
      value: group.groupId,
      $ref: resourceLocation(registry, 'Group', baseUrl, group.groupId),
      display: group.displayName,
      type: 'direct',
    }));
    return {
      schemas,
      id: row.id,
      ...attributes,
      ...(memberOf.length > 0 ? { groups: memberOf } : {}),
      meta: buildMeta(registry, USER, {
        baseUrl,
        id: row.id,
        created: row.created,
        lastModified: row.lastModified,
        version: row.version,
      }),
    };
  }
}
