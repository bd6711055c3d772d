import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AdminController } from '../../src/admin/admin.controller';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { AdminGuard } from '../../src/admin/admin.guard';
import { ConsoleSessionController } from '../../src/admin/console-session.controller';
import { rolesBesidesAdmin } from '../../src/admin/staff-roles';
import type { StaffRole } from '../../src/api-keys/api-key.entity';
import { TenantConsoleController } from '../../src/admin/tenant-console.controller';
import { UserAttributesController } from '../../src/admin/user-attributes.controller';
import { AuditController } from '../../src/audit/audit.controller';
import { FeedController } from '../../src/feed/feed.controller';
import { WebhooksController } from '../../src/webhooks/webhooks.controller';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant } from '../support/app';

/** Every controller under /api/admin: a new one must be added here, or the first test fails. */
const ADMIN_CONTROLLERS = [
  AdminController,
  UserAttributesController,
  AuditController,
  TenantConsoleController,
  ConsoleSessionController,
  FeedController,
  WebhooksController,
];

interface Route {
  method: string;
  path: string;
  /** The roles besides admin that may call it. */
  roles: StaffRole[];
  guarded: boolean;
}

const join = (...parts: string[]) =>
  `/${parts.filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/** A request to one route as a support or consumer token sends it (supertest has one method per HTTP verb). */
function call(app: NestExpressApplication, route: Route, path: string, token: string) {
  const verb = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const agent = request(app.getHttpServer());
  return agent[verb](path).set('Host', 'localhost').set('Authorization', `Bearer ${token}`);
}

/** The routes of the admin controllers, read from Nest's own route metadata. */
function adminRoutes(): Route[] {
  return ADMIN_CONTROLLERS.flatMap((controller) => {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    const classGuards = (Reflect.getMetadata(GUARDS_METADATA, controller) ?? []) as unknown[];
    const prototype = controller.prototype as unknown as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype)
      .map((name) => prototype[name])
      .filter((handler): handler is object => typeof handler === 'function' && handler !== controller)
      .filter((handler) => Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .map((handler) => {
        const guards = [
          ...classGuards,
          ...((Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[]),
        ];
        return {
          method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number],
          path: join(base, Reflect.getMetadata(PATH_METADATA, handler) as string),
          roles: rolesBesidesAdmin(handler),
          guarded: guards.includes(AdminGuard),
        };
      });
  });
}

describe('staff roles (SECURITY.md CON-01)', () => {
  let app: NestExpressApplication;
  let support: string;
  let consumer: string;
  let kund: GivenTenant;
  let webhookId: string;
  const routes = adminRoutes();
  const concrete = (path: string) =>
    path
      .replace(':slug', kund.slug)
      .replace(':keyId', kund.keyId)
      .replace(':name', 'costCenter')
      .replace(':id', webhookId);

  beforeAll(async () => {
    app = await createTestApp();
    support = await givenStaffToken(app, 'support-desk', 'support');
    consumer = await givenStaffToken(app, 'product-backend', 'consumer');
    kund = await givenTenant(app);
    // A webhook endpoint, for the routes about one (:id).
    webhookId = (
      await app.get(WebhooksService).create({ tenant: kund.slug, url: 'https://hooks.example.com/scim' })
    ).endpoint.id;
  });
  afterAll(() => app.close());

  it('knows every admin route the application serves', () => {
    const served = new Set(routes.map((route) => `${route.method} ${route.path}`));
    const router = (app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router;
    const registered = router.stack
      .filter((layer) => layer.route?.path.startsWith('/api/admin'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
      );
    expect(registered.length).toBeGreaterThan(20);
    for (const route of registered) expect(served).toContain(route);
  });

  it('leaves only reads (and signing out) open to every role', () => {
    const open = routes
      .filter((route) => route.roles.includes('support'))
      .map((r) => `${r.method} ${r.path}`);
    const changing = open.filter((route) => !route.startsWith('GET '));
    expect(changing.sort()).toEqual([
      'DELETE /api/admin/session',
      'POST /api/admin/tenants/:slug/audit/verify',
    ]);
  });

  it('guards every admin route but sign-in with the AdminGuard', () => {
    const unguarded = routes.filter((route) => !route.guarded).map((r) => `${r.method} ${r.path}`);
    expect(unguarded).toEqual(['POST /api/admin/session']);
  });

  it('refuses a support token with 403 on every route that changes something', async () => {
    const changing = routes.filter((route) => route.guarded && !route.roles.includes('support'));
    expect(changing.length).toBeGreaterThan(10);
    for (const route of changing) {
      const res = await call(app, route, concrete(route.path), support).send({});
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      });
      expect(res.body.message).toMatch(/read-only/);
    }
    // Nothing happened: the token a refused DELETE named still works, the tenant is still there.
    const tokens = await admin(app, support).get(`/api/admin/tenants/${kund.slug}/tokens`).expect(200);
    expect(tokens.body.find((t: { keyId: string }) => t.keyId === kund.keyId).active).toBe(true);
  });

  it('lets a support token read everything a read route offers', async () => {
    const reads = routes.filter((route) => route.guarded && route.roles.includes('support'));
    for (const route of reads) {
      const res = await call(app, route, concrete(route.path), support);
      expect({ route: `${route.method} ${route.path}`, ok: res.status >= 200 && res.status < 300 }).toEqual({
        route: `${route.method} ${route.path}`,
        ok: true,
      });
    }
  });

  it('opens only the change feed and the snapshot to a consumer token', () => {
    const open = routes
      .filter((route) => route.roles.includes('consumer'))
      .map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual([
      'GET /api/admin/events',
      'GET /api/admin/tenants/:slug/events',
      'GET /api/admin/tenants/:slug/snapshot',
    ]);
    // Whatever a consumer may read, support may read too.
    for (const route of routes.filter((r) => r.roles.includes('consumer')))
      expect(route.roles).toContain('support');
  });

  it('refuses a consumer token with 403 on every other admin route, reads included', async () => {
    const closed = routes.filter((route) => route.guarded && !route.roles.includes('consumer'));
    expect(closed.length).toBeGreaterThan(20);
    for (const route of closed) {
      const res = await call(app, route, concrete(route.path), consumer).send({});
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      });
      expect(res.body.message).toMatch(/consumer token may read the change feed/);
    }
  });

  it('lets a consumer token follow the feed and take a snapshot', async () => {
    for (const route of routes.filter((r) => r.roles.includes('consumer'))) {
      const res = await call(app, route, concrete(route.path), consumer);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 200,
      });
    }
  });

  it('keeps a consumer token out of the console', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/admin/session')
      .set('Host', 'localhost')
      .send({ token: consumer })
      .expect(403);
    expect(res.body.message).toMatch(/cannot sign in to the console/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('issues staff tokens with a role, admin by default', async () => {
    const staff = await givenStaffToken(app);
    const created = await admin(app, staff)
      .post('/api/admin/staff-tokens')
      .send({ name: 'viewer', role: 'support' })
      .expect(201);
    expect(created.body.role).toBe('support');
    await admin(app, created.body.token)
      .post('/api/admin/tenants')
      .send({ slug: 'x', displayName: 'X' })
      .expect(403);
    const plain = await admin(app, staff).post('/api/admin/staff-tokens').send({ name: 'ops' }).expect(201);
    expect(plain.body.role).toBe('admin');
    await admin(app, staff).post('/api/admin/staff-tokens').send({ name: 'x', role: 'root' }).expect(400);
  });
});

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}
