import { MigrationProgressLogger } from './startup-progress';

describe('MigrationProgressLogger', () => {
  it("prints a line per migration from TypeORM's runner messages, and nothing else", () => {
    const lines: string[] = [];
    const logger = new MigrationProgressLogger((line) => lines.push(line));
    logger.logSchemaBuild('0 migrations are already loaded in the database.');
    logger.logSchemaBuild('2 migrations were found in the source code.');
    logger.logSchemaBuild('2 migrations are new migrations must be executed.');
    logger.logSchemaBuild('Migration CreateTenants1764400000000 has been executed successfully.');
    logger.logSchemaBuild('Migration CreateApiKeys1764400000001 has been executed successfully.');
    logger.logQuery();
    expect(lines).toEqual([
      'Applying 2 database migration(s):',
      '  [1/2] CreateTenants',
      '  [2/2] CreateApiKeys',
    ]);
  });
});
