import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DatabaseRoleCheck } from '../database/role-check';

/**
 * Liveness checks only the process; readiness checks the database and fails while shutting down (REL-FAIL-02),
 * and while the database role could bypass row-level security (TEN-04).
 */
@Controller('health')
@ApiTags('Health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;
  private readonly logger = new Logger('Readiness');
  /** The problems last logged, so a probe every few seconds logs a change once, not every time. */
  private logged = '';

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly role: DatabaseRoleCheck,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.shuttingDown) throw new ServiceUnavailableException({ status: 'shutting down' });
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.databaseRole(),
    ]);
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

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
