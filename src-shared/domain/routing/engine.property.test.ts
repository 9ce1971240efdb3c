/**
 * Property tests over generated grids and policies: residency is never violated, decisions are
 * deterministic whatever the snapshot's order, every "no node" is explained, the fallback obeys
 * the failover rule, and the indexed engine agrees with a naive pass over every candidate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkMs } from './distance';
import { route } from './engine';
import { baseScoreOf, buildIndex, staticReason } from './snapshot-index';
import type { Candidate, CorridorInfo, RoutingDecision, RoutingRequest, RoutingSnapshot } from './types';

const COUNTRIES = ['DE', 'FR', 'AE', 'SA', 'SG', 'KE', 'US', 'RU'];
const CORRIDOR_IDS = ['c0', 'c1', 'c2', 'c3'];
const MODELS = ['m-a', 'm-b', 'm-c'];
const CUSTOMERS = ['cu-1', 'cu-2'];

const country = fc.constantFrom(...COUNTRIES);
const corridorArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    name: fc.constant(id.toUpperCase()),
    region: fc.constantFrom('eu', 'mena', 'apac', 'africa'),
    policy: fc.record({
      allowedCountries: fc.uniqueArray(country, { maxLength: 3 }),
      blockedCountries: fc.uniqueArray(country, { maxLength: 2 }),
      regulatedWorkloads: fc.subarray(['health', 'finance']),
      auditRequirement: fc.constant(null),
    }),
  }) satisfies fc.Arbitrary<CorridorInfo>;

const candidateArb = (i: number) =>
  fc.record({
    nodeId: fc.constant(`n${i}`),
    hostname: fc.constant(`node-${i}`),
    runtimeId: fc.constant(`r${i}`),
    runtimeKind: fc.constant('vllm'),
    siteId: fc.constantFrom('s0', 's1', 's2', 's3', 's4', 's5'),
    siteName: fc.constant('Site'),
    siteCountry: country,
    siteLat: fc.integer({ min: -60, max: 60 }),
    siteLon: fc.integer({ min: -170, max: 170 }),
    corridorId: fc.constantFrom(...CORRIDOR_IDS),
    lifecycle: fc.constantFrom('active', 'active', 'active', 'draining', 'offline', 'registered'),
    nodeHealth: fc.constantFrom('healthy', 'healthy', 'warning', 'critical', 'stale'),
    runtimeHealth: fc.constantFrom('healthy', 'healthy', 'degraded', 'down', 'unknown'),
    circuit: fc.constantFrom('closed', 'closed', 'half_open', 'open'),
    models: fc.subarray(MODELS, { minLength: 1 }).chain((ms) =>
      fc.tuple(...ms.map((id) => fc.record({ id: fc.constant(id), contextLength: fc.constantFrom(null, 4096, 32768) }))),
    ),
    runningRequests: fc.option(fc.integer({ min: 0, max: 20 })),
    waitingRequests: fc.option(fc.integer({ min: 0, max: 20 })),
    kvCacheUsage: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    tokensPerS: fc.option(fc.integer({ min: 0, max: 3000 })),
    capacityTokensPerS: fc.constantFrom(0, 1000, 2000),
    p95LatencyMs: fc.option(fc.integer({ min: 10, max: 3000 })),
    reservedFor: fc.subarray(CUSTOMERS, { maxLength: 1 }),
  }) satisfies fc.Arbitrary<Candidate>;

/** Each site lives in one corridor and one country, as in the database. */
function coherent(cands: Candidate[]): Candidate[] {
  const site = new Map<string, Candidate>();
  return cands.map((c) => {
    const first = site.get(c.siteId) ?? (site.set(c.siteId, c), c);
    return { ...c, corridorId: first.corridorId, siteCountry: first.siteCountry, siteLat: first.siteLat, siteLon: first.siteLon };
  });
}

const policiesArb = fc.subarray(MODELS).chain((ms) =>
  fc.tuple(...ms.map((model) => fc.record({ model: fc.constant(model), allowedTiers: fc.subarray(['pilot', 'enterprise', 'sovereign'] as const), regulatedOk: fc.boolean() }))),
);

const snapshotArb: fc.Arbitrary<RoutingSnapshot> = fc
  .tuple(fc.tuple(...CORRIDOR_IDS.map(corridorArb)), fc.integer({ min: 0, max: 30 }), policiesArb)
  .chain(([corridors, n, modelPolicies]) =>
    fc
      .tuple(...Array.from({ length: n }, (_, i) => candidateArb(i)))
      .map((cands) => ({ corridors: corridors.slice(), candidates: coherent(cands as Candidate[]), modelPolicies: modelPolicies.slice() })),
  );

const requestArb: fc.Arbitrary<RoutingRequest> = fc.record({
  customerId: fc.constantFrom(...CUSTOMERS),
  customerName: fc.constant('Customer'),
  tier: fc.constantFrom('pilot', 'enterprise', 'sovereign'),
  homeCorridorId: fc.constantFrom(...CORRIDOR_IDS, 'c-missing'),
  sla: fc.record({
    name: fc.constant('SLA'),
    uptimeTargetPct: fc.constant(99.9),
    p95TargetMs: fc.integer({ min: 100, max: 6000 }),
    escalationWindowMin: fc.constant(15),
    failover: fc.oneof(
      fc.constant({ kind: 'same_corridor' as const }),
      fc.constant({ kind: 'none' as const }),
      fc.constantFrom(...CORRIDOR_IDS).map((corridorId) => ({ kind: 'fallback_corridor' as const, corridorId })),
    ),
  }),
  model: fc.constantFrom(...MODELS, 'm-none'),
  origin: fc.record({ country, lat: fc.option(fc.integer({ min: -60, max: 60 })), lon: fc.option(fc.integer({ min: -170, max: 170 })) }),
  workloadClass: fc.constantFrom('general', 'health', 'regulated'),
  estimatedTokens: fc.constantFrom(100, 8000, 50000),
});

