import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp, exitGracefullyOnSignals } from './app.setup';
import { loadDotEnv } from './config/dotenv';
import { Env } from './config/env';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  const env = app.get(Env);
  exitGracefullyOnSignals(app, env.SHUTDOWN_GRACE_MS);
  const server = await app.listen(env.PORT, env.HOST);
  // Slow clients (one byte every few seconds) are cut off instead of holding sockets (SECURITY.md REL-LIM-06, H-70).
  server.headersTimeout = env.HTTP_HEADERS_TIMEOUT_MS;
  server.requestTimeout = env.HTTP_REQUEST_TIMEOUT_MS;
}

void bootstrap();
