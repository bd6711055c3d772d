import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DatabaseRoleCheck } from '../database/role-check';
import { RateLimitStore } from '../rate-limit/rate-limit-store';
import { GracefulShutdown } from './graceful-shutdown';

/**
 * Liveness checks only the process; readiness checks the database and fails from the shutdown signal on (REL-FAIL-02,
 * GracefulShutdown),
 * and while the database role could bypass row-level security (TEN-04). A Redis that does not answer does not fail
 * readiness (the instance serves on with per-instance rate limits, REL-RATE-03): it shows as
 * `info.rateLimits.degraded: true`.
 */
@Controller('health')
@ApiTags('Health')
export class HealthController {
  private readonly logger = new Logger('Readiness');
  /** The problems last logged, so a probe every few seconds logs a change once, not every time. */
  private logged = '';

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly role: DatabaseRoleCheck,
    private readonly rateLimitStore: RateLimitStore,
    private readonly shutdown: GracefulShutdown,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.shutdown.draining) throw new ServiceUnavailableException({ status: 'shutting down' });
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.databaseRole(),
      () => this.rateLimits(),
    ]);
  }

  private rateLimits() {
    const { store, degraded } = this.rateLimitStore.status();
    return this.indicators.check('rateLimits').up({ store, degraded });
  }

  /**
   * Whoever can reach the probe learns only that the role check failed: the reasons name database roles and tables,
   * so they go to the service's log, which only operators read.
   */
  private async databaseRole() {
    const session = this.indicators.check('databaseRole');
    const problems = await this.role.blockers();
    const text = problems.join('; ');
    if (text !== this.logged && text !== '') this.logger.error(`Not ready, database role: ${text}`);
    this.logged = text;
    return problems.length === 0
      ? session.up()
      : session.down({ reason: 'the database role check failed; the service log says why' });
  }
}
