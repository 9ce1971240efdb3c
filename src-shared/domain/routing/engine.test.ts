import { describe, expect, it } from 'vitest';
import { route } from './engine';
import { APAC, EU, MENA, STANDARD_SLA, candidate, request } from './fixtures';
import { buildIndex } from './snapshot-index';
import type { Candidate, RoutingSnapshot } from './types';
import { whatIf } from './what-if';

const snap = (candidates: Candidate[]): RoutingSnapshot => ({ corridors: [EU, MENA, APAC], candidates });
const removed = (d: ReturnType<typeof route>, reason: string) => d.funnel.find((f) => f.reason === reason)?.removed;

describe('routing engine: worked examples', () => {
  it('picks the nearest healthy node in the home corridor and a fallback at another site', () => {
    const d = route(buildIndex(snap([candidate('fra-1', 'fra'), candidate('par-1', 'par'), candidate('dxb-1', 'dxb')])), request());
    expect(d.selected?.nodeId).toBe('fra-1');
    expect(d.fallback?.nodeId).toBe('par-1');
    expect(d.corridorId).toBe('c-eu');
    expect(d.region).toBe('eu');
    expect(removed(d, 'residency')).toBe(1);
    expect(d.eligible).toBe(2);
    expect(d.explanation).toBeNull();
    expect(d.policyReason).toContain('home corridor EU');
  });

  it('explains in operator words why a regulated request cannot leave its corridor', () => {
    const mena = Array.from({ length: 12 }, (_, i) => candidate(`dxb-${i}`, 'dxb'));
    const eu8b = candidate('fra-8b', 'fra', { models: [{ id: 'llama-3.1-8b', contextLength: 8192 }] });
    const d = route(buildIndex(snap([...mena, eu8b])), request({ workloadClass: 'health', sla: { ...STANDARD_SLA, failover: { kind: 'fallback_corridor', corridorId: 'c-mena' } } }));
    expect(d.selected).toBeNull();
    expect(d.regulated).toBe(true);
    expect(d.explanation).toBe(
      'No EU node serves llama-3.1-70b; 12 MENA nodes do, but the customer’s residency policy keeps health (regulated) workloads in EU.',
    );
    expect(removed(d, 'residency')).toBe(12);
    expect(removed(d, 'model_not_served')).toBe(1);
  });

  it('fails over to the named corridor for general traffic, and says so', () => {
    const d = route(
      buildIndex(snap([candidate('fra-1', 'fra', { lifecycle: 'draining' }), candidate('dxb-1', 'dxb'), candidate('sin-1', 'sin')])),
      request({ sla: { ...STANDARD_SLA, p95TargetMs: 5000, failover: { kind: 'fallback_corridor', corridorId: 'c-mena' } } }),
    );
    expect(d.selected?.nodeId).toBe('dxb-1');
    expect(d.corridorId).toBe('c-mena');
    expect(d.policyReason).toContain('failover rule names MENA');
    expect(removed(d, 'lifecycle')).toBe(1);
    // APAC was never allowed: the failover rule names MENA only.
    expect(removed(d, 'residency')).toBe(1);
  });

  it('refuses a fallback corridor whose policy blocks the origin', () => {
    const d = route(
      buildIndex(snap([candidate('sin-1', 'sin')])),
      request({ origin: { country: 'FR', lat: null, lon: null }, sla: { ...STANDARD_SLA, p95TargetMs: 5000, failover: { kind: 'fallback_corridor', corridorId: 'c-apac' } } }),
    );
    expect(d.selected).toBeNull();
    expect(d.explanation).toContain('No EU node serves llama-3.1-70b; 1 APAC node does');
  });

  it('keeps a sovereign customer on nodes reserved for it', () => {
    const snapshot = snap([candidate('fra-open', 'fra', { p95LatencyMs: 50 }), candidate('par-sov', 'par', { reservedFor: ['cust-sov'] })]);
    const sov = route(buildIndex(snapshot), request({ customerId: 'cust-sov', tier: 'sovereign' }));
    expect(sov.selected?.nodeId).toBe('par-sov');
    expect(sov.fallback).toBeNull();
    expect(removed(sov, 'reservation')).toBe(1);
    // Another customer never lands on a node reserved for someone else.
    const other = route(buildIndex(snapshot), request());
    expect(other.selected?.nodeId).toBe('fra-open');
    expect(other.fallback).toBeNull();
    expect(removed(other, 'reservation')).toBe(1);
  });

  it('counts every rule in the funnel and explains when all are removed', () => {
    const d = route(
      buildIndex(
        snap([
          candidate('a', 'fra', { lifecycle: 'offline' }),
          candidate('b', 'fra', { nodeHealth: 'critical' }),
          candidate('c', 'fra', { circuit: 'open' }),
          candidate('d', 'par', { kvCacheUsage: 0.97 }),
          candidate('e', 'par', { p95LatencyMs: 2000 }),
          candidate('f', 'par', { models: [{ id: 'llama-3.1-70b', contextLength: 1024 }] }),
        ]),
      ),
      request(),
    );
    expect(d.selected).toBeNull();
    expect(d.funnel.filter((f) => f.removed > 0).map((f) => [f.reason, f.removed])).toEqual([
      ['context_too_short', 1],
      ['lifecycle', 1],
      ['unhealthy', 1],
      ['circuit_open', 1],
      ['over_capacity', 1],
      ['over_sla_p95', 1],
    ]);
    expect(d.explanation).toMatch(/^6 EU nodes serve llama-3.1-70b, but none can take this request: .*1 over capacity; 1 slower than the Enterprise standard p95 target of 800 ms from DE\.$/);
  });

  it('never selects when the failover rule is none and the home corridor is empty, and gives no fallback', () => {
    const none = { ...STANDARD_SLA, failover: { kind: 'none' as const } };
    const d = route(buildIndex(snap([candidate('fra-1', 'fra'), candidate('par-1', 'par')])), request({ sla: none }));
    expect(d.selected?.nodeId).toBe('fra-1');
    expect(d.fallback).toBeNull();
    expect(d.policyReason).toContain('failover rule is none');
    const empty = route(buildIndex(snap([candidate('dxb-1', 'dxb')])), request({ sla: none }));
    expect(empty.explanation).toContain('failover rule keeps traffic in EU');
  });

  it('says so when the model is served nowhere, or the home corridor is unknown', () => {
    expect(route(buildIndex(snap([candidate('fra-1', 'fra')])), request({ model: 'gpt-oss-120b' })).explanation).toBe('No node in any corridor serves gpt-oss-120b.');
    expect(route(buildIndex(snap([candidate('fra-1', 'fra')])), request({ homeCorridorId: 'c-nowhere' })).explanation).toContain('home corridor is unknown');
  });

  it('what-if: marking a site down moves its traffic and reports what is lost', () => {
    const snapshot = snap([candidate('fra-1', 'fra'), candidate('par-1', 'par'), candidate('dxb-1', 'dxb', { models: [{ id: 'mistral-7b', contextLength: 32768 }] })]);
    const reqs = [request(), request({ homeCorridorId: 'c-mena', model: 'mistral-7b', origin: { country: 'AE', lat: 25, lon: 55 } })];
    const rows = whatIf(snapshot, { siteIds: ['fra', 'dxb'], corridorIds: [], runtimeIds: [] }, reqs);
    expect(rows.map((r) => r.outcome)).toEqual(['moved', 'lost']);
    expect(rows[0]?.after.selected?.nodeId).toBe('par-1');
    expect(rows[1]?.after.funnel.find((f) => f.reason === 'unhealthy')?.removed).toBe(1);
    expect(whatIf(snapshot, { siteIds: [], corridorIds: [], runtimeIds: [] }, reqs).every((r) => r.outcome === 'unchanged')).toBe(true);
  });

  it('refuses a model the catalog does not offer to the tier, or not for regulated work, before residency', () => {
    const snapshot = { ...snap([candidate('fra-1', 'fra'), candidate('par-1', 'par')]), modelPolicies: [{ model: 'llama-3.1-70b', allowedTiers: ['enterprise' as const], regulatedOk: false }] };
    const pilot = route(buildIndex(snapshot), request({ tier: 'pilot' }));
    expect(pilot.selected).toBeNull();
    expect(removed(pilot, 'model_not_offered')).toBe(2);
    expect(pilot.explanation).toBe('llama-3.1-70b is not offered to the pilot tier (model catalog: enterprise); 2 nodes serve it.');
    const regulated = route(buildIndex(snapshot), request({ workloadClass: 'health' }));
    expect(regulated.explanation).toBe('llama-3.1-70b is not declared suitable for regulated workloads in the model catalog, and health is regulated in EU.');
    expect(route(buildIndex(snapshot), request()).selected?.nodeId).toBe('fra-1');
    // A what-if keeps the catalog's rules: the pilot stays unserved with a site down, never routed.
    const rows = whatIf(snapshot, { siteIds: ['fra'], corridorIds: [], runtimeIds: [] }, [request({ tier: 'pilot' }), request()]);
    expect(rows.map((r) => r.outcome)).toEqual(['still_unserved', 'moved']);
    expect(removed(rows[0]!.after, 'model_not_offered')).toBe(2);
  });
});

