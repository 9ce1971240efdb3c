/** Small worlds for the engine's tests and the benchmark's synthetic grid (seeded, so reproducible). */
import { rng } from '../random';
import type { Candidate, CorridorInfo, RoutingRequest, RoutingSnapshot, SlaTerms } from './types';

export const EU: CorridorInfo = {
  id: 'c-eu',
  name: 'EU',
  region: 'eu',
  policy: { allowedCountries: ['DE', 'FR', 'NL'], blockedCountries: ['RU'], regulatedWorkloads: ['health'], auditRequirement: null },
};
export const MENA: CorridorInfo = {
  id: 'c-mena',
  name: 'MENA',
  region: 'mena',
  policy: { allowedCountries: ['AE', 'SA'], blockedCountries: [], regulatedWorkloads: [], auditRequirement: null },
};
export const APAC: CorridorInfo = {
  id: 'c-apac',
  name: 'APAC',
  region: 'apac',
  policy: { allowedCountries: [], blockedCountries: ['FR'], regulatedWorkloads: [], auditRequirement: null },
};

const SITES: Record<string, { corridorId: string; country: string; lat: number; lon: number }> = {
  fra: { corridorId: 'c-eu', country: 'DE', lat: 50.1, lon: 8.7 },
  par: { corridorId: 'c-eu', country: 'FR', lat: 48.9, lon: 2.35 },
  dxb: { corridorId: 'c-mena', country: 'AE', lat: 25.2, lon: 55.3 },
  ruh: { corridorId: 'c-mena', country: 'SA', lat: 24.7, lon: 46.7 },
  sin: { corridorId: 'c-apac', country: 'SG', lat: 1.35, lon: 103.8 },
};

export function candidate(nodeId: string, site: keyof typeof SITES | string, over: Partial<Candidate> = {}): Candidate {
  const s = SITES[site] ?? { corridorId: 'c-eu', country: 'DE', lat: 50, lon: 8 };
  return {
    nodeId,
    hostname: nodeId,
    runtimeId: `rt-${nodeId}`,
    runtimeKind: 'vllm',
    siteId: site,
    siteName: site.toUpperCase(),
    siteCountry: s.country,
    siteLat: s.lat,
    siteLon: s.lon,
    corridorId: s.corridorId,
    lifecycle: 'active',
    nodeHealth: 'healthy',
    runtimeHealth: 'healthy',
    circuit: 'closed',
    models: [{ id: 'llama-3.1-70b', contextLength: 131072 }],
    runningRequests: 2,
    waitingRequests: 0,
    kvCacheUsage: 0.3,
    tokensPerS: 500,
    capacityTokensPerS: 2000,
    p95LatencyMs: 200,
    reservedFor: [],
    ...over,
  };
}

export const STANDARD_SLA: SlaTerms = { name: 'Enterprise standard', uptimeTargetPct: 99.9, p95TargetMs: 800, escalationWindowMin: 15, failover: { kind: 'same_corridor' } };

export function request(over: Partial<RoutingRequest> = {}): RoutingRequest {
  return {
    customerId: 'cust-1',
    customerName: 'Acme',
    tier: 'enterprise',
    homeCorridorId: 'c-eu',
    sla: STANDARD_SLA,
    model: 'llama-3.1-70b',
    origin: { country: 'DE', lat: 52.5, lon: 13.4 },
    workloadClass: 'general',
    estimatedTokens: 2000,
    ...over,
  };
}

const MODELS = ['llama-3.1-70b', 'llama-3.1-8b', 'qwen2.5-32b', 'mistral-7b', 'gemma-2-27b', 'phi-3-mini', 'deepseek-r1-32b', 'mixtral-8x7b'];

/** A synthetic grid of `nodes` candidates over 6 corridors and 60 sites (the benchmark's and the property tests' world). */
export function syntheticGrid(nodes: number, seed = 7): RoutingSnapshot {
  const r = rng(seed);
  const corridors: CorridorInfo[] = ['eu', 'mena', 'apac', 'africa', 'north_america', 'custom'].map((region, i) => ({
    id: `c-${region}`,
    name: region.toUpperCase(),
    region,
    policy: { allowedCountries: [`A${i}`, `B${i}`], blockedCountries: [`X${i}`], regulatedWorkloads: ['health'], auditRequirement: null },
  }));
  const candidates: Candidate[] = [];
  for (let i = 0; i < nodes; i++) {
    const ci = Math.floor(r() * corridors.length);
    const corridor = corridors[ci] as CorridorInfo;
    const site = Math.floor(r() * 10);
    const model = MODELS[Math.floor(r() * MODELS.length)] as string;
    const lifecycle = r() < 0.9 ? 'active' : r() < 0.5 ? 'draining' : 'offline';
    candidates.push({
      nodeId: `n${String(i).padStart(6, '0')}`,
      hostname: `node-${i}`,
      runtimeId: `r${i}`,
      runtimeKind: 'vllm',
      siteId: `${corridor.id}-s${site}`,
      siteName: `Site ${ci}.${site}`,
      siteCountry: site % 2 ? `A${ci}` : `B${ci}`,
      siteLat: -40 + ci * 15 + site,
      siteLon: -100 + ci * 40 + site,
      corridorId: corridor.id,
      lifecycle,
      nodeHealth: r() < 0.95 ? 'healthy' : 'critical',
      runtimeHealth: 'healthy',
      circuit: r() < 0.98 ? 'closed' : 'open',
      models: [{ id: model, contextLength: r() < 0.8 ? 32768 : 8192 }],
      runningRequests: Math.floor(r() * 10),
      waitingRequests: 0,
      kvCacheUsage: Math.round(r() * 100) / 100,
      tokensPerS: Math.floor(r() * 2000),
      capacityTokensPerS: 2000,
      p95LatencyMs: 50 + Math.floor(r() * 900),
      reservedFor: r() < 0.02 ? ['cust-sov'] : [],
    });
  }
  return { corridors, candidates };
}
