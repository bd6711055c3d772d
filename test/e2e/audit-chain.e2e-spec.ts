import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { AuditPendingRepository } from '../../src/audit/audit-pending.repository';
import { AuditRetentionJob } from '../../src/audit/audit-retention.job';
import { AuditSealer } from '../../src/audit/audit-sealer';
import { AuditService } from '../../src/audit/audit.service';
import type { AuditOutcome } from '../../src/audit/audit.types';
import { TenantDatabase } from '../../src/database/tenant-database';
import { admin, createTestApp, givenStaffToken, givenTenant, GivenTenant } from '../support/app';
import { asOwner, ownerQuery } from '../support/database';

const CONCURRENT = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit hash chain (SECURITY.md AUD-01..04, AUD-06)', () => {
  let app: NestExpressApplication;
  let db: DataSource;
  let audit: AuditService;
  let uow: TenantDatabase;
  let staff: string;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    audit = app.get(AuditService);
    uow = app.get(TenantDatabase);
    staff = await givenStaffToken(app, 'chain-staff');
  });
  afterAll(() => app.close());

  // Events are linked into the chain right after their COMMIT (AuditSealer); seal() waits for that. Then read as
  // the owner: what is really stored, whatever the service's role may see.
  const seqsOf = async (tenant: GivenTenant): Promise<number[]> => {
    await audit.seal(tenant.id);
    return (
      await ownerQuery<{ s: string }>(
        app,
        `SELECT seq::text AS s FROM audit_events WHERE tenant_id = $1 ORDER BY seq`,
        [tenant.id],
      )
    ).map((row) => Number(row.s));
  };
  const userEvent = (i: number) => ({
    action: 'user.create' as const,
    resourceType: 'User' as const,
    resourceId: `u-${i}`,
    resourceName: `user${i}@example.com`,
    changes: { attributes: { userName: { new: `user${i}@example.com` } } },
  });

  it('starts every tenant with a valid chain of its creation and first token', async () => {
    const kund = await givenTenant(app);
    expect(await seqsOf(kund)).toEqual([1, 2]);
    const verified = await admin(app, staff).post(`/api/admin/tenants/${kund.slug}/audit/verify`).expect(200);
    expect(verified.body).toMatchObject({ valid: true, checked: 2 });
  });

  it('leaves neither change nor event when the work fails after the audit insert (AUD-01)', async () => {
    const kund = await givenTenant(app);
    await expect(
      uow.write(kund.id, async (tx) => {
        await (
          await tx.entityManager()
        ).query(`UPDATE tenants SET display_name = 'changed' WHERE id = $1`, [kund.id]);
        await audit.record(tx, { action: 'tenant.update', resourceType: 'Tenant', resourceId: kund.id });
        throw new Error('boom after the audit insert');
      }),
    ).rejects.toThrow('boom');
    expect(await seqsOf(kund)).toEqual([1, 2]);
    const [tenant] = await db.query<{ display_name: string }[]>(
      `SELECT display_name FROM tenants WHERE id = $1`,
      [kund.id],
    );
    expect(tenant.display_name).toBe(`Tenant ${kund.slug}`);
    expect(await audit.verify({ tenantId: kund.id })).toMatchObject({ valid: true, lastSeq: '2' });
  });

  it('leaves the change undone when the audit insert fails (AUD-01)', async () => {
    const kund = await givenTenant(app);
    await expect(
      uow.write(kund.id, async (tx) => {
        await (
          await tx.entityManager()
        ).query(`UPDATE tenants SET display_name = 'changed' WHERE id = $1`, [kund.id]);
        // The table's CHECK refuses this outcome, so the audit insert itself fails.
        await audit.record(tx, { action: 'tenant.update', outcome: 'bogus' as AuditOutcome });
      }),
    ).rejects.toThrow();
    const [tenant] = await db.query<{ display_name: string }[]>(
      `SELECT display_name FROM tenants WHERE id = $1`,
      [kund.id],
    );
    expect(tenant.display_name).toBe(`Tenant ${kund.slug}`);
    expect(await seqsOf(kund)).toEqual([1, 2]);
  });

  it(`writes ${CONCURRENT} concurrent events of one tenant without gaps or forks (AUD-03)`, async () => {
    const kund = await givenTenant(app);
    await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        uow.write(kund.id, (tx) => audit.record(tx, userEvent(i))),
      ),
    );
    expect(await seqsOf(kund)).toEqual(Array.from({ length: CONCURRENT + 2 }, (_, i) => i + 1));
    const ids = await ownerQuery<{ id: string }>(
      app,
      `SELECT resource_id AS id FROM audit_events WHERE tenant_id = $1 AND action = 'user.create'`,
      [kund.id],
    );
    expect(new Set(ids.map((row) => row.id)).size).toBe(CONCURRENT);
    const pending = await ownerQuery(app, `SELECT 1 FROM audit_pending_events WHERE tenant_id = $1`, [
      kund.id,
    ]);
    expect(pending).toHaveLength(0);
    expect(await audit.verify({ tenantId: kund.id })).toMatchObject({ valid: true, checked: CONCURRENT + 2 });
  });

  it('seals the events of one transaction in the order they were written, even when they read the same clock', async () => {
    // The embedded database's clock has millisecond resolution: 30 events of one transaction read the same instant.
    const kund = await givenTenant(app);
    const written = Array.from({ length: 30 }, (_, i) => i);
    await uow.write(kund.id, async (tx) => {
      for (const i of written) await audit.record(tx, userEvent(i));
    });
    await audit.seal(kund.id);
    const sealed = await ownerQuery<{ id: string }>(
      app,
      `SELECT resource_id AS id FROM audit_events WHERE tenant_id = $1 AND action = 'user.create' ORDER BY seq`,
      [kund.id],
    );
    expect(sealed.map((row) => row.id)).toEqual(written.map((i) => `u-${i}`));
  });

  it('never moves the head past events it did not move: the sealing fails whole (AUD-03, no gap)', async () => {
    const kund = await givenTenant(app);
    const before = await seqsOf(kund);
    const pending = app.get(AuditPendingRepository);
    await expect(
      app.get(TenantDatabase).write(kund.id, async (tx) => {
        const { head } = await pending.lockHeadAndReadOldest(tx, 10);
        // An id no pending row has: nothing moves, so the count differs from the links given.
        pending.seal(tx, [
          {
            id: randomUUID(),
            seq: String(BigInt(head!.lastSeq) + 1n),
            occurredAt: new Date().toISOString(),
            prevHash: head!.lastHash,
            rowHash: 'f'.repeat(64),
          },
        ]);
      }),
    ).rejects.toThrow('Sealing 1 audit events');
    expect(await seqsOf(kund)).toEqual(before);
    expect(await audit.verify({ tenantId: kund.id })).toMatchObject({ valid: true });
  });

  it('detects a row changed in the database at its seq (AUD-04)', async () => {
    const kund = await givenTenant(app);
    for (let i = 0; i < 4; i++) await uow.write(kund.id, (tx) => audit.record(tx, userEvent(i)));
    await audit.seal(kund.id);
    // As the owner (a superuser in tests): the append-only trigger is switched off to forge the row.
    await asOwner(app, async (query) => {
      await query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await query(`UPDATE audit_events SET resource_name = 'mallory' WHERE tenant_id = $1 AND seq = 4`, [
        kund.id,
      ]);
      await query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    const res = await admin(app, staff).post(`/api/admin/tenants/${kund.slug}/audit/verify`).expect(200);
    expect(res.body).toMatchObject({ valid: false, firstBrokenSeq: '4', checked: 3 });
  });

  it('refuses UPDATE and DELETE of audit rows, and TRUNCATE (AUD-02)', async () => {
    const kund = await givenTenant(app);
    await audit.seal(kund.id);
    const asService = (sql: string) => uow.write(kund.id, (tx) => tx.query(sql, [kund.id]));
    // The service's role was never granted UPDATE or TRUNCATE on audit tables (TEN-05) ...
    await expect(
      asService(`UPDATE audit_events SET resource_name = 'x' WHERE tenant_id = $1`),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asService(`UPDATE staff_audit_events SET actor_name = 'x' WHERE $1::uuid IS NOT NULL`),
    ).rejects.toThrow(/permission denied/);
    await expect(
      uow.write(kund.id, async (tx) => (await tx.entityManager()).query(`TRUNCATE audit_events`)),
    ).rejects.toThrow(/permission denied/);
    // ... and its DELETE, there for the retention job, still meets the trigger.
    await expect(asService(`DELETE FROM audit_events WHERE tenant_id = $1`)).rejects.toThrow(/append-only/);
    // Even the owner does.
    for (const sql of [
      `UPDATE audit_events SET resource_name = 'x' WHERE tenant_id = $1`,
      `DELETE FROM audit_events WHERE tenant_id = $1`,
      `UPDATE staff_audit_events SET actor_name = 'x' WHERE $1::uuid IS NOT NULL`,
    ])
      await expect(ownerQuery(app, sql, [kund.id])).rejects.toThrow(/append-only/);
    await expect(ownerQuery(app, `TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    // Events not yet sealed too (AUD-02): the service may not UPDATE or TRUNCATE them, its DELETE (there for the
    // sealer, which moves them into the chain) meets the trigger outside sealing, and so does the owner. Each
    // statement runs on an event written in its own transaction, which rolls back.
    const pendingAsService = (sql: string) =>
      uow.write(kund.id, async (tx) => {
        await audit.record(tx, userEvent(0));
        await tx.query(sql, [kund.id]);
      });
    await expect(
      pendingAsService(`UPDATE audit_pending_events SET resource_name = 'x' WHERE tenant_id = $1`),
    ).rejects.toThrow(/permission denied/);
    await expect(pendingAsService(`DELETE FROM audit_pending_events WHERE tenant_id = $1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(
      uow.write(kund.id, async (tx) => (await tx.entityManager()).query(`TRUNCATE audit_pending_events`)),
    ).rejects.toThrow(/permission denied/);
    const pendingAsOwner = (sql: string) =>
      asOwner(app, async (query) => {
        await query(
          `INSERT INTO audit_pending_events (tenant_id, actor_type, action, outcome)
           VALUES ($1, 'system', 'user.create', 'success')`,
          [kund.id],
        );
        await query(sql, sql.includes('$1') ? [kund.id] : []);
      });
    for (const sql of [
      `UPDATE audit_pending_events SET resource_name = 'x' WHERE tenant_id = $1`,
      `DELETE FROM audit_pending_events WHERE tenant_id = $1`,
      `TRUNCATE audit_pending_events`,
    ])
      await expect(pendingAsOwner(sql)).rejects.toThrow(/append-only/);
    expect(await seqsOf(kund)).toEqual([1, 2]);
  });

  it('seals, tenant by tenant, an event a crashed process committed but never sealed (AUD-03, TEN-07)', async () => {
    const kund = await givenTenant(app);
    const sealer = app.get(AuditSealer);
    await sealer.sweep(); // waits for the start-up sweep too: nothing else seals this tenant from here on
    expect(await seqsOf(kund)).toEqual([1, 2]);
    // As the owner: an event committed two minutes ago by a process that died before sealing it.
    await ownerQuery(
      app,
      `INSERT INTO audit_pending_events (tenant_id, occurred_at, actor_type, action, resource_type, resource_id,
         outcome)
       VALUES ($1, now() - interval '2 minutes', 'system', 'user.create', 'User', 'u-crashed', 'success')`,
      [kund.id],
    );
    const pendingOf = () =>
      ownerQuery(app, `SELECT 1 FROM audit_pending_events WHERE tenant_id = $1`, [kund.id]);
    expect(await pendingOf()).toHaveLength(1);

    // The service's role sees no tenant's pending rows without app.tenant_id: only a per-tenant sweep finds it.
    expect(await sealer.sweep()).toBeGreaterThanOrEqual(1);
    expect(await pendingOf()).toHaveLength(0);
    const chained = await ownerQuery<{ seq: string; id: string }>(
      app,
      `SELECT seq::text AS seq, resource_id AS id FROM audit_events WHERE tenant_id = $1 ORDER BY seq`,
      [kund.id],
    );
    expect(chained.map((row) => row.seq)).toEqual(['1', '2', '3']);
    expect(chained[2].id).toBe('u-crashed');
    expect(await audit.verify({ tenantId: kund.id })).toMatchObject({ valid: true, checked: 3 });
  });

  it("deletes a tenant's audit trail with the tenant", async () => {
    const kund = await givenTenant(app);
    await audit.seal(kund.id); // no sealing of its first events still running while the tenant goes
    // One event committed but not sealed (written outside the unit of work, so nothing seals it right away).
    await db.transaction(async (manager) => {
      await manager.query(`SET LOCAL app.tenant_id = '${kund.id}'`);
      const written: Promise<unknown>[] = [];
      await audit.record(
        {
          tenantId: kund.id,
          query: (sql, params) => manager.query(sql, params),
          defer: (sql, params) => void written.push(manager.query(sql, params)),
          afterCommit: () => undefined,
        },
        userEvent(0),
      );
      await Promise.all(written);
    });
    // Deleting tenants is not a service operation (its role has no DELETE on tenants): the owner does it.
    await asOwner(app, async (query) => {
      await query(`DELETE FROM api_keys WHERE tenant_id = $1`, [kund.id]);
      await query(`DELETE FROM tenants WHERE id = $1`, [kund.id]);
    });
    expect(await seqsOf(kund)).toEqual([]);
    const heads = await ownerQuery(app, `SELECT 1 FROM audit_chain_heads WHERE tenant_id = $1`, [kund.id]);
    expect(heads).toHaveLength(0);
    const pending = await ownerQuery(app, `SELECT 1 FROM audit_pending_events WHERE tenant_id = $1`, [
      kund.id,
    ]);
    expect(pending).toHaveLength(0);
  });

  it('deletes expired events, moves the anchor and stays verifiable (AUD-06)', async () => {
    const kund = await givenTenant(app);
    for (let i = 0; i < 3; i++) await uow.write(kund.id, (tx) => audit.record(tx, userEvent(i)));
    await sleep(30);
    const cutoff = new Date();
    await sleep(30);
    for (let i = 3; i < 5; i++) await uow.write(kund.id, (tx) => audit.record(tx, userEvent(i)));
    await audit.seal(kund.id);

    const purged = await app.get(AuditRetentionJob).purge(cutoff);
    expect(purged.deleted).toBeGreaterThanOrEqual(5);
    expect(await seqsOf(kund)).toEqual([6, 7, 8]);
    const verified = await audit.verify({ tenantId: kund.id });
    expect(verified).toMatchObject({ valid: true, checked: 3, anchorSeq: '6', lastSeq: '8' });
    const page = await audit.list(kund.id, { action: 'audit.purge', limit: 10 });
    expect(page.items[0]).toMatchObject({ actorType: 'system', actorName: 'retention', seq: '8' });

    const again = await app.get(AuditRetentionJob).purge(cutoff);
    expect(await seqsOf(kund)).toEqual([6, 7, 8]);
    expect(again.deleted).toBe(0);
  });

  it('keeps staff-token events in their own verifiable chain', async () => {
    const created = await admin(app, staff)
      .post('/api/admin/staff-tokens')
      .send({ name: 'carol' })
      .expect(201);
    await admin(app, staff).delete(`/api/admin/staff-tokens/${created.body.keyId}`).expect(204);
    const rows = await db.query<{ action: string; actor_name: string }[]>(
      `SELECT action, actor_name FROM staff_audit_events WHERE resource_id = $1 ORDER BY seq`,
      [created.body.keyId],
    );
    expect(rows).toEqual([
      { action: 'staff-token.create', actor_name: 'chain-staff' },
      { action: 'staff-token.revoke', actor_name: 'chain-staff' },
    ]);
    expect(await audit.verify('staff')).toMatchObject({ valid: true });
  });
});
