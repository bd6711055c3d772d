import { Global, Module } from '@nestjs/common';
import { JobLeases } from './job-leases';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { SERVICE_ROLE } from '../../migrations/1764400000013-CreateServiceRole';
import { Env } from '../config/env';
import { dataSourceOptions, isEmbedded } from './data-source';
import { DatabasePoolStats } from './pool-stats';
import { BackgroundConnections } from './background-connections';
import { DatabaseRoleCheck } from './role-check';
import { SharedReadConnections } from './shared-read-connections';
import { startupProgress } from './startup-progress';
import { TenantDatabase } from './tenant-database';

/**
 * PGlite has one user, a superuser, which row-level security never applies to. The embedded database therefore
 * runs its migrations as that user (when it opens) and then drops to the service's role for the rest of the
 * session, its only session: the service runs under the same policies as on PostgreSQL (SECURITY.md TEN-04).
 */
async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  if (isEmbedded(options)) await dataSource.query(`SET ROLE ${SERVICE_ROLE}`);
  return dataSource;
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [Env],
      useFactory: (env: Env) => dataSourceOptions(env, startupProgress(env)),
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('No database options');
        return openDataSource(options);
      },
    }),
  ],
  providers: [
    TenantDatabase,
    DatabaseRoleCheck,
    SharedReadConnections,
    BackgroundConnections,
    JobLeases,
    DatabasePoolStats,
  ],
  exports: [TenantDatabase, DatabaseRoleCheck, JobLeases, DatabasePoolStats, BackgroundConnections],
})
export class DatabaseModule {}
