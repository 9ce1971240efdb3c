import { canonicalJson } from './canonical-json';

/** The hash an org's first event links to. */
export const GENESIS_HASH = '0'.repeat(64);

/** Exactly the fields that are hashed; docs/formats.md describes them for auditors. */
export interface AuditEventBody {
  org_id: string;
  seq: number;
  id: string;
  at: string;
  actor: { id: string | null; name: string; role: string | null };
  action: string;
  target: { type: string; id: string | null };
  reason: string | null;
  data: Record<string, unknown>;
  request_id: string | null;
}

export interface ChainedAuditEvent extends AuditEventBody {
  prev_hash: string;
  hash: string;
}

export type Sha256Hex = (text: string) => string;

/** hash = sha256(prev_hash || canonical_json(body)), hex encoded. */
export function chainHash(sha256: Sha256Hex, prevHash: string, body: AuditEventBody): string {
  return sha256(prevHash + canonicalJson(body));
}

export function bodyOf(e: ChainedAuditEvent): AuditEventBody {
  return {
    org_id: e.org_id,
    seq: e.seq,
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    reason: e.reason,
    data: e.data,
    request_id: e.request_id,
  };
}

export type ChainBreak =
  | { kind: 'gap'; seq: number; expectedSeq: number }
  | { kind: 'link'; seq: number }
  | { kind: 'hash'; seq: number }
  | { kind: 'org'; seq: number };

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  lastSeq: number;
  lastHash: string;
  breaks: ChainBreak[];
}

/**
 * Verifies events of one org in seq order. A changed event breaks its own hash; a deleted event
 * leaves a gap and breaks the next event's link; a reordered or spliced chain breaks a link.
 * `from` lets a verifier continue from a trusted checkpoint instead of genesis.
 */
export function verifyChain(
  sha256: Sha256Hex,
  orgId: string,
  events: readonly ChainedAuditEvent[],
  from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
  /** canonical_json(body) of each event when the caller already has it (a bundle reuses it for leaves and lines). */
  canonical?: readonly string[],
): ChainVerdict {
  const breaks: ChainBreak[] = [];
  let expectedSeq = from.seq + 1;
  let prevHash = from.hash;
  for (const [i, e] of events.entries()) {
    if (e.org_id !== orgId) breaks.push({ kind: 'org', seq: e.seq });
    if (e.seq !== expectedSeq) breaks.push({ kind: 'gap', seq: e.seq, expectedSeq });
    if (e.prev_hash !== prevHash) breaks.push({ kind: 'link', seq: e.seq });
    const text = canonical?.[i] ?? canonicalJson(bodyOf(e));
    if (sha256(e.prev_hash + text) !== e.hash) breaks.push({ kind: 'hash', seq: e.seq });
    expectedSeq = e.seq + 1;
    prevHash = e.hash;
  }
  return { ok: breaks.length === 0, checked: events.length, lastSeq: expectedSeq - 1, lastHash: prevHash, breaks };
}

export function describeBreak(b: ChainBreak): string {
  switch (b.kind) {
    case 'gap':
      return `event #${b.expectedSeq} is missing (next present is #${b.seq})`;
    case 'link':
      return `event #${b.seq} does not link to the event before it`;
    case 'hash':
      return `event #${b.seq} was changed after it was written (hash mismatch)`;
    case 'org':
      return `event #${b.seq} belongs to another org`;
  }
}
