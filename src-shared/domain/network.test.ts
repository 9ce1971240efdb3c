import { describe, expect, it } from 'vitest';
import type { Corridor, NodeGroup, NodeRow, Site } from '../contract/grid';
import { capacityWords, corridorLinks, distanceKm, drainedSitesByCorridor, drainedSitesLabel, drainLabel, drainState, filterGrid, filtersActive, NO_FILTERS, siteFigures } from './network';
import { graphShape, reuseUnchanged, runtimeNodeId } from './network-graph';
import { failoverFlows, shownHealth } from './network-overlay';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const corridor = (n: number, name: string): Corridor => ({
  id: id(n),
  key: name.toLowerCase(),
  name,
  region: 'eu',
  policy: { allowedCountries: [], blockedCountries: [], regulatedWorkloads: [], auditRequirement: null },
  siteCount: 0,
  nodeCount: 0,
});
const site = (n: number, c: number, lat: number, lon: number, kind: Site['kind'] = 'colocation'): Site => ({
  id: id(n),
  key: `s${n}`,
  name: `S${n}`,
  corridorId: id(c),
  kind,
  country: 'DE',
  city: '',
  latitude: lat,
  longitude: lon,
  ownerName: 'o',
  safetyChecklist: 'passed',
  nodeCount: 0,
});
const group = (n: number, s: number): NodeGroup => ({ id: id(n), siteId: id(s), key: `g${n}`, name: `G${n}` });
const node = (n: number, s: number, g: number, c: number, over: Partial<NodeRow> = {}): NodeRow => ({
  id: id(n),
  hostname: `n${n}`,
  siteId: id(s),
  nodeGroupId: id(g),
  corridorId: id(c),
  runtimeGroup: 'vllm',
  gpuModel: 'H100',
  gpuCount: 8,
  gpuMemoryGb: 640,
  capacityTokensPerS: 1000,
  lifecycle: 'active',
  lifecycleChangedAt: '2026-01-01T00:00:00.000Z',
  health: 'healthy',
  seenAt: '2026-01-01T00:00:00.000Z',
  latest: { gpuUtilPct: null, gpuTempC: null, powerW: null, tokensPerS: null, p95LatencyMs: null, queueDepth: null, errorRate: null },
  validKeys: 1,
  ...over,
});

// Two corridors; EU has three sites (Frankfurt, Paris, Madrid), APAC one (Tokyo).
const corridors = [corridor(1, 'EU'), corridor(2, 'APAC')];
const sites = [site(10, 1, 50.1, 8.7), site(11, 1, 48.9, 2.4, 'telecom_edge'), site(12, 1, 40.4, -3.7), site(13, 2, 35.7, 139.7)];
const groups = [group(20, 10), group(21, 11), group(22, 12), group(23, 13)];
const nodes = [
  node(100, 10, 20, 1, { capacityTokensPerS: 2000 }),
  node(101, 10, 20, 1, { health: 'critical', runtimeGroup: 'tgi' }),
  node(102, 10, 20, 1, { lifecycle: 'offline', health: 'stale' }),
  node(103, 11, 21, 1, { health: 'warning' }),
  node(104, 12, 22, 1),
  node(105, 13, 23, 2, { runtimeGroup: 'ollama' }),
];

