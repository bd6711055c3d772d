import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { AuditService } from '../../src/audit/audit.service';
import { RequestFailureRecorder } from '../../src/audit/request-failures';
import { SCIM_BASE_PATH } from '../../src/scim/scim-http';
import { TenantGuard } from '../../src/tenants/tenant.guard';
import { createTestApp, givenTenant, scim } from '../support/app';

/** Every controller the application serves, from Nest's own module graph (not a list kept by hand). */
function servedControllers(app: NestExpressApplication): { name: string; path: string; guards: unknown[] }[] {
  const controllers = [...app.get(ModulesContainer).values()].flatMap((module) => [
    ...module.controllers.values(),
  ]);
  return controllers.map(({ metatype }) => {
    const target = metatype as object;
    const path = (Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined) ?? '';
    const guards = (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];
    return { name: (target as { name: string }).name, path: [path].flat().join(','), guards };
  });
}

describe('the SCIM pipeline (docs/ARCHITECTURE.md, A SCIM request)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('puts every SCIM controller behind TenantGuard (STYLE.md §5)', () => {
    const scimBase = SCIM_BASE_PATH.slice(1);
    const scimControllers = servedControllers(app).filter(
      ({ path }) => path === scimBase || path.startsWith(`${scimBase}/`),
    );
    expect(scimControllers.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['UsersController', 'GroupsController', 'DiscoveryController']),
    );
    for (const controller of scimControllers)
      expect({ controller: controller.name, guarded: controller.guards.includes(TenantGuard) }).toEqual({
        controller: controller.name,
        guarded: true,
      });
  });

  it('checks the token of a request once, however it ends: served, refused by Nest, or refused before Nest', async () => {
    const kund = await givenTenant(app);
    const verify = jest.spyOn(app.get(ApiKeysService), 'verifyForTenant');
    const recorder = app.get(RequestFailureRecorder);
    try {
      // Served: the admission authenticates, the guard reuses its answer.
      await scim(app, kund).get('/api/scim/Users?count=1').expect(200);
      expect(verify).toHaveBeenCalledTimes(1);
      // Refused inside Nest (schema) and recorded: the failure log reuses the same answer.
      verify.mockClear();
      await scim(app, kund)
        .post('/api/scim/Users')
        .send({ schemas: ['nope'] })
        .expect(400);
      await recorder.flush();
      expect(verify).toHaveBeenCalledTimes(1);
      // Refused before admission (415): the failure log asks the authenticator, once.
      verify.mockClear();
      await scim(app, kund).post('/api/scim/Users').set('Content-Type', 'text/plain').send('x').expect(415);
      await recorder.flush();
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
    const failures = await app.get(AuditService).list(kund.id, { action: 'request.failed', limit: 10 });
    expect(failures.items.map((event) => event.status).sort()).toEqual([400, 415]);
  });

  it('takes a SCIM path in any letter case through the same pipeline, as Express routes it', async () => {
    const kund = await givenTenant(app);
    const admitted = jest.spyOn(app.get(ApiKeysService), 'verifyForTenant');
    try {
      const res = await scim(app, kund).get('/API/SCIM/Users?count=1').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      // Authenticated once, by the admission step the guard reuses: the request was not let past it.
      expect(admitted).toHaveBeenCalledTimes(1);
    } finally {
      admitted.mockRestore();
    }
    const refused = await scim(app, kund)
      .post('/Api/Scim/Users')
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(415);
    expect(refused.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '415',
    });
  });
});
