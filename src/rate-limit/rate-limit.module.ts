import { Global, Module } from '@nestjs/common';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { RateLimitStore } from './rate-limit-store';
import { TenantLimitsService } from './tenant-limits.service';

@Global()
@Module({
  providers: [RateLimitStore, TenantLimitsService, AuthFailureLimiter],
  exports: [TenantLimitsService, AuthFailureLimiter, RateLimitStore],
})
export class RateLimitModule {}
