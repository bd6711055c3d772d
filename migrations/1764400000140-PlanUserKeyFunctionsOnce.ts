import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The e-mail and custom-attribute keys every user INSERT and UPDATE computes (MakeSchemaDistributable) in PL/pgSQL
 * instead of SQL. A SQL function whose body holds a subquery cannot be inlined, so PostgreSQL parsed and planned its
 * body again for every statement that called it; PL/pgSQL keeps the plan of its RETURN expression for the session
 * (docs/PERFORMANCE.md: about 100 µs less of the database's CPU per user write). The expressions are unchanged, and
 * so are the keys they compute; still IMMUTABLE, so Citus evaluates them on the shards.
 */
const KEY_FUNCTIONS = [
  {
    signature: 'scim_email_keys(doc jsonb)',
    returns: 'text[]',
    body: `ARRAY(SELECT lower(e ->> 'value') FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(doc -> 'emails') = 'array' THEN doc -> 'emails' ELSE '[]'::jsonb END) e
      WHERE e ->> 'value' IS NOT NULL)`,
  },
  {
    signature: 'scim_custom_keys(doc jsonb, urn text)',
    returns: 'jsonb',
    body: `COALESCE((SELECT jsonb_object_agg(lower(a.key), (
        SELECT COALESCE(jsonb_agg(CASE jsonb_typeof(v) WHEN 'string' THEN to_jsonb(lower(v #>> '{}')) ELSE v END), '[]')
        FROM jsonb_array_elements(CASE jsonb_typeof(a.value) WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) v))
      FROM jsonb_each(CASE WHEN jsonb_typeof(doc -> urn) = 'object' THEN doc -> urn
        ELSE '{}'::jsonb END) a), '{}'::jsonb)`,
  },
];

export class PlanUserKeyFunctionsOnce1764400000140 implements MigrationInterface {
  name = 'PlanUserKeyFunctionsOnce1764400000140';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const { signature, returns, body } of KEY_FUNCTIONS)
      await queryRunner.query(`
        CREATE OR REPLACE FUNCTION ${signature} RETURNS ${returns}
          LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
          AS $$ BEGIN RETURN ${body}; END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const { signature, returns, body } of KEY_FUNCTIONS)
      await queryRunner.query(`
        CREATE OR REPLACE FUNCTION ${signature} RETURNS ${returns}
          LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT ${body} $$`);
  }
}
