import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { FirstRunService } from './bootstrap/first-run.service';
import { Env } from './config/env';
import { GracefulShutdown } from './health/graceful-shutdown';

/** NestFactory.create(AppModule), configureApp, listen (STYLE.md §2); `afterClose` runs once the app has closed. */
export async function serve(afterClose?: () => Promise<void>): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  const env = app.get(Env);
  app.get(GracefulShutdown).exitOnSignals(app, afterClose);
  await app.listen(env.PORT, env.HOST);
  // Log lines are written synchronously (logging.ts): the banner printed now is the last thing on the screen.
  app.get(FirstRunService).printBanner();
}