describe('routing engine: a customer’s allowed corridors', () => {
  const toMena = { ...STANDARD_SLA, p95TargetMs: 5000, failover: { kind: 'fallback_corridor' as const, corridorId: 'c-mena' } };

  it('narrows the failover: a fallback corridor outside the list is refused, and the refusal says why', () => {
    const world = snap([candidate('fra-1', 'fra', { lifecycle: 'draining' }), candidate('dxb-1', 'dxb'), candidate('sin-1', 'sin')]);
    // Without a list the SLA's failover rule takes the request to MENA.
    expect(route(buildIndex(world), request({ sla: toMena })).selected?.nodeId).toBe('dxb-1');
    const d = route(buildIndex(world), request({ sla: toMena, allowedCorridorIds: ['c-eu'] }));
    expect(d.selected).toBeNull();
    expect(removed(d, 'customer_corridors')).toBe(1);
    // APAC was never allowed by the failover rule: that stays a residency refusal.
    expect(removed(d, 'residency')).toBe(1);
    expect(removed(d, 'lifecycle')).toBe(1);
    expect(d.explanation).toContain('1 in corridors outside Acme’s allowed corridors (EU)');
    // With the only EU node gone too, the list is the whole story.
    const only = route(buildIndex(snap([candidate('dxb-1', 'dxb')])), request({ sla: toMena, allowedCorridorIds: ['c-eu'] }));
    expect(removed(only, 'customer_corridors')).toBe(1);
    expect(only.explanation).toBe('1 MENA node serves llama-3.1-70b, but Acme’s allowed corridors are EU, and no EU node serves it.');
  });

  it('never widens: a listed corridor residency or the failover rule does not allow stays refused as residency', () => {
    const d = route(buildIndex(snap([candidate('fra-1', 'fra', { lifecycle: 'offline' }), candidate('sin-1', 'sin')])), request({ allowedCorridorIds: ['c-eu', 'c-apac'] }));
    expect(d.selected).toBeNull();
    expect(removed(d, 'residency')).toBe(1);
    expect(removed(d, 'customer_corridors')).toBe(0);
  });

  it('a fallback comes only from the list: with MENA left out the fallback is another EU site', () => {
    const world = snap([candidate('fra-1', 'fra', { p95LatencyMs: 40 }), candidate('par-1', 'par', { p95LatencyMs: 300 }), candidate('dxb-1', 'dxb', { p95LatencyMs: 30 })]);
    expect(route(buildIndex(world), request({ sla: toMena })).fallback?.nodeId).toBe('dxb-1');
    const d = route(buildIndex(world), request({ sla: toMena, allowedCorridorIds: ['c-eu'] }));
    expect(d.selected?.nodeId).toBe('fra-1');
    expect(d.fallback?.nodeId).toBe('par-1');
    expect(removed(d, 'customer_corridors')).toBe(1);
  });

  it('a home corridor left out of the list (possible in stored data) is not served; the named fallback in the list is', () => {
    const d = route(buildIndex(snap([candidate('fra-1', 'fra'), candidate('dxb-1', 'dxb')])), request({ sla: toMena, allowedCorridorIds: ['c-mena'] }));
    expect(d.selected?.nodeId).toBe('dxb-1');
    expect(removed(d, 'customer_corridors')).toBe(1);
    expect(d.policyReason).toContain('The home corridor EU is outside Acme’s allowed corridors');
    const none = route(buildIndex(snap([candidate('fra-1', 'fra')])), request({ allowedCorridorIds: ['c-apac'] }));
    expect(none.selected).toBeNull();
    expect(none.explanation).toBe('1 EU node serves llama-3.1-70b, but Acme’s allowed corridors are APAC, and residency and the failover rule allow none of them.');
  });

  it('an empty or absent list changes nothing, so decisions stored before it replay the same', () => {
    const world = buildIndex(snap([candidate('fra-1', 'fra'), candidate('par-1', 'par'), candidate('dxb-1', 'dxb'), candidate('sin-1', 'sin')]));
    for (const sla of [STANDARD_SLA, toMena]) {
      const before = route(world, request({ sla }));
      expect(route(world, request({ sla, allowedCorridorIds: [] }))).toEqual(before);
      expect(route(world, request({ sla, allowedCorridorIds: ['c-eu', 'c-mena', 'c-apac'] }))).toEqual(before);
      expect(removed(before, 'customer_corridors')).toBe(0);
    }
  });
});
