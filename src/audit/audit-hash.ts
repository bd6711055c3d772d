// The per-tenant hash chain of SECURITY.md AUD-03/AUD-04: row_hash = sha256(prev_hash ‖ canonical JSON of the
// event without its hashes). Pure, so the writer and the verifier share one definition.
import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { AuditEvent, AuditVerification } from './audit.types';

/** prev_hash of a chain's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(prevHash: string, event: AuditEvent): string {
  // One string, one-shot hash (crypto.hash, Node ≥ 20.12): the same bytes as hashing the two parts in turn.
  return hash('sha256', prevHash + canonicalJson(event), 'hex');
}

export interface ChainedEvent {
  event: AuditEvent;
  prevHash: string;
  rowHash: string;
}

export interface ChainHead {
  lastSeq: string;
  lastHash: string;
  /** First event kept by retention, and the hash it chains from (SECURITY.md AUD-06). */
  anchorSeq: string;
  anchorPrevHash: string;
}

/**
 * Walks a chain in seq order from its anchor, in as many batches as the caller likes, and reports the first
 * event that is missing, out of place, re-linked or altered.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private expectedPrev: string;
  private checked = 0;
  private broken?: { seq: string; reason: string };

  constructor(private readonly head: ChainHead) {
    this.expectedSeq = BigInt(head.anchorSeq);
    this.expectedPrev = head.anchorPrevHash;
  }

  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  /** Checks the next event; false (and no further checks) once the chain is broken. */
  check({ event, prevHash, rowHash }: ChainedEvent): boolean {
    if (this.broken) return false;
    const seq = BigInt(event.seq);
    if (seq !== this.expectedSeq)
      return this.fail(String(this.expectedSeq), `seq ${event.seq} follows a gap`);
    if (prevHash !== this.expectedPrev) return this.fail(event.seq, 'prev_hash does not match');
    if (chainHash(prevHash, event) !== rowHash) return this.fail(event.seq, 'row_hash does not match');
    this.checked += 1;
    this.expectedSeq = seq + 1n;
    this.expectedPrev = rowHash;
    return true;
  }

  result(): AuditVerification {
    const base = { checked: this.checked, anchorSeq: this.head.anchorSeq, lastSeq: this.head.lastSeq };
    if (this.broken)
      return { valid: false, firstBrokenSeq: this.broken.seq, reason: this.broken.reason, ...base };
    // The head must point at the last event checked: catches events removed from the end of the chain.
    if (this.expectedSeq - 1n !== BigInt(this.head.lastSeq) || this.expectedPrev !== this.head.lastHash) {
      const seq = String(this.expectedSeq);
      return {
        valid: false,
        firstBrokenSeq: seq,
        reason: 'chain head does not match the last event',
        ...base,
      };
    }
    return { valid: true, ...base };
  }

  private fail(seq: string, reason: string): false {
    this.broken = { seq, reason };
    return false;
  }
}
