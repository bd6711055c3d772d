import { Global, Module } from '@nestjs/common';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { RateLimitStore } from './rate-limit-store';
import { TenantLimitsInterceptor } from './tenant-limits.interceptor';
import { TenantLimitsService } from './tenant-limits.service';

@Global()
@Module({
  providers: [RateLimitStore, TenantLimitsService, TenantLimitsInterceptor, AuthFailureLimiter],
  exports: [TenantLimitsService, TenantLimitsInterceptor, AuthFailureLimiter],
})
export class RateLimitModule {}
