import { TenantRepository } from '../database/tenant-repository';
import type { MemberDelta } from '../events/change-event';

export type { MemberDelta };

export type MemberType = 'User' | 'Group';

/** One membership as rendered in `members` (RFC 7643 §4.2). */
export interface MemberRow {
  groupId: string;
  memberId: string;
  type: MemberType;
  display: string | null;
}

/** Member ids to write, by kind (each kind has its own foreign key column). */
export interface MemberIds {
  users: string[];
  groups: string[];
}

/** The member ids a statement's CTE touched (its RETURNING member_id), as text. */
const IDS = (cte: string) => `(SELECT coalesce(array_agg(member_id::text), '{}') FROM ${cte})`;

/** INSERT … SELECT of both kinds; ON CONFLICT makes adding an existing member a no-op (REL-CONC-01). */
const INSERT_MEMBERS = `INSERT INTO scim_group_members (tenant_id, group_id, user_id, child_group_id)
    SELECT $1::uuid, $2::uuid, u, NULL::uuid FROM unnest($3::uuid[]) AS u
    UNION ALL SELECT $1::uuid, $2::uuid, NULL::uuid, c FROM unnest($4::uuid[]) AS c
  ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING
  RETURNING member_id`;

/**
 * SQL for scim_group_members in one tenant transaction, the tenant id bound as $1 (TenantRepository). Every change is
 * one set-based statement that answers the member ids it added and removed; none of them reads the member list.
 */
export class GroupMembersRepository extends TenantRepository {
  /** Which of the candidate ids (well-formed uuids) are users or groups of this tenant: one query. */
  async classify(ids: string[]): Promise<Map<string, MemberType>> {
    if (ids.length === 0) return new Map();
    const rows = await this.query<{ id: string; type: MemberType }>(
      `SELECT u.id::text AS id, 'User' AS type FROM scim_users u WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[])
       UNION ALL
       SELECT g.id::text, 'Group' FROM scim_groups g WHERE g.tenant_id = $1 AND g.id = ANY($2::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.type]));
  }

  /**
   * Serialises changes to the group hierarchy of this tenant: two transactions each adding the other's group
   * would both pass the cycle check on their own snapshot. The tenant row is the one row both share; FOR NO KEY
   * UPDATE leaves the foreign-key checks (FOR KEY SHARE) of every other write on the tenant unblocked.
   */
  async lockHierarchy(): Promise<void> {
    await this.query(`SELECT 1 FROM tenants t WHERE t.id = $1 FOR NO KEY UPDATE`, []);
  }

  /** The group itself and every group that contains it, directly or not, among the candidates. */
  async ancestorsAmong(groupId: string, candidates: string[]): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `WITH RECURSIVE ancestors (id) AS (
         SELECT $2::uuid
         UNION
         SELECT m.group_id FROM scim_group_members m JOIN ancestors a ON m.child_group_id = a.id
         WHERE m.tenant_id = $1
       )
       SELECT a.id::text AS id FROM ancestors a WHERE a.id = ANY($3::uuid[])`,
      [groupId, candidates],
    );
    return rows.map((row) => row.id);
  }

  async add(groupId: string, ids: MemberIds): Promise<MemberDelta> {
    return this.delta(
      `WITH ins AS (${INSERT_MEMBERS}) SELECT ${IDS('ins')} AS added, '{}'::text[] AS removed`,
      [groupId, ids.users, ids.groups],
    );
  }

  async remove(groupId: string, ids: string[]): Promise<MemberDelta> {
    return this.delta(
      `WITH del AS (
         DELETE FROM scim_group_members m
         WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.member_id = ANY($3::uuid[]) RETURNING m.member_id
       ) SELECT '{}'::text[] AS added, ${IDS('del')} AS removed`,
      [groupId, ids],
    );
  }

  async removeAll(groupId: string): Promise<MemberDelta> {
    return this.delta(
      `WITH del AS (
         DELETE FROM scim_group_members m WHERE m.tenant_id = $1 AND m.group_id = $2 RETURNING m.member_id)
       SELECT '{}'::text[] AS added, ${IDS('del')} AS removed`,
      [groupId],
    );
  }

  /** Exactly the given members: the others are deleted and the missing inserted, in one statement. */
  async replace(groupId: string, ids: MemberIds): Promise<MemberDelta> {
    return this.delta(
      `WITH del AS (
         DELETE FROM scim_group_members m
         WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.member_id <> ALL($3::uuid[] || $4::uuid[])
         RETURNING m.member_id
       ), ins AS (${INSERT_MEMBERS})
       SELECT ${IDS('ins')} AS added, ${IDS('del')} AS removed`,
      [groupId, ids.users, ids.groups],
    );
  }

  /** Every membership of the tenant, without display names (a change-feed snapshot). */
  all(): Promise<MemberRow[]> {
    return this.query<MemberRow>(
      `SELECT m.group_id::text AS "groupId", m.member_id::text AS "memberId", m.member_type AS type, NULL AS display
       FROM scim_group_members m WHERE m.tenant_id = $1 ORDER BY m.group_id, m.member_id`,
      [],
    );
  }

  /**
   * The first `limit` members (by member id) of each group, with a display name: one query for a whole page,
   * each group read through its primary key index and cut off there, so a 100,000-member group costs `limit`.
   */
  async firstMembers(groupIds: string[], limit: number): Promise<MemberRow[]> {
    if (groupIds.length === 0) return [];
    return this.query<MemberRow>(
      `SELECT x.group_id::text AS "groupId", x.member_id::text AS "memberId", x.member_type AS type, x.display
       FROM unnest($2::uuid[]) AS p (id)
       CROSS JOIN LATERAL (
         SELECT m.group_id, m.member_id, m.member_type, COALESCE(u.display_name, u.user_name, c.display_name) AS display
         FROM scim_group_members m
         LEFT JOIN scim_users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
         LEFT JOIN scim_groups c ON c.tenant_id = m.tenant_id AND c.id = m.child_group_id
         WHERE m.tenant_id = $1 AND m.group_id = p.id
         ORDER BY m.member_id
         LIMIT $3
       ) AS x
       ORDER BY x.group_id, x.member_id`,
      [groupIds, limit],
    );
  }

  private async delta(sql: string, params: unknown[]): Promise<MemberDelta> {
    const [row] = await this.query<MemberDelta>(sql, params);
    return row;
  }
}
