import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminModule } from '../admin/admin.module';
import { BulkModule } from '../bulk/bulk.module';
import { FeedModule } from '../feed/feed.module';
import { SearchModule } from '../search/search.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AuditModule } from '../audit/audit.module';
import { Env } from '../config/env';
import { GroupsModule } from '../groups/groups.module';
import { HealthModule } from '../health/health.module';
import { ScimModule } from '../scim/scim.module';
import { isAdminHost } from '../tenants/tenant-host';
import { UsersModule } from '../users/users.module';

/**
 * Swagger UI at /docs and the OpenAPI document at /docs-json, one per kind of host (docs/ARCHITECTURE.md, "API
 * docs"): a tenant host documents SCIM (try it with that tenant's Secret Token), the admin host the staff API (try it
 * with a staff token). Each says where the other is. Optional query parameters carry no `example`, because Swagger
 * UI pre-fills examples into "Try it out", and a pre-filled filter would hide results.
 */
export function setUpApiDocs(app: INestApplication, env: Env): void {
  const tenantDocs = `${env.tenantBaseUrl('<tenant>')}/docs`;
  const adminDocs = env.ADMIN_HOSTS.map((host) => `http(s)://${host}/docs`).join(' or ');
  const scim = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('SCIM 2.0 provisioning API (tenant host)')
      .setDescription(
        'SCIM 2.0 (RFC 7643/7644) for Microsoft Entra ID and other clients, on this tenant host. Press Authorize ' +
          "and paste the tenant's Secret Token (ksc_…) to try the routes. The staff admin API (tenants, tokens, " +
          `audit trail) is documented on the admin host: ${adminDocs}.`,
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Tenant Secret Token (ksc_…)' }, 'scim')
      .build(),
    { include: [ScimModule, UsersModule, GroupsModule, SearchModule, BulkModule] },
  );
  const admin = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('SCIM service admin API (admin host)')
      .setDescription(
        'The staff API for tenants, their Secret Tokens, staff tokens, audit trails and custom attributes; the ' +
          'staff console at /console uses it too. Press Authorize and paste a staff token (kst_…); a `support` ' +
          'token may only read. The SCIM API itself is documented on each tenant host: ' +
          `${tenantDocs}.`,
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Staff token (kst_…)' }, 'staff')
      .build(),
    { include: [AdminModule, AuditModule, HealthModule, FeedModule, WebhooksModule] },
  );
  SwaggerModule.setup('docs', app, scim, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    // The library types the request as generic; on Express it is Express's.
    patchDocumentOnRequest: <TRequest>(request: TRequest, _response: unknown, document: OpenAPIObject) =>
      isAdminHost((request as Request).hostname, env.ADMIN_HOSTS) ? admin : document,
  });
}
