import { ChainVerifier, chainHash, ChainedEvent, GENESIS_HASH } from './audit-hash';
import type { AuditEvent } from './audit.types';

function event(seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenantId: '00000000-0000-4000-8000-000000000001',
    seq: String(seq),
    occurredAt: '2025-01-01T00:00:00.000Z',
    requestId: `req-${seq}`,
    sourceIp: null,
    actorType: 'token',
    actorId: 'abc',
    actorName: 'entra',
    action: 'user.create',
    resourceType: 'User',
    resourceId: `u${seq}`,
    resourceName: `user${seq}@example.com`,
    outcome: 'success',
    status: null,
    scimType: null,
    changes: { attributes: { active: { new: true } } },
    request: null,
    ...overrides,
  };
}

function chain(count: number, first = 1, prev = GENESIS_HASH): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  for (let seq = first; seq < first + count; seq++) {
    const e = event(seq);
    const rowHash = chainHash(prev, e);
    out.push({ event: e, prevHash: prev, rowHash });
    prev = rowHash;
  }
  return out;
}

const headOf = (events: ChainedEvent[], anchorSeq = '1', anchorPrevHash = GENESIS_HASH) => ({
  lastSeq: events.length ? events[events.length - 1].event.seq : String(BigInt(anchorSeq) - 1n),
  lastHash: events.length ? events[events.length - 1].rowHash : anchorPrevHash,
  anchorSeq,
  anchorPrevHash,
});

function verify(events: ChainedEvent[], head = headOf(events)) {
  const verifier = new ChainVerifier(head);
  events.forEach((e) => verifier.check(e));
  return verifier.result();
}

describe('chainHash', () => {
  it('gives the hash that earlier versions wrote, so existing chains still verify (AUD-03)', () => {
    // Computed with the previous implementation (createHash over prev_hash, then the canonical JSON).
    expect(chainHash(GENESIS_HASH, event(1))).toBe(
      'e8921be7433780a624c5efa68146d753bf5f90f1e76129ae08d8f099893bf3c2',
    );
  });

  it('is a sha256 hex digest that depends on the previous hash and on every field', () => {
    const e = event(1);
    const hash = chainHash(GENESIS_HASH, e);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('1'.repeat(64), e)).not.toBe(hash);
    expect(chainHash(GENESIS_HASH, { ...e, resourceName: 'other' })).not.toBe(hash);
    expect(chainHash(GENESIS_HASH, { ...e })).toBe(hash);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain, an empty one and one that starts at a retention anchor', () => {
    expect(verify(chain(5))).toMatchObject({ valid: true, checked: 5 });
    expect(verify([])).toMatchObject({ valid: true, checked: 0 });
    const full = chain(6);
    const kept = full.slice(3);
    expect(verify(kept, headOf(kept, '4', full[2].rowHash))).toMatchObject({ valid: true, checked: 3 });
  });

  it('reports an altered event at its seq', () => {
    const events = chain(5);
    events[2] = { ...events[2], event: { ...events[2].event, resourceName: 'mallory' } };
    expect(verify(events)).toMatchObject({ valid: false, firstBrokenSeq: '3', checked: 2 });
  });

  it('reports a removed event at the missing seq', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verify(events, headOf(chain(5)))).toMatchObject({ valid: false, firstBrokenSeq: '2' });
  });

  it('reports a rewritten link', () => {
    const events = chain(3);
    const forged = { ...events[1], prevHash: 'f'.repeat(64) };
    forged.rowHash = chainHash(forged.prevHash, forged.event);
    expect(verify([events[0], forged, events[2]])).toMatchObject({ valid: false, firstBrokenSeq: '2' });
  });

  it('reports events removed from the end of the chain', () => {
    const events = chain(4);
    expect(verify(events.slice(0, 3), headOf(events))).toMatchObject({ valid: false, firstBrokenSeq: '4' });
  });
});
