import express, { NextFunction, Request, Response, Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAdminHost } from '../tenants/tenant-host';

/** Where the console's URLs live, on the admin host only. */
export const CONSOLE_PATH = '/console';

/**
 * The built console (`vite build`, part of `npm run build`): dist/console-web beside the compiled service, or, when
 * the service runs from its TypeScript sources (tests), the same folder under the project root.
 */
export function consoleBuildDir(): string | null {
  const candidates = [
    join(__dirname, '..', '..', 'console-web'),
    join(__dirname, '..', '..', 'dist', 'console-web'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * The console is static files talking to the admin API like any other client (SECURITY.md CON-05): no server
 * rendering, no data in the page. Its own strict Content-Security-Policy (scripts, styles and requests from this
 * origin only; no framing), so an injected string can neither run nor exfiltrate.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Serves the console at /console on ADMIN_HOSTS; any other host gets the service's ordinary 404 (the request goes on
 * to Nest, which has no such route). Client-side routes (/console/tenants/acme) get index.html; hashed assets are
 * cached for good, index.html never, so a deploy takes effect on the next load.
 */
export function staffConsole(adminHosts: readonly string[], dir: string | null = consoleBuildDir()): Router {
  const router = express.Router();
  const onAdminHost = (request: Request, _response: Response, next: NextFunction) =>
    isAdminHost(request.hostname, adminHosts) ? next() : next('router');
  router.use(onAdminHost, (_request: Request, response: Response, next: NextFunction) => {
    response.set(SECURITY_HEADERS);
    next();
  });
  if (dir === null) {
    router.use(onAdminHost, (_request: Request, response: Response) => {
      response
        .status(503)
        .type('text/plain')
        .send('The staff console is not built: run `npm run build` (it builds the console too).');
    });
    return router;
  }
  router.use(
    onAdminHost,
    express.static(dir, {
      index: false,
      fallthrough: true,
      setHeaders: (response, path) =>
        response.setHeader(
          'Cache-Control',
          path.includes(`${join('assets', '')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    }),
  );
  router.get(/.*/, onAdminHost, (request: Request, response: Response, next: NextFunction) => {
    // A missing asset is a 404, not the page: only extension-less paths are the console's own routes.
    if (/\.[a-z0-9]+$/i.test(request.path)) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(join(dir, 'index.html'));
  });
  return router;
}
