import type { Corridor, NodeRow, Site } from '../../../src-shared/contract/grid';
import type { Health } from '../../../src-shared/domain/node-health';
import { BLOCKED_EVERYWHERE, DEMO_CORRIDORS } from '../../../src-main/services/grid/demo-geography';
import { rng } from '../../../src-shared/domain/random';

/**
 * A synthetic grid at the scale the issue names (10,000 nodes over 1,000 sites in the five demo
 * corridors), shaped exactly like the contract's rows so the app's own functions take it as they
 * would take the store's data. Seeded, so every run draws the same map.
 */
export interface SyntheticGrid {
  corridors: Corridor[];
  sites: Site[];
  nodes: NodeRow[];
  /**
   * Site-to-site pairs within a corridor (indices into `sites`): four in five join two sites of the
   * same metro, the rest two cities (the corridor's backbone), like the app's nearest-site links.
   */
  pairs: [number, number][];
}

const uuid = (kind: number, i: number) => `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${i.toString(16).padStart(12, '0')}`;

/** Mostly healthy, like a real grid; a tick redraws from the same mix. */
export function randomHealth(r: () => number): Health {
  const x = r();
  return x < 0.8 ? 'healthy' : x < 0.9 ? 'warning' : x < 0.96 ? 'critical' : x < 0.99 ? 'stale' : 'unknown';
}

export function syntheticGrid(o: { sites: number; nodesPerSite: number; pairs: number; seed?: number }): SyntheticGrid {
  const r = rng(o.seed ?? 42);
  const corridors: Corridor[] = DEMO_CORRIDORS.map((d, i) => ({
    id: uuid(1, i),
    key: d.key,
    name: d.name,
    region: d.region,
    policy: {
      allowedCountries: [...new Set(d.cities.map((c) => c.country))],
      blockedCountries: BLOCKED_EVERYWHERE,
      regulatedWorkloads: d.regulatedWorkloads,
      auditRequirement: d.auditRequirement,
    },
    siteCount: 0,
    nodeCount: 0,
  }));
  const sites: Site[] = [];
  const nodes: NodeRow[] = [];
  const byCorridor: number[][] = corridors.map(() => []);
  const byMetro = new Map<string, number[]>();
  const metroOf: string[] = [];
  for (let i = 0; i < o.sites; i++) {
    const ci = i % corridors.length;
    const d = DEMO_CORRIDORS[ci]!;
    const city = d.cities[Math.floor(i / corridors.length) % d.cities.length]!;
    const site: Site = {
      id: uuid(2, i),
      key: `${city.code}-${i}`,
      name: `${city.city} ${i}`,
      corridorId: corridors[ci]!.id,
      kind: 'colocation',
      country: city.country,
      city: city.city,
      // Spread around the city (about ±150 km) so sites do not sit on one pixel.
      latitude: city.lat + (r() - 0.5) * 2.6,
      longitude: city.lon + (r() - 0.5) * 2.6,
      ownerName: 'bench',
      safetyChecklist: 'passed',
      nodeCount: o.nodesPerSite,
    };
    byCorridor[ci]!.push(sites.length);
    const metro = `${ci}:${city.code}`;
    byMetro.set(metro, [...(byMetro.get(metro) ?? []), sites.length]);
    metroOf.push(metro);
    sites.push(site);
    for (let k = 0; k < o.nodesPerSite; k++) {
      const n = nodes.length;
      nodes.push({
        id: uuid(3, n),
        hostname: `gpu-${n}`,
        siteId: site.id,
        nodeGroupId: uuid(4, i),
        corridorId: site.corridorId,
        runtimeGroup: 'vllm',
        gpuModel: 'H100',
        gpuCount: 8,
        gpuMemoryGb: 80,
        capacityTokensPerS: 2000 + Math.floor(r() * 18000),
        lifecycle: r() < 0.93 ? 'active' : r() < 0.5 ? 'draining' : 'offline',
        lifecycleChangedAt: '2025-01-01T00:00:00.000Z',
        health: randomHealth(r),
        seenAt: '2025-01-01T00:00:00.000Z',
        latest: { gpuUtilPct: 50, gpuTempC: 60, powerW: 500, tokensPerS: 1000, p95LatencyMs: 200, queueDepth: 1, errorRate: 0 },
        validKeys: 1,
      });
    }
  }
  const pairs: [number, number][] = [];
  for (let p = 0; p < o.pairs; p++) {
    const corridor = byCorridor[p % corridors.length]!;
    const a = corridor[Math.floor(r() * corridor.length)]!;
    const list = r() < 0.8 ? byMetro.get(metroOf[a]!)! : corridor;
    let b = list[Math.floor(r() * list.length)]!;
    if (b === a) b = list[(list.indexOf(a) + 1) % list.length]!;
    pairs.push([a, b]);
  }
  return { corridors, sites, nodes, pairs };
}
