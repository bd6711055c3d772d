import { Global, Module } from '@nestjs/common';
import { TenantLimitsInterceptor } from './tenant-limits.interceptor';
import { TenantLimitsService } from './tenant-limits.service';

@Global()
@Module({
  providers: [TenantLimitsService, TenantLimitsInterceptor],
  exports: [TenantLimitsService, TenantLimitsInterceptor],
})
export class RateLimitModule {}
