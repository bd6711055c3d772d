// Row leases of the background jobs (docs/SCALE.md SCALE-APP-03): one owner at a time, renewable by its owner,
// taken over once expired; on PostgreSQL and on the embedded database.
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { JobLeases } from '../../src/database/job-leases';
import { createTestApp } from '../support/app';

describe('job leases', () => {
  let app: NestExpressApplication;
  let leases: JobLeases;

  beforeAll(async () => {
    app = await createTestApp();
    leases = app.get(JobLeases);
  });
  afterAll(() => app.close());

  it('gives a lease to one owner at a time, renews it for that owner and lets another take it once expired', async () => {
    const job = `test-${randomUUID()}`;
    expect(await leases.take(job, 'a', 60)).toBe(true);
    expect(await leases.take(job, 'b', 60)).toBe(false);
    expect(await leases.take(job, 'a', 60)).toBe(true);
    // Renewed as already expired: the next owner may take it.
    expect(await leases.take(job, 'a', -1)).toBe(true);
    expect(await leases.take(job, 'b', 60)).toBe(true);
    expect(await leases.take(job, 'a', 60)).toBe(false);
  });

  it('gives a new lease to exactly one of many owners asking at once', async () => {
    const job = `test-${randomUUID()}`;
    const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
    const answers = await Promise.all(owners.map((owner) => leases.take(job, owner, 60)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
