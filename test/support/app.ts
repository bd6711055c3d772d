import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { AdminService } from '../../src/admin/admin.service';
import type { StaffRole } from '../../src/api-keys/api-key.entity';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AppLogger, createLogger } from '../../src/common/logging';
import { Env, loadEnv } from '../../src/config/env';

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Receives every log line, for tests that check what is (not) logged. */
  logs?: DestinationStream;
  /** Providers replaced by the test's own (a clock the test moves). */
  overrides?: { provide: unknown; useValue: unknown }[];
}

/** The real AppModule with configureApp, on the suite's database: what production runs (STYLE.md §9). */
export async function createTestApp(options: TestAppOptions = {}): Promise<NestExpressApplication> {
  const env = loadEnv({ ...process.env, ...options.env });
  const builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(Env)
    .useValue(env)
    .overrideProvider(AppLogger)
    .useValue(new AppLogger(createLogger(env, options.logs)));
  for (const { provide, useValue } of options.overrides ?? [])
    builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  configureApp(app);
  await app.init();
  return app;
}

let counter = 0;
/** A slug no other test uses, so tests never share tenants and need no truncation. */
export function uniqueSlug(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export interface GivenTenant {
  slug: string;
  id: string;
  host: string;
  token: string;
  keyId: string;
}

export async function givenTenant(app: NestExpressApplication, slug = uniqueSlug()): Promise<GivenTenant> {
  const admin = app.get(AdminService);
  const tenant = await admin.createTenant(slug, `Tenant ${slug}`);
  const issued = await admin.issueToken(slug, { name: 'entra' }, 'test');
  return { slug, id: tenant.id, host: `${slug}.localhost`, token: issued.token, keyId: issued.keyId };
}

export async function givenStaffToken(
  app: NestExpressApplication,
  name = 'test-staff',
  role: StaffRole = 'admin',
): Promise<string> {
  return (await app.get(AdminService).createStaffToken({ name, role }, 'test')).token;
}

/** A supertest agent for SCIM calls as a tenant's Entra would make them. */
export function scim(app: NestExpressApplication, tenant: Pick<GivenTenant, 'host' | 'token'>) {
  const server = app.getHttpServer();
  const withAuth = (test: request.Test) =>
    test.set('Host', tenant.host).set('Authorization', `Bearer ${tenant.token}`);
  return {
    get: (path: string) => withAuth(request(server).get(path)),
    delete: (path: string) => withAuth(request(server).delete(path)),
    post: (path: string) => withAuth(request(server).post(path)).set('Content-Type', 'application/scim+json'),
    put: (path: string) => withAuth(request(server).put(path)).set('Content-Type', 'application/scim+json'),
    patch: (path: string) =>
      withAuth(request(server).patch(path)).set('Content-Type', 'application/scim+json'),
  };
}

/** A supertest agent for the staff admin API on the admin host. */
export function admin(app: NestExpressApplication, staffToken: string, host = 'localhost') {
  const server = app.getHttpServer();
  const withAuth = (test: request.Test) =>
    test.set('Host', host).set('Authorization', `Bearer ${staffToken}`);
  return {
    get: (path: string) => withAuth(request(server).get(path)),
    delete: (path: string) => withAuth(request(server).delete(path)),
    post: (path: string) => withAuth(request(server).post(path)),
    patch: (path: string) => withAuth(request(server).patch(path)),
  };
}

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