describe('sites for the map', () => {
  it('sums running capacity and takes the worst health of running nodes', () => {
    const f = siteFigures(sites, nodes);
    const fra = f.find((s) => s.id === id(10))!;
    expect(fra).toMatchObject({ nodes: 3, running: 2, capacity: 3000, health: 'critical', counts: { healthy: 1, critical: 1, stale: 0 } });
    expect(f.find((s) => s.id === id(11))!.health).toBe('warning');
  });

  it('filters by corridor, site kind, runtime group and health; node filters count only matching nodes', () => {
    expect(siteFigures(sites, nodes, { ...NO_FILTERS, corridorIds: [id(2)] }).map((s) => s.name)).toEqual(['S13']);
    expect(siteFigures(sites, nodes, { ...NO_FILTERS, siteKinds: ['telecom_edge'] }).map((s) => s.name)).toEqual(['S11']);
    const tgi = siteFigures(sites, nodes, { ...NO_FILTERS, runtimeGroups: ['tgi'] });
    expect(tgi.map((s) => [s.name, s.nodes, s.health])).toEqual([['S10', 1, 'critical']]);
    expect(siteFigures(sites, nodes, { ...NO_FILTERS, health: ['warning', 'critical'] }).map((s) => s.name)).toEqual(['S10', 'S11']);
  });

  it('shows a site with no running node as unknown, not healthy', () => {
    expect(siteFigures([site(14, 1, 52.5, 13.4)], []).map((s) => [s.health, s.running])).toEqual([['unknown', 0]]);
  });

  it('says a site is drained from its node records: none, some or all of its nodes draining', () => {
    const at = (lifecycles: NodeRow['lifecycle'][]) =>
      siteFigures([site(15, 1, 52.5, 13.4)], lifecycles.map((lifecycle, k) => node(200 + k, 15, 24, 1, { lifecycle })))[0]!;
    expect(at(['active', 'active', 'active'])).toMatchObject({ draining: 0, drain: 'none' });
    expect(at(['draining', 'active', 'offline'])).toMatchObject({ draining: 1, drain: 'some', running: 2 });
    // Draining nodes still finish what they hold (health and capacity count them), but the site is drained.
    expect(at(['draining', 'draining'])).toMatchObject({ draining: 2, drain: 'all', running: 2, capacity: 2000, drainingCapacity: 2000, health: 'healthy' });
    expect(at(['draining', 'active', 'offline'])).toMatchObject({ capacity: 2000, drainingCapacity: 1000 });
    expect(at(['active', 'offline'])).toMatchObject({ capacity: 1000, drainingCapacity: 0 });
    // An offline or not yet active node takes no work either way: a site whose running nodes are
    // all draining takes no new work, so it is drained, and says what the rest are.
    expect(at(['draining', 'offline'])).toMatchObject({ draining: 1, running: 1, drain: 'all' });
    expect(at(['draining', 'draining', 'registered'])).toMatchObject({ draining: 2, drain: 'all' });
    // Nothing running at all (offline only) is not drained: it is down, as its health says.
    expect(at(['offline', 'offline'])).toMatchObject({ draining: 0, drain: 'none', health: 'unknown' });
    expect(at([])).toMatchObject({ draining: 0, drain: 'none' });
    expect([drainState(0, 0), drainState(0, 3), drainState(2, 3), drainState(3, 3), drainState(1, 1)]).toEqual(['none', 'none', 'some', 'all', 'all']);
    expect([drainLabel(0, 3, 3), drainLabel(2, 3, 3), drainLabel(3, 3, 3), drainLabel(1, 1, 1), drainLabel(9, 9, 10)]).toEqual([
      null,
      '2 of 3 nodes drained',
      'Drained (all 3 nodes)',
      'Drained (its one node)',
      'Drained (9 of 10 nodes; the rest are not in service)',
    ]);
  });

  it('names a draining node’s capacity apart: it finishes held work and takes nothing new', () => {
    const tok = (v: number) => `${v} tok/s`;
    expect(capacityWords(3000, 0, tok)).toBe('3000 tok/s capacity');
    expect(capacityWords(3000, 1000, tok)).toBe('2000 tok/s capacity for new work, 1000 tok/s finishing held work');
    // A drained site: nothing for new work, though its nodes still run.
    expect(capacityWords(2000, 2000, tok)).toBe('0 tok/s capacity for new work, 2000 tok/s finishing held work');
  });

  it('counts each corridor’s drained and partly drained sites from node records', () => {
    const drained = nodes.map((n) => (n.siteId === id(12) ? { ...n, lifecycle: 'draining' as const } : n.id === id(100) ? { ...n, lifecycle: 'draining' as const } : n));
    const by = drainedSitesByCorridor(siteFigures(sites, drained));
    // EU: Madrid's one node draining (all), Frankfurt one of three (some); APAC none.
    expect(by.get(id(1))).toEqual({ all: 1, some: 1 });
    expect(by.has(id(2))).toBe(false);
    expect(drainedSitesLabel(by.get(id(1)))).toBe('1 site drained, 1 partly');
    expect(drainedSitesLabel(by.get(id(2)))).toBeNull();
    expect(drainedSitesLabel({ all: 2, some: 0 })).toBe('2 sites drained');
    expect(drainedSitesLabel({ all: 0, some: 3 })).toBe('3 sites partly drained');
    expect(drainedSitesLabel({ all: 0, some: 1 })).toBe('1 site partly drained');
    // A site without nodes is not drained.
    expect(drainedSitesByCorridor(siteFigures([site(16, 2, 1, 1)], [])).size).toBe(0);
  });

  it('counts drained nodes on the graph’s sites and groups too', () => {
    const drained = nodes.map((n) => (n.siteId === id(12) ? { ...n, lifecycle: 'draining' as const } : n));
    const g = graphShape({ corridors, sites, groups, nodes: drained }, new Set([id(1)]));
    expect(g.nodes.filter((n) => n.kind === 'site').map((n) => [n.label, n.nodes, n.draining])).toEqual([
      ['S10', 3, 0],
      ['S11', 1, 0],
      ['S12', 1, 1],
    ]);
    expect(g.nodes.find((n) => n.label === 'EU')!.draining).toBe(1);
  });
});

