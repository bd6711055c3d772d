import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Request } from 'express';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { FirstRunService } from './bootstrap/first-run.service';
import { loggingParams } from './common/logging';
import { ConfigModule } from './config/config.module';
import { Env } from './config/env';
import { DatabaseModule } from './database/database.module';
import { GroupsModule } from './groups/groups.module';
import { HealthModule } from './health/health.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ScimExceptionFilter } from './scim/scim-exception.filter';
import { ScimModule } from './scim/scim.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [Env], useFactory: (env: Env) => loggingParams(env) }),
    // Per-request context for logs and audit; the request id is set by configureApp before anything else.
    ClsModule.forRoot({
      global: true,
      middleware: { mount: true, generateId: true, idGenerator: (request: Request) => request.id as string },
    }),
    DatabaseModule,
    RateLimitModule,
    TenantsModule,
    AdminModule,
    AuditModule,
    ScimModule,
    UsersModule,
    GroupsModule,
    HealthModule,
  ],
  providers: [
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
    { provide: APP_FILTER, useClass: ScimExceptionFilter },
    FirstRunService,
  ],
})
export class AppModule {}
