import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { Env } from '../config/env';
import { TenantsModule } from '../tenants/tenants.module';
import { AuditController } from './audit.controller';
import { AuditPendingRepository } from './audit-pending.repository';
import { AuditRepository } from './audit.repository';
import { AuditSealer } from './audit-sealer';
import { AuditRetentionJob } from './audit-retention.job';
import { AuditService } from './audit.service';
import { Redactor } from './redaction';
import { RequestFailureRecorder } from './request-failures';

/** Audit trail and provisioning log; other modules call the exported AuditService. */
@Module({
  imports: [TenantsModule, EventsModule],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditPendingRepository,
    AuditSealer,
    AuditService,
    RequestFailureRecorder,
    AuditRetentionJob,
    { provide: Redactor, inject: [Env], useFactory: (env: Env) => new Redactor(env.AUDIT_REDACT_ATTRIBUTES) },
  ],
  exports: [AuditService, RequestFailureRecorder, AuditRetentionJob, AuditSealer],
})
export class AuditModule {}