describe('corridor links', () => {
  it('links each site to its nearest sites of the same corridor, each link once, never across corridors', () => {
    const links = corridorLinks(sites, 1);
    // Frankfurt–Paris are nearest to each other; Madrid's nearest is Paris; Tokyo is alone in APAC.
    expect(links.map((l) => [l.from, l.to].map((x) => x.slice(-2)).join('-')).sort()).toEqual(['10-11', '11-12']);
    expect(corridorLinks(sites, 2)).toHaveLength(3);
    expect(distanceKm(sites[0]!, sites[1]!)).toBeGreaterThan(450);
    expect(distanceKm(sites[0]!, sites[1]!)).toBeLessThan(500);
  });
});

describe('the topology graph', () => {
  const input = { corridors, sites, groups, nodes };

  it('shows only corridors when nothing is expanded, with counts and worst health', () => {
    const g = graphShape(input, new Set());
    // No group is shown, so no runtime either.
    expect(g.nodes.map((n) => [n.label, n.nodes, n.running, n.critical, n.health, n.expandable])).toEqual([
      ['EU', 5, 4, 1, 'critical', true],
      ['APAC', 1, 1, 0, 'healthy', true],
    ]);
    expect(g.edges).toEqual([]);
  });

  it('colours a corridor by the one corridor definition: one critical node of 80 is a warning; a declared outage wins', () => {
    const many = Array.from({ length: 80 }, (_, k) => node(1000 + k, 13, 23, 2, { health: k === 0 ? 'critical' : 'healthy' }));
    const big = { corridors, sites, groups, nodes: [...nodes.filter((n) => n.corridorId !== id(2)), ...many] };
    const apac = (signals?: Parameters<typeof graphShape>[3]) => graphShape(big, new Set(), undefined, signals).nodes.find((n) => n.label === 'APAC')!;
    expect(apac()).toMatchObject({ health: 'warning', critical: 1, running: 80 });
    // The site and node elements keep their worst-node colour: only corridors take the definition.
    expect(graphShape(big, new Set([id(2)])).nodes.find((n) => n.label === 'S13')!.health).toBe('critical');
    const declared = apac(new Map([[id(2), { declared: 'partial_outage' as const }]]));
    expect(declared).toMatchObject({ health: 'critical' });
    expect(declared.explain).toContain('Partial outage (declared)');
  });

  it('drills down corridor → site → group → node, with containment edges and links between visible sites', () => {
    const g = graphShape(input, new Set([id(1), id(10), id(20)]));
    expect(g.nodes.filter((n) => n.kind === 'site').map((n) => n.label)).toEqual(['S10', 'S11', 'S12']);
    expect(g.nodes.filter((n) => n.kind === 'node').map((n) => n.label)).toEqual(['n100', 'n101', 'n102']);
    expect(g.nodes.find((n) => n.label === 'n102')!.health).toBe('unknown');
    expect(g.edges.filter((e) => e.kind === 'contains')).toHaveLength(3 + 1 + 3);
    expect(g.edges.filter((e) => e.kind === 'link').length).toBeGreaterThan(0);
    // Runtime placement: the one shown group runs vLLM (2 nodes) and TGI (1).
    expect(g.nodes.filter((n) => n.kind === 'runtime').map((n) => [n.label, n.nodes])).toEqual([
      ['vLLM', 2],
      ['TGI', 1],
    ]);
    expect(g.edges.filter((e) => e.kind === 'placement').map((e) => [e.source, e.target, e.count])).toEqual([
      [id(20), runtimeNodeId('vllm'), 2],
      [id(20), runtimeNodeId('tgi'), 1],
    ]);
    expect(g.nodes.find((n) => n.id === id(11))).toMatchObject({ expanded: false, expandable: true });
  });

  it('an expanded child of a collapsed parent stays hidden', () => {
    const g = graphShape(input, new Set([id(10), id(20)]));
    expect(g.nodes.map((n) => n.kind)).toEqual(['corridor', 'corridor']);
  });

  it('refuses expansions past the element budget, so any grid stays navigable', () => {
    const many = Array.from({ length: 5000 }, (_, i) => node(1000 + i, 10, 20, 1));
    const g = graphShape({ ...input, nodes: many }, new Set([id(1), id(10), id(20)]), 3000);
    expect(g.refused).toEqual([id(20)]);
    expect(g.nodes.length + g.edges.length).toBeLessThanOrEqual(3000);
    expect(g.nodes.find((n) => n.id === id(20))).toMatchObject({ expanded: false, nodes: 5000 });
  });
});

