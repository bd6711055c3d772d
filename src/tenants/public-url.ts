import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Env, tenantUrlFrom } from '../config/env';
import { ServiceSettingsRepository } from './service-settings.repository';

const SETTING = 'public_url_template';

/**
 * The public URL of a tenant, as the service answers on it. The service computes it from its own environment
 * (PUBLIC_URL_TEMPLATE, else BASE_DOMAINS and PORT) and publishes the template in the database at start; the
 * operator CLI, whose shell may have another PORT or none, adopts the published one, so the Tenant URL it prints is
 * the service's. Through the running service (embedded, cli/channel.ts) the service computes the URLs itself.
 */
@Injectable()
export class PublicUrl {
  private template: string;

  constructor(
    env: Env,
    private readonly settings: ServiceSettingsRepository,
  ) {
    this.template = env.publicUrlTemplate;
  }

  /** The Tenant URL a customer pastes into Entra (ENTRA.md E1). */
  scimUrl(slug: string): string {
    return `${tenantUrlFrom(this.template, slug)}/api/scim`;
  }

  /** The service: records the template it answers on. */
  publish(): Promise<void> {
    return this.settings.put(SETTING, this.template);
  }

  /** The CLI: uses the template the service last published, if it ever started on this database. */
  async adopt(): Promise<void> {
    this.template = (await this.settings.get(SETTING)) ?? this.template;
  }
}

/** Publishes the service's public URL at start (AppModule only: the CLI adopts it instead). */
@Injectable()
export class PublicUrlPublisher implements OnApplicationBootstrap {
  constructor(private readonly publicUrl: PublicUrl) {}

  onApplicationBootstrap(): Promise<void> {
    return this.publicUrl.publish();
  }
}
