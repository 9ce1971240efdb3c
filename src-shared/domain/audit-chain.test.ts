import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AuditEventBody, chainHash, type ChainedAuditEvent, GENESIS_HASH, verifyChain } from './audit-chain';
import { canonicalJson } from './canonical-json';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const ORG = '11111111-1111-4111-8111-111111111111';

function chain(n: number): ChainedAuditEvent[] {
  const out: ChainedAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const body: AuditEventBody = {
      org_id: ORG,
      seq,
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      at: new Date(Date.UTC(2026, 10, 22, 10, 0, seq)).toISOString(),
      actor: { id: null, name: 'Ada', role: 'admin' },
      action: 'status.component_state_set',
      target: { type: 'component', id: `c${seq}` },
      reason: seq % 2 ? 'because' : null,
      data: { from: 'operational', to: 'major_outage', n: seq, nested: { z: 1, a: [true, null, 'x'] } },
      request_id: null,
    };
    const hash = chainHash(sha256, prev, body);
    out.push({ ...body, prev_hash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
  });

  it('matches the RFC 8785 example for numbers and strings', () => {
    // From RFC 8785 §3.2.2 (ES6 number serialisation, minimal string escaping).
    const input = { numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001], string: '€$\u000f\nA\'B"\\\\"/', literals: [null, true, false] };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson(undefined)).toThrow();
  });
});

describe('audit chain verification', () => {
  it('accepts an intact chain and reports its head', () => {
    const events = chain(5);
    const v = verifyChain(sha256, ORG, events);
    expect(v).toMatchObject({ ok: true, checked: 5, lastSeq: 5, lastHash: events[4]?.hash, breaks: [] });
  });

  it('detects an event changed after it was written', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, reason: 'rewritten later' };
    const v = verifyChain(sha256, ORG, events);
    expect(v.ok).toBe(false);
    expect(v.breaks).toEqual([{ kind: 'hash', seq: 3 }]);
  });

  it('detects a change deep inside the data, not only top-level fields', () => {
    const events = chain(3);
    events[1] = { ...events[1]!, data: { ...events[1]!.data, nested: { z: 2, a: [true, null, 'x'] } } };
    expect(verifyChain(sha256, ORG, events).breaks).toEqual([{ kind: 'hash', seq: 2 }]);
  });

  it('detects a deleted event: a gap and a broken link', () => {
    const events = chain(5);
    events.splice(1, 1);
    const v = verifyChain(sha256, ORG, events);
    expect(v.ok).toBe(false);
    expect(v.breaks).toEqual([
      { kind: 'gap', seq: 3, expectedSeq: 2 },
      { kind: 'link', seq: 3 },
    ]);
  });

  it('detects a rehashed forgery that does not link to its predecessor', () => {
    const events = chain(3);
    const forged: AuditEventBody = { ...events[1]!, reason: 'forged' };
    const forgedHash = chainHash(sha256, sha256('some other head'), forged);
    events[1] = { ...forged, prev_hash: sha256('some other head'), hash: forgedHash };
    const kinds = verifyChain(sha256, ORG, events).breaks.map((b) => `${b.kind}#${b.seq}`);
    expect(kinds).toContain('link#2');
    expect(kinds).toContain('link#3');
  });

  it('detects events of another org mixed in', () => {
    const events = chain(2);
    events[1] = { ...events[1]!, org_id: '22222222-2222-4222-8222-222222222222' };
    expect(verifyChain(sha256, ORG, events).breaks.map((b) => b.kind)).toContain('org');
  });

  it('continues from a trusted checkpoint', () => {
    const events = chain(6);
    const v = verifyChain(sha256, ORG, events.slice(3), { seq: 3, hash: events[2]!.hash });
    expect(v).toMatchObject({ ok: true, checked: 3, lastSeq: 6 });
  });
});