describe('the element budget holds with runtime placement', () => {
  it('never draws more than the budget, placement edges included', () => {
    const manyGroups = Array.from({ length: 1200 }, (_, i) => group(5000 + i, 10));
    const runtimes = ['vllm', 'tgi', 'ollama'] as const;
    const manyNodes = manyGroups.flatMap((g, i) => runtimes.map((r, k) => node(20000 + i * 3 + k, 10, 5000 + i, 1, { runtimeGroup: r })));
    const g = graphShape({ corridors, sites, groups: manyGroups, nodes: manyNodes }, new Set([id(1), id(10)]), 3000);
    expect(g.nodes.filter((n) => n.kind === 'group')).toHaveLength(1200);
    expect(g.nodes.filter((n) => n.kind === 'runtime').map((n) => n.label)).toEqual(['vLLM', 'Ollama', 'TGI']);
    expect(g.nodes.length + g.edges.length).toBeLessThanOrEqual(3000);
  });
});

describe('the graph through a telemetry tick', () => {
  it('hands back the same object for every element that did not change', () => {
    const input = { corridors, sites, groups, nodes };
    const open = new Set([id(1), id(10), id(20), id(11)]);
    const before = graphShape(input, open).nodes;
    const prev = new Map(before.map((n) => [n.id, n]));
    // One node turns critical: its group, its site, its corridor and the runtime it runs change
    // (the node itself is not shown: its group is collapsed); nothing else does.
    const ticked = nodes.map((n) => (n.id === id(103) ? { ...n, health: 'critical' as const } : n));
    const after = reuseUnchanged(prev, graphShape({ ...input, nodes: ticked }, open).nodes);
    const changed = after.filter((n) => prev.get(n.id) !== n).map((n) => n.label);
    expect(changed.sort()).toEqual(['EU', 'G21', 'S11', 'vLLM']);
    // Nothing changed at all: every object is the previous one.
    expect(reuseUnchanged(prev, graphShape(input, open).nodes).every((n) => prev.get(n.id) === n)).toBe(true);
  });
});

