import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AdminService } from '../admin/admin.service';
import { Env } from '../config/env';

export const DEMO_TENANT = 'demo';

/**
 * First start on an empty embedded database: create a `demo` tenant and issue its token, and print what a person
 * needs to try it. Later starts find the tenant and print nothing new, so the token is shown exactly once. The
 * banner waits for main.ts to print it once the service listens, after every start-up log line, so it is the last
 * thing on the screen.
 */
@Injectable()
export class FirstRunService implements OnApplicationBootstrap {
  private readonly logger = new Logger('FirstRun');
  private banner?: string;

  constructor(
    private readonly admin: AdminService,
    private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.embedded || !this.env.SEED_DEMO_TENANT) return;
    if ((await this.admin.listTenants()).length > 0) return;
    await this.admin.createTenant(DEMO_TENANT, 'Demo tenant');
    const issued = await this.admin.issueToken(DEMO_TENANT, { name: 'demo' }, 'first-run');
    this.logger.log(`Created the demo tenant and its first token (key id ${issued.keyId})`);
    // For the person who just ran `npm start`, on stdout, once: the token is not stored anywhere else.
    this.banner = [
      '',
      '  Demo tenant ready (shown once; keep the token).',
      `  Tenant URL:   ${issued.tenantUrl}`,
      `  Secret Token: ${issued.token}`,
      `  Try it:       curl -H "Authorization: Bearer ${issued.token}" "${issued.tenantUrl}/ServiceProviderConfig"`,
      `  Swagger UI:   ${this.env.tenantBaseUrl(DEMO_TENANT)}/docs`,
      '',
      '',
    ].join('\n');
  }

  /** Prints the banner of this start, if it made one, and forgets it. */
  printBanner(): void {
    if (this.banner) process.stdout.write(this.banner);
    this.banner = undefined;
  }
}
