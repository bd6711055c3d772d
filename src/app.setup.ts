import { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { AppLogger, logRequests } from './common/logging';
import { openRequestContext } from './common/request-context';
import { Env } from './config/env';
import { recordHttpMetrics } from './metrics/http-metrics.middleware';
import { Metrics } from './metrics/metrics';
import { GracefulShutdown } from './health/graceful-shutdown';
import { scimPipeline } from './scim/scim-pipeline';
import { CONSOLE_PATH, staffConsole } from './console/console-static';
import { setUpApiDocs } from './docs/api-docs';

function trustProxySetting(value: string | undefined): boolean | number | string[] {
  if (!value) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((item) => item.trim());
}

/**
 * Slow clients (one byte every few seconds) are cut off instead of holding sockets (SECURITY.md REL-LIM-06, H-70);
 * idle keep-alive connections outlive the load balancer's (HTTP_KEEP_ALIVE_TIMEOUT_MS says why).
 */
function setServerTimeouts(server: Server, env: Env): void {
  server.headersTimeout = env.HTTP_HEADERS_TIMEOUT_MS;
  server.requestTimeout = env.HTTP_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = env.HTTP_KEEP_ALIVE_TIMEOUT_MS;
}

/** Everything main.ts does to the app besides listening; e2e tests call it too, so they run what production runs. */
export function configureApp(app: NestExpressApplication): void {
  const env = app.get(Env);
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  // Resources carry their own version ETags (RFC 7644 §3.14); Express's body hashes would contradict them.
  app.set('etag', false);
  app.set('trust proxy', trustProxySetting(env.TRUST_PROXY));
  // First, so every request is timed and counted, refused ones included (docs/PERFORMANCE.md "Metrics").
  app.use(recordHttpMetrics(app.get(Metrics)));
  app.use(openRequestContext);
  app.use(logRequests(logger.pino));
  app.use(app.get(GracefulShutdown).closeConnectionsWhenClosing);
  scimPipeline(app);
  setServerTimeouts(app.getHttpServer(), env);
  useAdminHost(app, env);
  if (env.SWAGGER_ENABLED) setUpApiDocs(app, env);
}

/**
 * What only the admin host serves besides the admin API (a Nest controller): the staff console's static files. Kept
 * apart from the SCIM chain; on a tenant host these paths fall through to the ordinary 404.
 */
function useAdminHost(app: NestExpressApplication, env: Env): void {
  app.use(CONSOLE_PATH, staffConsole(env.ADMIN_HOSTS));
}
