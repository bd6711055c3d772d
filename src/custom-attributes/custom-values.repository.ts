import type { JsonValue } from '../scim-core';
import type { WriteTx } from '../database/tenant-database';
import { TenantRepository } from '../database/tenant-repository';

/**
 * Stored values of one custom attribute across a tenant's users: for the checks a definition change needs and for
 * the purge. `urn` is where the extension lives in `doc`, `name` the attribute's stored spelling.
 * Every statement is scoped to the transaction's tenant as $1 (TenantRepository).
 */
export class CustomValuesRepository extends TenantRepository<WriteTx> {
  constructor(
    tx: WriteTx,
    private readonly urn: string,
  ) {
    super(tx);
  }

  /** The values users have, one per user that has one (JSON null excluded). */
  async values(name: string): Promise<JsonValue[]> {
    const rows = await this.query<{ value: JsonValue }>(
      `SELECT u.doc -> $2::text -> $3::text AS value FROM scim_users u
       WHERE u.tenant_id = $1 AND u.doc -> $2::text -> $3::text IS NOT NULL`,
      [this.urn, name],
    );
    return rows.map((row) => row.value);
  }

  async countUsers(): Promise<number> {
    const [{ count }] = await this.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM scim_users u WHERE u.tenant_id = $1`,
      [],
    );
    return count;
  }

  /**
   * Deletes the attribute's values from every user, dropping the extension (and its `schemas` entry) where it
   * becomes empty (the IMMUTABLE function scim_without_custom: Citus refuses subqueries in CASE in an UPDATE). Version and lastModified stay: the values were already hidden from every response.
   */
  async purge(name: string): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `UPDATE scim_users u SET doc = scim_without_custom(u.doc, $2::text, $3::text),
         custom_keys = u.custom_keys - lower($3::text)
       WHERE u.tenant_id = $1 AND (u.doc -> $2::text) ? $3::text
       RETURNING u.id`,
      [this.urn, name],
    );
    return rows.length;
  }
}
