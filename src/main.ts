import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp, exitGracefullyOnSignals } from './app.setup';
import { Env } from './config/env';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  const env = app.get(Env);
  exitGracefullyOnSignals(app, env.SHUTDOWN_GRACE_MS);
  await app.listen(env.PORT, env.HOST);
}

void bootstrap();
