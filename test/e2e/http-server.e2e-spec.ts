import request from 'supertest';
import { createTestApp } from '../support/app';

describe('HTTP server timeouts (docs/ARCHITECTURE.md, Operations)', () => {
  it.each([
    [{}, 65_000],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: '90000' }, 90_000],
  ])(
    'keeps idle keep-alive connections open longer than a load balancer does (%p)',
    async (env, keepAliveMs) => {
      const app = await createTestApp({ env });
      try {
        const server = app.getHttpServer();
        expect(server.keepAliveTimeout).toBe(keepAliveMs);
        // Slow-client protection stays as configured (REL-LIM-06).
        expect(server.headersTimeout).toBe(10_000);
        // What clients are told (RFC 9112 §9.3 persistence; the Keep-Alive header Node sends from the setting).
        const res = await request(server)
          .get('/health/live')
          .set('Host', 'localhost')
          .set('Connection', 'keep-alive')
          .expect(200);
        expect(res.headers['keep-alive']).toBe(`timeout=${keepAliveMs / 1000}`);
      } finally {
        await app.close();
      }
    },
  );
});
