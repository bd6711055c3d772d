import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MetricsController, MetricsGuard } from './metrics.controller';
import { Metrics } from './metrics';

/** Prometheus metrics: the registry (global, so the limiters can count refusals) and the /metrics endpoint. */
@Global()
@Module({
  imports: [AuditModule],
  controllers: [MetricsController],
  providers: [Metrics, MetricsGuard],
  exports: [Metrics],
})
export class MetricsModule {}
