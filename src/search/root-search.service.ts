import { Injectable } from '@nestjs/common';
import { GroupsService } from '../groups/groups.service';
import {
  buildListResponse,
  CursorParams,
  encodeCursor,
  invalidCursor,
  ListParams,
  ListResponse,
  parseListParams,
  ScimError,
} from '../scim-core';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { Tenant } from '../tenants/tenant.entity';
import { UsersService } from '../users/users.service';

const USER = 'User' as const;
const GROUP = 'Group' as const;

/**
 * POST /.search at the root (RFC 7644 §3.4.3): users and groups in one result, each resource's `schemas` telling which
 * it is. The result is the users (in the order /Users lists them) followed by the groups (in /Groups' order); startIndex,
 * count and cursors page through that concatenation (docs/ARCHITECTURE.md "Paging"). A filter or sortBy attribute
 * one type lacks never matches (is unassigned) for that type; one that neither has is refused.
 */
@Injectable()
export class RootSearchService {
  constructor(
    private readonly registries: SchemaRegistryService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  async search(tenant: Tenant, body: unknown): Promise<ListResponse> {
    const registry = this.registries.for(tenant);
    // What each type lacks, as "<parameter> <path>"; what both lack is an error.
    const lacking = { [USER]: new Set<string>(), [GROUP]: new Set<string>() };
    const paramsOf = (type: typeof USER | typeof GROUP) =>
      parseListParams(body, registry, type, {
        unknown: (parameter, path) => lacking[type].add(`${parameter} ${path}`),
      });
    const [users, groups] = [paramsOf(USER), paramsOf(GROUP)];
    const missing = [...lacking[USER]].find((entry) => lacking[GROUP].has(entry));
    if (missing) {
      const [parameter, path] = missing.split(' ');
      throw parameter === 'filter'
        ? ScimError.invalidFilter(`Unknown attribute '${path}' in filter: neither Users nor Groups have it`)
        : ScimError.invalidValue(`Cannot sort by '${path}': neither Users nor Groups have it`);
    }
    return users.cursor ? this.cursorPage(tenant, users, groups) : this.indexPage(tenant, users, groups);
  }

  /** startIndex/count over users then groups: the groups' part starts where the users end. */
  private async indexPage(tenant: Tenant, users: ListParams, groups: ListParams): Promise<ListResponse> {
    const userPage = await this.users.search(tenant, users);
    const groupPage = await this.groups.search(tenant, {
      ...groups,
      startIndex: Math.max(1, users.startIndex - userPage.totalResults),
      count: users.count - userPage.Resources.length,
    });
    return combined([userPage, groupPage], { startIndex: users.startIndex });
  }

  /**
   * Cursor pages (RFC 9865) over users then groups. A User cursor continues the users, then the groups from their first;
   * a Group cursor continues the groups (the users' part is only counted).
   */
  private async cursorPage(tenant: Tenant, users: ListParams, groups: ListParams): Promise<ListResponse> {
    const after = users.cursor?.after;
    if (after && after.resourceType !== USER && after.resourceType !== GROUP) throw invalidCursor();
    const inGroups = after?.resourceType === GROUP;
    const userPage = await this.users.search(tenant, {
      ...users,
      ...(inGroups ? { cursor: {}, count: 0 } : {}),
    });
    const left = inGroups ? users.count : users.count - userPage.Resources.length;
    const groupCursor: CursorParams = inGroups ? (users.cursor ?? {}) : {};
    const groupPage = await this.groups.search(tenant, {
      ...groups,
      cursor: userPage.nextCursor ? {} : groupCursor,
      count: userPage.nextCursor ? 0 : left,
    });
    const lastUser = userPage.Resources.at(-1)?.id;
    // The users filled the page exactly and have no more: the groups follow, from a cursor after the last user.
    const nextCursor =
      userPage.nextCursor ??
      (left === 0 && typeof lastUser === 'string' && groupPage.totalResults > 0
        ? encodeCursor({ resourceType: USER, id: lastUser })
        : groupPage.nextCursor);
    return combined([userPage, groupPage], nextCursor ? { nextCursor } : {});
  }
}

function combined(pages: ListResponse[], page: { startIndex?: number; nextCursor?: string }): ListResponse {
  const totalResults = pages.reduce((sum, p) => sum + p.totalResults, 0);
  return buildListResponse(
    pages.flatMap((p) => p.Resources),
    { totalResults, ...page },
  );
}
