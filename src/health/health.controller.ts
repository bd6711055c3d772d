import { BeforeApplicationShutdown, Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

/** Liveness checks only the process; readiness checks the database and fails while shutting down (REL-FAIL-02). */
@Controller('health')
@ApiTags('Health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.shuttingDown) throw new ServiceUnavailableException({ status: 'shutting down' });
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
