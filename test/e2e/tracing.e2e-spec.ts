import { NestExpressApplication } from '@nestjs/platform-express';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import request from 'supertest';
import { TENANT_ATTRIBUTE } from '../../src/tracing/tracing';
import { createTestApp, givenTenant } from '../support/app';
import { EMBEDDED } from '../support/database';
import { startService } from '../support/service-process';

interface OtlpSpan {
  traceId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

/** A stand-in OpenTelemetry collector: keeps every OTLP/HTTP JSON export it is sent, by path. */
class Receiver {
  readonly exports: { path: string; body: OtlpExport }[] = [];
  private readonly server: Server = createServer((incoming, response) => {
    void this.read(incoming).then((text) => {
      if (incoming.headers['content-type']?.startsWith('application/json'))
        this.exports.push({ path: incoming.url ?? '', body: JSON.parse(text) as OtlpExport });
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Every span received on /v1/traces, with the name of the instrumentation that made it. */
  spans(): (OtlpSpan & { scope: string })[] {
    return this.exports
      .filter((item) => item.path === '/v1/traces')
      .flatMap((item) => item.body.resourceSpans)
      .flatMap((resource) => resource.scopeSpans)
      .flatMap((scope) => scope.spans.map((span) => ({ ...span, scope: scope.scope.name })));
  }

  private async read(incoming: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }
}

const attribute = (span: OtlpSpan, key: string) =>
  span.attributes?.find((item) => item.key === key)?.value.stringValue;

// The API package alone is a no-op façade (prom-client loads it for exemplars); the SDK and the instrumentations,
// which patch http, express and pg, are what tracing costs.
const OPENTELEMETRY_SDK = /node_modules[\\/]@opentelemetry[\\/](?!api[\\/])/;

describe('tracing (docs/ARCHITECTURE.md "Tracing")', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: the OpenTelemetry SDK is not even loaded', async () => {
    const service = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    let loaded: string[];
    try {
      await request(service.url).get('/api/scim/Users').set('Host', 'nobody.localhost').expect(401);
    } finally {
      loaded = await service.stop();
    }
    // The preload did see the service's own modules, so an empty match below means something.
    expect(loaded.some((file) => /[\\/]src[\\/]app\.module\.ts$/.test(file))).toBe(true);
    expect(loaded.filter((file) => OPENTELEMETRY_SDK.test(file))).toEqual([]);
  });

  // The database statement spans come from the pg driver, which the embedded database does not use, and a second
  // process cannot open the suite's in-memory PGlite to find the tenant this test creates.
  (EMBEDDED ? it.skip : it)(
    'sends spans of the request, with the tenant slug, and of its database statements to the OTLP endpoint',
    async () => {
      const receiver = new Receiver();
      const endpoint = await receiver.start();
      const app: NestExpressApplication = await createTestApp();
      const service = await startService({
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        // Export every 100 ms instead of 5 s; the test still waits for the spans to arrive.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
      try {
        const kund = await givenTenant(app);
        // A filter's value is personal data: it must not reach the traces (SECURITY.md MET-02).
        const secret = `secret-${kund.slug}@example.com`;
        await request(service.url)
          .get(`/api/scim/Users?filter=${encodeURIComponent(`userName eq "${secret}"`)}`)
          .set('Host', kund.host)
          .set('Authorization', `Bearer ${kund.token}`)
          .expect(200);

        const deadline = Date.now() + 60_000;
        const requestSpan = () =>
          receiver.spans().find((span) => attribute(span, TENANT_ATTRIBUTE) === kund.slug);
        const statements = (traceId: string) =>
          receiver
            .spans()
            .filter((span) => span.traceId === traceId && span.scope === '@opentelemetry/instrumentation-pg');
        while (Date.now() < deadline) {
          const span = requestSpan();
          if (span && statements(span.traceId).length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const span = requestSpan();
        expect(span).toBeDefined();
        expect(span?.scope).toBe('@opentelemetry/instrumentation-http');
        expect(attribute(span as OtlpSpan, 'http.route')).toBe('/api/scim/Users');
        const sql = statements((span as OtlpSpan).traceId).map((item) => attribute(item, 'db.query.text'));
        expect(sql.some((text) => /FROM scim_users/i.test(text ?? ''))).toBe(true);
        // Statement text with $n placeholders, never the bound values: the token's key id is one of them.
        expect(sql.some((text) => /FROM "api_keys"/.test(text ?? ''))).toBe(true);
        expect(JSON.stringify(statements((span as OtlpSpan).traceId))).not.toContain(kund.keyId);
        expect(JSON.stringify(receiver.spans())).not.toContain(secret);
        expect(attribute(span as OtlpSpan, 'url.query')).toBe('filter=REDACTED');
      } finally {
        const loaded = await service.stop();
        await receiver.stop();
        await app.close();
        expect(loaded.some((file) => /@opentelemetry[\\/]sdk-node[\\/]/.test(file))).toBe(true);
      }
    },
    240_000,
  );
});