const candidateOf = (snap: RoutingSnapshot, runtimeId: string) => snap.candidates.find((c) => c.runtimeId === runtimeId) as Candidate;

/** Every rule, checked the slow and obvious way against one candidate. */
function admissible(snap: RoutingSnapshot, req: RoutingRequest, c: Candidate, d: RoutingDecision): boolean {
  const home = snap.corridors.find((x) => x.id === req.homeCorridorId);
  if (!home) return false;
  const m = c.models.find((x) => x.id === req.model);
  if (!m) return false;
  const policy = snap.modelPolicies?.find((p) => p.model === req.model);
  if (policy && (!policy.allowedTiers.includes(req.tier) || (d.regulated && !policy.regulatedOk))) return false;
  const inHome = c.corridorId === home.id;
  const fb = req.sla.failover.kind === 'fallback_corridor' ? req.sla.failover.corridorId : null;
  const fbCorridor = snap.corridors.find((x) => x.id === fb);
  const inFallback = !d.regulated && req.tier !== 'sovereign' && c.corridorId === fb && !!fbCorridor && !fbCorridor.policy.blockedCountries.includes(req.origin.country);
  if (!inHome && !inFallback) return false;
  if (home.policy.blockedCountries.includes(c.siteCountry)) return false;
  if (d.regulated && home.policy.allowedCountries.length > 0 && !home.policy.allowedCountries.includes(c.siteCountry)) return false;
  if (req.tier === 'sovereign' ? !c.reservedFor.includes(req.customerId) : c.reservedFor.length > 0 && !c.reservedFor.includes(req.customerId)) return false;
  if (m.contextLength !== null && m.contextLength < req.estimatedTokens) return false;
  if (staticReason(c)) return false;
  const net = networkMs(req.origin, { country: c.siteCountry, lat: c.siteLat, lon: c.siteLon });
  return (c.p95LatencyMs ?? 0) <= req.sla.p95TargetMs - net;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const runs = { numRuns: 400 };

describe('routing engine: properties', () => {
  it('never selects or offers a node that residency, tier, reservation or any rule forbids', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snap, req) => {
        const d = route(buildIndex(snap), req);
        for (const n of [d.selected, d.fallback]) {
          if (!n) continue;
          const c = candidateOf(snap, n.runtimeId);
          expect(admissible(snap, req, c, d)).toBe(true);
          if (req.tier === 'sovereign' || d.regulated) expect(n.corridorId).toBe(req.homeCorridorId);
        }
      }),
      runs,
    );
  });

  it('is deterministic: the same inputs in any order give the same decision', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, fc.integer({ min: 1, max: 1e6 }), (snap, req, seed) => {
        const a = route(buildIndex(snap), req);
        const b = route(buildIndex({ corridors: shuffled(snap.corridors, seed + 1), candidates: shuffled(snap.candidates, seed), modelPolicies: shuffled(snap.modelPolicies ?? [], seed + 2) }), req);
        expect(b).toEqual(a);
        expect(route(buildIndex(snap), req)).toEqual(a);
      }),
      runs,
    );
  });

  it('explains every "no node", and the funnel accounts for every candidate', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snap, req) => {
        const d = route(buildIndex(snap), req);
        expect(d.selected === null).toBe(d.explanation !== null);
        if (d.explanation !== null) expect(d.explanation.length).toBeGreaterThan(20);
        expect(d.funnel.reduce((n, f) => n + f.removed, 0) + d.eligible).toBe(d.considered);
      }),
      runs,
    );
  });

  it('the fallback obeys the failover rule and is never the selected node', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snap, req) => {
        const d = route(buildIndex(snap), req);
        if (!d.fallback) return;
        expect(req.sla.failover.kind).not.toBe('none');
        expect(d.fallback.runtimeId).not.toBe(d.selected?.runtimeId);
        const allowed = req.sla.failover.kind === 'fallback_corridor' ? [req.homeCorridorId, req.sla.failover.corridorId] : [req.homeCorridorId];
        expect(allowed).toContain(d.fallback.corridorId);
      }),
      runs,
    );
  });

  it('agrees with a naive pass: the selected node is the best admissible one, home corridor first', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snap, req) => {
        const d = route(buildIndex(snap), req);
        const ok = snap.candidates.filter((c) => admissible(snap, req, c, d));
        expect(d.eligible).toBe(ok.length);
        const home = ok.filter((c) => c.corridorId === req.homeCorridorId);
        const pool = home.length ? home : ok;
        if (!pool.length) {
          expect(d.selected).toBeNull();
          return;
        }
        const score = (c: Candidate) => Math.round((networkMs(req.origin, { country: c.siteCountry, lat: c.siteLat, lon: c.siteLon }) + baseScoreOf(c)) * 100) / 100;
        const best = pool.slice().sort((a, b) => score(a) - score(b) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0))[0] as Candidate;
        expect(d.selected?.runtimeId).toBe(best.runtimeId);
      }),
      runs,
    );
  });
});
