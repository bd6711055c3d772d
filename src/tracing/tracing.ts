import type { Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage } from 'node:http';
import type { Env } from '../config/env';
import type { TenantRequest } from '../tenants/tenant-authenticator';

/** The span attribute that names the tenant of a SCIM request. */
export const TENANT_ATTRIBUTE = 'tenant.slug';

/** Probes and scrapes would be most of the traces and tell nothing. */
const UNTRACED = /^\/(health\/|metrics(\?|$))/;

/**
 * The query string with every value replaced: SCIM filters carry personal data (`userName eq "…"`), which must
 * not leave the service in a trace any more than in a log (SECURITY.md AUD-07, MET-02). Parameter names stay.
 */
export function redactedQuery(url: string | undefined): string | null {
  const at = url?.indexOf('?') ?? -1;
  if (url === undefined || at < 0) return null;
  const names = [...new URLSearchParams(url.slice(at + 1)).keys()];
  return names.map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}

/**
 * OpenTelemetry traces over OTLP/HTTP (JSON): a span per HTTP request (with Express's route spans and the route
 * pattern), one per database statement (its SQL text with $n placeholders, never the values: pg's
 * `enhancedDatabaseReporting` stays off, SECURITY.md MET-02), and the tenant's slug on the request's span. Only
 * main.ts loads this file, and only when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/ARCHITECTURE.md "Tracing");
 * the exporter and the SDK read the other standard OTEL_* variables themselves. Resolves with the SDK's shutdown,
 * which sends the spans still buffered.
 */
export function startTracing(env: Pick<Env, 'OTEL_SERVICE_NAME'>): () => Promise<void> {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME,
    traceExporter: new OTLPTraceExporter(),
    // Traces only: Prometheus has the metrics (/metrics), pino the logs. No meter provider also keeps the HTTP
    // instrumentation from recording a histogram of its own per request.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED.test(request.url ?? ''),
        // Called when the response ends, on the same object Express and the admission used.
        applyCustomAttributesOnSpan: (span: Span, request) => {
          const incoming = request as IncomingMessage as TenantRequest;
          const slug = incoming.tenant?.slug;
          if (slug !== undefined) span.setAttribute(TENANT_ATTRIBUTE, slug);
          const query = redactedQuery(incoming.url);
          if (query !== null) span.setAttribute('url.query', query);
        },
      }),
      new ExpressInstrumentation(),
      // Statements outside a request (the audit sweep, retention) would each be a trace of their own.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
