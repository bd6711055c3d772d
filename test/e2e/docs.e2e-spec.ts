import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../support/app';

describe('Swagger / OpenAPI document', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('documents the SCIM routes with models generated from the schema registry', async () => {
    const res = await request(app.getHttpServer())
      .get('/docs-json')
      .set('Host', 'demo.localhost')
      .expect(200);
    const paths = res.body.paths as Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }
      >
    >;
    for (const path of [
      '/api/scim/Users',
      '/api/scim/Users/{id}',
      '/api/scim/Groups',
      '/api/scim/Groups/{id}',
    ]) {
      expect(paths[path]).toBeDefined();
    }
    const userBody = paths['/api/scim/Users'].post.requestBody!.content['application/json'].schema;
    expect(Object.keys(userBody.properties!)).toEqual(
      expect.arrayContaining([
        'userName',
        'emails',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ]),
    );
    expect(res.body.components.securitySchemes).toHaveProperty('scim');
  });

  it('documents /Bulk with a request example and response examples (RFC 7644 §3.7)', async () => {
    const res = await request(app.getHttpServer())
      .get('/docs-json')
      .set('Host', 'demo.localhost')
      .expect(200);
    const bulk = res.body.paths['/api/scim/Bulk'].post;
    const requestBody = bulk.requestBody.content['application/json'].schema;
    expect(requestBody.example.Operations[1].data.members).toEqual([{ value: 'bulkId:alice' }]);
    expect(Object.keys(requestBody.properties)).toEqual(['schemas', 'failOnErrors', 'Operations']);
    const answered = bulk.responses['200'].content['application/scim+json'];
    expect(Object.keys(answered.examples)).toHaveLength(2);
    expect(answered.schema.properties.Operations.items.properties).toHaveProperty('status');
    expect(bulk.responses).toHaveProperty('413');
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is read freely here
  const openApi = async (): Promise<Record<string, any>> =>
    (await request(app.getHttpServer()).get('/docs-json').set('Host', 'demo.localhost').expect(200)).body;

  it('documents cursor paging, the root /.search, the manager and password rules, with examples', async () => {
    const { paths } = await openApi();
    for (const path of ['/api/scim/Users', '/api/scim/Groups']) {
      const cursor = paths[path].get.parameters.find((p: { name: string }) => p.name === 'cursor');
      expect(cursor.description).toContain('RFC 9865');
      const list = paths[path].get.responses['200'].content['application/json'].schema;
      expect(list.properties.nextCursor.example).toEqual(expect.any(String));
      const searchExamples = paths[`${path}/.search`].post.requestBody.content['application/json'].examples;
      expect(Object.values(searchExamples).map((e) => (e as { value: object }).value)).toContainEqual(
        expect.objectContaining({ cursor: '' }),
      );
    }
    const root = paths['/api/scim/.search'].post;
    expect(root.summary).toContain('RFC 7644 §3.4.3');
    expect(Object.keys(root.requestBody.content['application/json'].examples).length).toBeGreaterThan(1);
    const rootList = root.responses['200'].content['application/json'].schema;
    expect(rootList.example.Resources.map((r: { schemas: string[] }) => r.schemas[0])).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);

    const create = paths['/api/scim/Users'].post;
    expect(create.description).toContain('manager');
    expect(create.description).toContain('password');
    const bodies = Object.values<{ value: object }>(create.requestBody.content['application/json'].examples);
    expect(JSON.stringify(bodies)).toContain('"manager"');
    expect(Object.keys(create.requestBody.content['application/json'].schema.properties)).not.toContain(
      'password',
    );
  });

  it('serves Swagger UI at /docs on a tenant host', async () => {
    const res = await request(app.getHttpServer()).get('/docs/').set('Host', 'demo.localhost').expect(200);
    expect(res.text).toContain('swagger');
  });

  const documentOn = async (host: string) =>
    (await request(app.getHttpServer()).get('/docs-json').set('Host', host).expect(200)).body as OpenApi;

  it('documents SCIM on a tenant host and the admin API on the admin host, each pointing to the other', async () => {
    const tenant = await documentOn('demo.localhost');
    const staff = await documentOn('localhost');
    const tenantPaths = Object.keys(tenant.paths);
    const adminPaths = Object.keys(staff.paths);
    expect(tenantPaths.every((path) => path.startsWith('/api/scim/'))).toBe(true);
    expect(adminPaths).toEqual(
      expect.arrayContaining(['/api/admin/tenants', '/api/admin/tenants/{slug}/audit']),
    );
    expect(adminPaths.some((path) => path.startsWith('/api/scim'))).toBe(false);
    expect(Object.keys(tenant.components.securitySchemes)).toEqual(['scim']);
    expect(Object.keys(staff.components.securitySchemes)).toEqual(['staff']);
    expect(tenant.info.description).toContain('http(s)://localhost/docs');
    expect(staff.info.description).toContain('http://<tenant>.localhost:3000/docs');
    // Swagger UI's own start-up script carries the same document for each host.
    const init = await request(app.getHttpServer()).get('/docs/swagger-ui-init.js').set('Host', 'localhost');
    expect(init.text).toContain('/api/admin/tenants');
    expect(init.text).not.toContain('/api/scim/Users');
  });

  it('pre-fills no optional query parameter, so "Try it out" never hides results behind an example', async () => {
    for (const document of [await documentOn('demo.localhost'), await documentOn('localhost')]) {
      const prefilled = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations).flatMap(([method, operation]) =>
          (operation.parameters ?? [])
            .filter((p) => p.in === 'query' && !p.required)
            .filter(
              (p) => p.example !== undefined || p.examples !== undefined || p.schema?.example !== undefined,
            )
            .map((p) => `${method.toUpperCase()} ${path} ${p.name}`),
        ),
      );
      expect(prefilled).toEqual([]);
    }
  });
});

interface OpenApi {
  info: { description: string };
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: {
          in: string;
          name: string;
          required?: boolean;
          example?: unknown;
          examples?: unknown;
          schema?: { example?: unknown };
        }[];
      }
    >
  >;
}
