import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Env } from '../config/env';
import { UnitOfWork } from '../database/unit-of-work';
import {
  applyPatch,
  buildListResponse,
  buildMeta,
  deepEqual,
  isJsonObject,
  JsonObject,
  ListResponse,
  parseListParams,
  projectResource,
  ProjectionOptions,
  resourceLocation,
  SCHEMA_URNS,
  ScimError,
  ScimResource,
  SchemaRegistry,
  userNameKey,
} from '../scim/core';
import { assertResourceId, checkIfMatch, notFound } from '../scim/scim-resource';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { Tenant } from '../tenants/tenant.entity';
import { isReturned } from '../groups/membership-view';
import { UserColumns, UserGroupRow, UserRow, UsersRepository } from './users.repository';

const USER = 'User';
const ENTERPRISE = SCHEMA_URNS.enterpriseUser;
/** Direct memberships per user id, when the response shows `groups`. */
type Memberships = Map<string, UserGroupRow[]>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user as sent to the client, with the version its ETag header carries. */
export interface UserResponse {
  resource: ScimResource;
  version: number;
  location: string;
}

export interface WriteOptions extends ProjectionOptions {
  ifMatch?: string;
}

/**
 * SCIM Users (RFC 7644 §3) on the protocol core: the core validates and patches documents, this service
 * stores them, one tenant transaction per request (UnitOfWork).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly registries: SchemaRegistryService,
    private readonly env: Env,
  ) {}

  async list(tenant: Tenant, query: unknown): Promise<ListResponse> {
    const registry = this.registries.for(tenant);
    const params = parseListParams(query, registry, USER);
    const { total, rows, groups } = await this.unitOfWork.run(tenant.id, async (tx) => {
      const users = new UsersRepository(tx);
      const page = await users.list(params);
      return { ...page, groups: await this.memberships(users, tenant, page.rows, params) };
    });
    const resources = rows.map((row) =>
      projectResource(this.render(tenant, registry, row, groups), registry, USER, params),
    );
    return buildListResponse(resources, { totalResults: total, startIndex: params.startIndex });
  }

  async get(tenant: Tenant, id: string, projection: ProjectionOptions = {}): Promise<UserResponse> {
    assertResourceId(id, USER);
    const { row, groups } = await this.unitOfWork.run(tenant.id, async (tx) => {
      const users = new UsersRepository(tx);
      const found = await users.findById(id);
      if (!found) throw notFound(USER, id);
      return { row: found, groups: await this.memberships(users, tenant, [found], projection) };
    });
    return this.respond(tenant, row, projection, groups);
  }

  async create(tenant: Tenant, body: unknown, projection: ProjectionOptions = {}): Promise<UserResponse> {
    const registry = this.registries.for(tenant);
    const { columns, doc } = toStorage(registry.parse(USER, body, 'create'));
    const row = await this.unitOfWork.run(tenant.id, (tx) =>
      new UsersRepository(tx).insert(randomUUID(), columns, doc),
    );
    return this.respond(tenant, row, projection);
  }

  /** PUT replaces every mutable attribute (RFC 7644 §3.5.1); it never creates (H-65). */
  async replace(
    tenant: Tenant,
    id: string,
    body: unknown,
    options: WriteOptions = {},
  ): Promise<UserResponse> {
    assertResourceId(id, USER);
    if (isJsonObject(body) && body.id !== undefined && body.id !== id) {
      throw ScimError.invalidValue('The id in the body does not match the id in the URL');
    }
    const registry = this.registries.for(tenant);
    const { row, groups } = await this.unitOfWork.run(tenant.id, async (tx) => {
      const users = new UsersRepository(tx);
      const current = await users.findById(id, { forUpdate: true });
      if (!current) throw notFound(USER, id);
      checkIfMatch(options.ifMatch, current.version);
      const { columns, doc } = toStorage(
        registry.parse(USER, body, 'replace', { existing: patchable(current) }),
      );
      const stored = unchanged(current, columns, doc) ? current : await users.update(id, columns, doc);
      return { row: stored, groups: await this.memberships(users, tenant, [stored], options) };
    });
    return this.respond(tenant, row, options, groups);
  }

  /** PATCH applies all operations or none, in one transaction, on the row locked FOR UPDATE (REL-CONC-02). */
  async patch(tenant: Tenant, id: string, body: unknown, options: WriteOptions = {}): Promise<UserResponse> {
    assertResourceId(id, USER);
    const registry = this.registries.for(tenant);
    const { row, groups } = await this.unitOfWork.run(tenant.id, async (tx) => {
      const users = new UsersRepository(tx);
      const current = await users.findById(id, { forUpdate: true });
      if (!current) throw notFound(USER, id);
      checkIfMatch(options.ifMatch, current.version);
      const result = applyPatch(patchable(current), body, registry, USER);
      // A no-op PATCH changes neither version nor lastModified (issue #4).
      let stored = current;
      if (result.changed) {
        const { columns, doc } = toStorage(result.resource);
        stored = await users.update(id, columns, doc);
      }
      return { row: stored, groups: await this.memberships(users, tenant, [stored], options) };
    });
    return this.respond(tenant, row, options, groups);
  }

  async remove(tenant: Tenant, id: string, ifMatch?: string): Promise<void> {
    assertResourceId(id, USER);
    await this.unitOfWork.run(tenant.id, async (tx) => {
      const users = new UsersRepository(tx);
      const current = await users.findById(id, { forUpdate: true });
      if (!current) throw notFound(USER, id);
      checkIfMatch(ifMatch, current.version);
      await users.delete(id);
    });
  }

  /**
   * The read-only `groups` attribute (RFC 7643 §4.1.2): direct memberships from scim_group_members, read in the
   * request's transaction with one query for all rows, and not at all when the projection leaves it out.
   */
  private async memberships(
    users: UsersRepository,
    tenant: Tenant,
    rows: UserRow[],
    projection: ProjectionOptions,
  ): Promise<Memberships> {
    const byUser: Memberships = new Map();
    if (rows.length === 0 || !isReturned(this.registries.for(tenant), USER, projection, 'groups'))
      return byUser;
    for (const membership of await users.groupsOf(rows.map((row) => row.id))) {
      byUser.set(membership.userId, [...(byUser.get(membership.userId) ?? []), membership]);
    }
    return byUser;
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
    const { schemas, ...attributes } = withManager(row.doc, row.managerId, (id) =>
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

/** The stored document plus the manager reference, as the PATCH engine and PUT's immutability check see it. */
function patchable(row: UserRow): ScimResource {
  return withManager(row.doc, row.managerId);
}

/**
 * The manager lives in a column with a foreign key to the same tenant's users (ON DELETE SET NULL), so a
 * deleted manager disappears from every report consistently: it is cleared, never left dangling (issue #4).
 * It is always rendered as the complex form {"value": id} (ENTRA.md E7), plus $ref when a location is known.
 */
function withManager(
  doc: JsonObject,
  managerId: string | null,
  location?: (id: string) => string,
): JsonObject {
  if (!managerId) return doc;
  const extension = isJsonObject(doc[ENTERPRISE]) ? doc[ENTERPRISE] : {};
  const manager: JsonObject = { value: managerId, ...(location ? { $ref: location(managerId) } : {}) };
  const schemas = Array.isArray(doc.schemas) ? doc.schemas : [SCHEMA_URNS.user];
  return {
    ...doc,
    schemas: schemas.includes(ENTERPRISE) ? schemas : [...schemas, ENTERPRISE],
    [ENTERPRISE]: { ...extension, manager },
  };
}

/** Splits a validated resource into the columns and the document (without the manager, kept in its column). */
function toStorage(resource: ScimResource): { columns: UserColumns; doc: JsonObject } {
  const { id: _id, meta: _meta, groups: _groups, ...doc } = resource;
  let managerId: string | null = null;
  const extension = doc[ENTERPRISE];
  if (isJsonObject(extension)) {
    const { manager, ...rest } = extension;
    const value = isJsonObject(manager) ? manager.value : undefined;
    if (typeof value === 'string' && value !== '') {
      // Only ids of this tenant's users can be managers; the foreign key checks existence (400, not 500).
      if (!UUID.test(value)) throw ScimError.invalidValue(`manager '${value}' is not a user of this tenant`);
      managerId = value;
    }
    if (Object.keys(rest).length > 0) doc[ENTERPRISE] = rest;
    else {
      delete doc[ENTERPRISE];
      if (Array.isArray(doc.schemas)) doc.schemas = doc.schemas.filter((urn) => urn !== ENTERPRISE);
    }
  }
  const userName = doc.userName as string; // required and validated as a string by the schema
  const name = isJsonObject(doc.name) ? doc.name : {};
  return {
    doc,
    columns: {
      userName,
      userNameKey: userNameKey(userName),
      externalId: text(doc.externalId),
      active: doc.active !== false, // RFC 7643 §4.1.1: absent means active
      displayName: text(doc.displayName),
      givenName: text(name.givenName),
      familyName: text(name.familyName),
      email: preferredEmail(doc.emails),
      managerId,
    },
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The primary e-mail, else the work one, else the first (what Entra matches on: ENTRA.md E3). */
function preferredEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const entries = emails.filter(isJsonObject);
  const chosen =
    entries.find((e) => e.primary === true) ??
    entries.find((e) => e.type === 'work') ??
    entries[0] ??
    undefined;
  return chosen ? text(chosen.value) : null;
}

function unchanged(current: UserRow, columns: UserColumns, doc: JsonObject): boolean {
  // jsonb does not keep key order, so compare structurally.
  return current.managerId === columns.managerId && deepEqual(current.doc, doc);
}
