import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../support/app';

describe('Swagger / OpenAPI document (issues #2, #4, #5)', () => {
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

  it('serves Swagger UI at /docs on a tenant host', async () => {
    const res = await request(app.getHttpServer()).get('/docs/').set('Host', 'demo.localhost').expect(200);
    expect(res.text).toContain('swagger');
  });
});
