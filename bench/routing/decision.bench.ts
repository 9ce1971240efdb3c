import { route } from '../../src-shared/domain/routing/engine';
import { request } from '../../src-shared/domain/routing/fixtures';
import { syntheticGrid } from '../../src-shared/domain/routing/fixtures';
import { buildIndex } from '../../src-shared/domain/routing/snapshot-index';
import type { Candidate, RoutingRequest, RoutingSnapshot } from '../../src-shared/domain/routing/types';
import { type Bench, type BenchResult, percentile, result, round } from '../lib';

const REQUESTS = 2000;
const MODELS = ['llama-3.1-70b', 'llama-3.1-8b', 'qwen2.5-32b', 'mistral-7b', 'gemma-2-27b', 'phi-3-mini', 'deepseek-r1-32b', 'mixtral-8x7b'];
const REGIONS = ['eu', 'mena', 'apac', 'africa', 'north_america', 'custom'];

function requests(): RoutingRequest[] {
  return Array.from({ length: REQUESTS }, (_, i) =>
    request({
      model: MODELS[i % MODELS.length] as string,
      homeCorridorId: `c-${REGIONS[i % REGIONS.length]}`,
      origin: { country: 'A0', lat: (i % 90) - 45, lon: (i % 300) - 150 },
      workloadClass: i % 5 === 0 ? 'health' : 'general',
      sla: { name: 'bench', uptimeTargetPct: 99.9, p95TargetMs: 900, escalationWindowMin: 15, failover: { kind: 'same_corridor' } },
    }),
  );
}

/**
 * The baseline the issue names: a bare linear scan over the same arrays applying only the
 * residency and model filters (home corridor, blocked countries), keeping the lowest p95.
 */
function bareScan(cands: readonly Candidate[], snap: RoutingSnapshot, req: RoutingRequest): Candidate | null {
  const home = snap.corridors.find((c) => c.id === req.homeCorridorId);
  if (!home) return null;
  const blocked = home.policy.blockedCountries;
  let best: Candidate | null = null;
  for (const c of cands) {
    if (c.corridorId !== home.id || blocked.includes(c.siteCountry)) continue;
    if (!c.models.some((m) => m.id === req.model)) continue;
    if (!best || (c.p95LatencyMs ?? 0) < (best.p95LatencyMs ?? 0)) best = c;
  }
  return best;
}

function timeEach(reqs: RoutingRequest[], fn: (r: RoutingRequest) => unknown): number[] {
  const out: number[] = [];
  let sink = 0;
  for (const r of reqs) {
    const t0 = performance.now();
    sink += fn(r) ? 1 : 0;
    out.push(performance.now() - t0);
  }
  if (sink < 0) throw new Error('unreachable');
  return out;
}

function measure(nodes: number) {
  const snap = syntheticGrid(nodes);
  const reqs = requests();
  const t0 = performance.now();
  const index = buildIndex(snap);
  const buildMs = performance.now() - t0;
  // Warm both paths, then interleave rounds so neither gets the quieter moment.
  timeEach(reqs.slice(0, 200), (r) => route(index, r));
  timeEach(reqs.slice(0, 200), (r) => bareScan(snap.candidates, snap, r));
  const engine: number[] = [];
  const scan: number[] = [];
  for (let round = 0; round < 3; round++) {
    engine.push(...timeEach(reqs, (r) => route(index, r)));
    scan.push(...timeEach(reqs, (r) => bareScan(snap.candidates, snap, r)));
  }
  return { nodes, buildMs, engineP50: percentile(engine, 50), engineP99: percentile(engine, 99), scanP50: percentile(scan, 50), scanP99: percentile(scan, 99) };
}

const us = (ms: number) => round(ms * 1000, 2);

/**
 * Routing decision latency at 10,000 and 100,000 candidates: the engine (every rule, funnel
 * counts, explanation, fallback) against the bare scan; and the engine's growth from 10k to 100k.
 */
export const routingDecision: Bench = {
  name: 'routing-decision',
  summary: 'routing engine p99 vs a bare residency+model scan at 10k and 100k candidates, and its 10k→100k growth (µs)',
  async run(): Promise<BenchResult[]> {
    const small = measure(10_000);
    const large = measure(100_000);
    const params = (m: ReturnType<typeof measure>) => ({
      candidates: m.nodes,
      requests: REQUESTS * 3,
      engineP50us: us(m.engineP50),
      engineP99us: us(m.engineP99),
      scanP50us: us(m.scanP50),
      scanP99us: us(m.scanP99),
      indexBuildMs: round(m.buildMs, 1),
    });
    return [
      result({ name: 'routing-decision-10k-vs-scan', value: us(small.engineP99), unit: 'µs p99', baseline: us(small.scanP99), baselineName: 'bare residency+model scan p99', better: 'lower', target: 2, params: params(small) }),
      result({ name: 'routing-decision-100k-vs-scan', value: us(large.engineP99), unit: 'µs p99', baseline: us(large.scanP99), baselineName: 'bare residency+model scan p99', better: 'lower', target: null, params: params(large) }),
      result({ name: 'routing-decision-growth-100k-vs-10k', value: us(large.engineP99), unit: 'µs p99', baseline: us(small.engineP99), baselineName: 'engine p99 at 10k', better: 'lower', target: 3, params: { ...params(large), p99At10kUs: us(small.engineP99) } }),
    ];
  },
};
