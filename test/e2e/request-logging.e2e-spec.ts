import { NestExpressApplication } from '@nestjs/platform-express';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createTestApp, givenTenant, GivenTenant, scim } from '../support/app';

interface LogLine {
  msg?: string;
  reqId?: string;
  tenantId?: string;
  tokenId?: string;
  req?: { id?: string; method?: string; path?: string; host?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

describe('request log (docs/ARCHITECTURE.md "Operations", SECURITY.md AUD-07)', () => {
  let app: NestExpressApplication;
  let text = '';
  const lines: LogLine[] = [];
  const waiting: { match: (line: LogLine) => boolean; found: (line: LogLine) => void }[] = [];
  let kund: GivenTenant;

  beforeAll(async () => {
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        for (const raw of chunk.toString().split('\n').filter(Boolean)) {
          const line = JSON.parse(raw) as LogLine;
          lines.push(line);
          for (const waiter of waiting.filter((w) => w.match(line))) waiter.found(line);
        }
        done();
      },
    });
    app = await createTestApp({ env: { LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, logs: capture });
    kund = await givenTenant(app);
  });
  afterAll(() => app.close());

  /** The request line of request `id`: written when the response closes, which may be after the client has it. */
  function requestLine(id: string): Promise<LogLine> {
    const match = (line: LogLine) => line.req?.id === id;
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((found) => waiting.push({ match, found }));
  }

  it('writes one line per request: ids, method, path without the query, host, status and time', async () => {
    const id = `log-${Date.now()}`;
    await scim(app, kund)
      .get(`/api/scim/Users?filter=${encodeURIComponent('userName eq "secret.person@contoso.com"')}`)
      .set('X-Request-Id', id)
      .expect(200);
    const line = await requestLine(id);
    expect(line).toMatchObject({
      msg: 'GET 200',
      reqId: id,
      tenantId: kund.id,
      tokenId: kund.keyId,
      req: { id, method: 'GET', path: '/api/scim/Users', host: kund.host },
      res: { statusCode: 200 },
    });
    expect(typeof line.responseTime).toBe('number');
    expect(lines.filter((l) => l.req?.id === id)).toHaveLength(1);
    // Neither the filter (personal data) nor the token reaches the log.
    expect(text).not.toContain('secret.person');
    expect(text).not.toContain(kund.token);
  });

  it('logs a request refused before Nest, and one that no tenant authenticated', async () => {
    const refused = await scim(app, kund).post('/api/scim/Users').set('Content-Type', 'text/plain').send('x');
    expect(refused.status).toBe(415);
    expect(await requestLine(refused.headers['x-request-id'])).toMatchObject({
      msg: 'POST 415',
      req: { method: 'POST', path: '/api/scim/Users' },
      res: { statusCode: 415 },
    });
    const anonymous = await request(app.getHttpServer())
      .get('/api/scim/Users')
      .set('Host', kund.host)
      .expect(401);
    const line = await requestLine(anonymous.headers['x-request-id']);
    expect(line).toMatchObject({ msg: 'GET 401', res: { statusCode: 401 } });
    expect(line.tenantId).toBeUndefined();
  });

  it('replaces an X-Request-Id that is unsafe in logs with its own, and echoes it', async () => {
    const res = await request(app.getHttpServer())
      .get('/health/live')
      .set('Host', 'localhost')
      .set('X-Request-Id', 'not {safe} in "logs"')
      .expect(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await requestLine(id)).toMatchObject({ msg: 'GET 200', req: { path: '/health/live' } });
  });
});
