import { BeforeApplicationShutdown, Controller, Get, ServiceUnavailableException } from '@nestjs/common';
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

  private async databaseRole() {
    const session = this.indicators.check('databaseRole');
    const problems = await this.role.blockers();
    return problems.length === 0 ? session.up() : session.down({ problems });
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
