// The service's entry point. Tracing, when on, has to patch http, express and pg before anything loads them, so the
// rest of the service is loaded only after that decision; when it is off the OpenTelemetry SDK is never loaded at
// all (docs/ARCHITECTURE.md "Tracing"). Only the configuration is read first: it loads none of those modules.
import { loadDotEnv } from './config/dotenv';
import { loadEnv } from './config/env';

async function main(): Promise<void> {
  loadDotEnv();
  const env = loadEnv(process.env);
  const stopTracing = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? (await import('./tracing/tracing')).startTracing(env)
    : undefined;
  const { serve } = await import('./serve');
  await serve(stopTracing);
}

void main();
