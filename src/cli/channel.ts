import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminModule } from '../admin/admin.module';
import { AdminService } from '../admin/admin.service';
import { LocalServiceFile, SERVICE_FILE } from '../admin/local-operator';
import { ConfigModule } from '../config/config.module';
import { Env, loadEnv } from '../config/env';
import { DatabaseModule } from '../database/database.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { PublicUrl } from '../tenants/public-url';
import { RequestContext, RequestContextModule } from '../common/request-context';
import { AdminOperations, HttpAdminOperations } from './admin-operations';

// RateLimitModule and MetricsModule: the guards that AdminModule's modules provide take the failed-authentication
// limiter (REL-RATE-04) and the limiters count refusals, as in AppModule; the CLI itself never authenticates
// through them.
@Module({
  imports: [ConfigModule, RequestContextModule, DatabaseModule, MetricsModule, RateLimitModule, AdminModule],
})
class CliModule {}

export interface Channel {
  operations: AdminOperations;
  /** How the CLI reached the data, for the curious (`--verbose`). */
  via: string;
  /** Runs a command for the operator, who is then the actor of its audit events either way. */
  run<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function runningService(env: Env): Promise<LocalServiceFile | null> {
  const file = join(env.DATA_DIR, SERVICE_FILE);
  if (!existsSync(file)) return null;
  const service = JSON.parse(readFileSync(file, 'utf8')) as LocalServiceFile;
  try {
    process.kill(service.pid, 0);
    const live = await fetch(`${service.url}/health/live`, { signal: AbortSignal.timeout(2000) });
    return live.ok ? service : null;
  } catch {
    return null; // a file left behind by a service that is gone
  }
}

/**
 * Picks how the CLI reaches the data: the running service's admin API when it holds the embedded database
 * (one process per data folder), otherwise the database itself, in-process, with the same AdminService.
 */
export async function openChannel(operator: string): Promise<Channel> {
  const env = loadEnv(process.env);
  const service = env.embedded ? await runningService(env) : null;
  if (service) {
    return {
      operations: new HttpAdminOperations(service.url, service.token, operator),
      via: `the running service at ${service.url}`,
      run: (work) => work(),
      close: async () => undefined,
    };
  }
  const app: INestApplicationContext = await NestFactory.createApplicationContext(CliModule, {
    logger: ['error'],
  });
  // The Tenant URLs the CLI prints are the service's, whatever this shell's PORT (tenants/public-url.ts).
  await app.get(PublicUrl).adopt();
  const context = app.get(RequestContext);
  return {
    operations: app.get(AdminService),
    run: (work) => context.run({ operator }, work),
    via: env.embedded ? `the embedded database in ${env.DATA_DIR}` : 'the database at DATABASE_URL',
    close: () => app.close(),
  };
}
