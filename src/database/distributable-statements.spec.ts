import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every TypeScript source file of the service, without the tests. */
function sources(dir = join(__dirname, '..')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The text of each `ON CONFLICT` clause: up to `RETURNING`, the end of the statement or the template. */
function onConflictClauses(text: string): string[] {
  return [...text.matchAll(/ON CONFLICT[\s\S]*?(?=RETURNING|;|`)/gi)].map((match) => match[0]);
}

// docs/SCALE.md SCHEMA-15: Citus refuses a function that is not IMMUTABLE in the DO UPDATE SET or WHERE of an
// upsert on a distributed or reference table ("functions used in the DO UPDATE SET clause of INSERTs on distributed
// tables must be marked IMMUTABLE"); plain PostgreSQL accepts it, so only this check sees it without a cluster.
describe('statements that Citus can run (docs/SCALE.md SCHEMA-15)', () => {
  it('reads no clock in an ON CONFLICT clause', () => {
    const offending = sources().flatMap((file) =>
      onConflictClauses(readFileSync(file, 'utf8'))
        .filter((clause) => /\b(now|clock_timestamp|statement_timestamp|random)\s*\(/i.test(clause))
        .map((clause) => `${file}: ${clause.replace(/\s+/g, ' ')}`),
    );
    expect(offending).toEqual([]);
  });

  it('finds a clock in an ON CONFLICT clause when there is one', () => {
    const upsert = `INSERT INTO t (a, at) VALUES ($1, now()) ON CONFLICT (a) DO UPDATE SET at = now() RETURNING a`;
    expect(onConflictClauses(upsert)).toEqual(['ON CONFLICT (a) DO UPDATE SET at = now() ']);
  });
});
