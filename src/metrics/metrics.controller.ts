import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  NotFoundException,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuditSealer } from '../audit/audit-sealer';
import { Env } from '../config/env';
import { DatabasePoolStats } from '../database/pool-stats';
import { RateLimitStore } from '../rate-limit/rate-limit-store';
import { bearerToken } from '../tenants/tenant-authenticator';
import { isAdminHost } from '../tenants/tenant-host';
import { Metrics } from './metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * /metrics exists only on ADMIN_HOSTS, like the admin API: a tenant host answers 404 (docs/SECURITY.md MET-01). With
 * METRICS_TOKEN set, the scraper must also send it as a bearer token (compared in constant time).
 */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(private readonly env: Env) {}

  canActivate(ctx: ExecutionContext): boolean {
    const request = ctx.switchToHttp().getRequest<Request>();
    if (!isAdminHost(request.hostname, this.env.ADMIN_HOSTS)) throw new NotFoundException();
    const expected = this.env.METRICS_TOKEN;
    if (expected === undefined) return true;
    const given = bearerToken(request);
    if (given !== null && timingSafeEqual(digest(given), digest(expected))) return true;
    throw new UnauthorizedException('The metrics token is required');
  }
}

/** Prometheus's scrape target (text format 0.0.4). The list of metrics is in docs/ARCHITECTURE.md "Metrics". */
@Controller('metrics')
@ApiExcludeController()
@UseGuards(MetricsGuard)
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly pool: DatabasePoolStats,
    private readonly rateLimitStore: RateLimitStore,
    private readonly sealer: AuditSealer,
  ) {}

  @Get()
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.metrics.registry.contentType);
    return this.metrics.render({
      pool: this.pool.current(),
      rateLimitStore: this.rateLimitStore.state,
      audit: this.sealer.backlog.snapshot(),
    });
  }
}