describe('filters shared by the map and the graph', () => {
  it('keeps corridors, sites, groups and nodes that pass, by the same rule as the map', () => {
    const input = { corridors, sites, groups, nodes };
    expect(filtersActive(NO_FILTERS)).toBe(false);
    const tgi = filterGrid(input, { ...NO_FILTERS, runtimeGroups: ['tgi'] });
    expect(tgi.sites.map((s) => s.name)).toEqual(siteFigures(sites, nodes, { ...NO_FILTERS, runtimeGroups: ['tgi'] }).map((s) => s.name));
    expect(tgi.nodes.map((n) => n.hostname)).toEqual(['n101']);
    expect(tgi.groups.map((g) => g.name)).toEqual(['G20']);
    const apac = filterGrid(input, { ...NO_FILTERS, corridorIds: [id(2)] });
    expect(apac.corridors.map((c) => c.name)).toEqual(['APAC']);
    expect(apac.nodes.map((n) => n.hostname)).toEqual(['n105']);
    // Nothing passes: empty, not everything.
    expect(filterGrid(input, { ...NO_FILTERS, health: ['stale'], corridorIds: [id(2)] }).sites).toEqual([]);
  });
});

describe('declared state and failover on the map', () => {
  it('colours a site by the worse of its telemetry and its corridor’s declared state', () => {
    expect(shownHealth('healthy', 'major_outage')).toBe('critical');
    expect(shownHealth('healthy', 'degraded_performance')).toBe('warning');
    expect(shownHealth('critical', 'degraded_performance')).toBe('critical');
    expect(shownHealth('warning', 'under_maintenance')).toBe('warning');
    expect(shownHealth('stale', null)).toBe('stale');
  });

  it('sends a critical site’s capacity to the nearest healthy site of its corridor, never across corridors', () => {
    const figures = siteFigures(sites, nodes);
    // Frankfurt (S10) is critical; Paris (S11) is warning and nearer than Madrid (S12).
    const flows = failoverFlows(figures);
    expect(flows.map((f) => [f.from, f.to, f.capacity, f.health])).toEqual([[id(10), id(11), 3000, 'critical']]);
    // With Paris critical too (declared), Frankfurt goes to Madrid, and Paris to Madrid as well.
    const declared = failoverFlows(figures, (s) => (s.id === id(11) ? 'critical' : s.health));
    expect(declared.map((f) => [f.from, f.to])).toEqual([
      [id(10), id(12)],
      [id(11), id(12)],
    ]);
    // Tokyo alone in APAC: nowhere to go, no flow.
    expect(failoverFlows(figures, () => 'critical')).toEqual([]);
  });

  it('never fails traffic over into a drained site, nor draws it away from one', () => {
    // Paris (S11) drained: Frankfurt's traffic goes to Madrid instead.
    const parisDrained = siteFigures(sites, nodes.map((n) => (n.siteId === id(11) ? { ...n, lifecycle: 'draining' as const } : n)));
    expect(failoverFlows(parisDrained).map((f) => [f.from, f.to])).toEqual([[id(10), id(12)]]);
    // Frankfurt itself drained: it takes no new traffic, so none fails over from it.
    const fraDrained = siteFigures(sites, nodes.map((n) => (n.siteId === id(10) && n.lifecycle === 'active' ? { ...n, lifecycle: 'draining' as const } : n)));
    expect(failoverFlows(fraDrained)).toEqual([]);
  });
});
