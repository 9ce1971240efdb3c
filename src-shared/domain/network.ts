import type { Corridor, NodeGroup, NodeRow, Site } from '../contract/grid';
import { type Health, HEALTH_RANK, HEALTH_STATES, worstHealth } from './node-health';

/**
 * The grid shaped for the network views: sites with their figures and worst health (the map) and
 * the links between sites of a corridor (arcs). The corridor → site → node group → node hierarchy
 * is in network-graph.ts. Pure: the views and the benchmarks feed them the same data.
 */
export interface NetworkFilters {
  corridorIds: readonly string[];
  runtimeGroups: readonly NodeRow['runtimeGroup'][];
  health: readonly Health[];
  siteKinds: readonly Site['kind'][];
}

export const NO_FILTERS: NetworkFilters = { corridorIds: [], runtimeGroups: [], health: [], siteKinds: [] };

export type HealthCounts = Record<Health, number>;

export interface SiteFigure {
  id: string;
  name: string;
  corridorId: string;
  kind: Site['kind'];
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  /** Nodes of the site that pass the filters. */
  nodes: number;
  /** Active or draining among them. */
  running: number;
  /** Registered tokens/s of the running nodes. */
  capacity: number;
  /** Of `capacity`, the draining nodes' part: finishing held work, taking nothing new. */
  drainingCapacity: number;
  counts: HealthCounts;
  /** Worst health of the running nodes; 'unknown' when none runs. */
  health: Health;
  /** Of `nodes`, those an operator or a drill drained (lifecycle 'draining'). */
  draining: number;
  /** Whether the site is drained: none, some or all of its nodes (see drainState). */
  drain: DrainState;
}

/**
 * A site's drain state, computed from its node records: 'all' when it runs nodes and every one of
 * them is draining (routing sends it no new work, though the nodes still finish what they hold and
 * so still count as running; an offline or not yet active node takes no work either way), 'some'
 * when part of its running nodes are draining, 'none' otherwise (also a site with no nodes).
 */
export type DrainState = 'none' | 'some' | 'all';

export const isDraining = (n: Pick<NodeRow, 'lifecycle'>) => n.lifecycle === 'draining';

/** From the draining nodes and the running ones (active or draining) they are part of. */
export function drainState(draining: number, running: number): DrainState {
  if (draining <= 0 || running <= 0) return 'none';
  return draining >= running ? 'all' : 'some';
}

/** The words for a drain state, the same on the tooltip, the site panel and the graph. */
export function drainLabel(draining: number, running: number, nodes: number): string | null {
  const state = drainState(draining, running);
  if (state === 'none') return null;
  if (state === 'all') {
    if (draining < nodes) return `Drained (${draining} of ${nodes} nodes; the rest are not in service)`;
    return nodes === 1 ? 'Drained (its one node)' : `Drained (all ${nodes} nodes)`;
  }
  return `${draining} of ${nodes} nodes drained`;
}

/**
 * A site's capacity in words. Draining nodes still count as running (they finish what they hold),
 * so a drained site's full figure beside "0 running" read as if it could take work: their part is
 * named apart.
 */
export function capacityWords(capacity: number, drainingCapacity: number, fmt: (tokensPerS: number) => string): string {
  if (drainingCapacity <= 0) return `${fmt(capacity)} capacity`;
  const open = Math.max(0, capacity - drainingCapacity);
  return `${fmt(open)} capacity for new work, ${fmt(drainingCapacity)} finishing held work`;
}

/** Each corridor's drained and partly drained sites, from the sites' figures (siteFigures: node records). */
export function drainedSitesByCorridor(figures: readonly Pick<SiteFigure, 'corridorId' | 'drain'>[]): Map<string, { all: number; some: number }> {
  const out = new Map<string, { all: number; some: number }>();
  for (const f of figures) {
    if (f.drain === 'none') continue;
    const c = out.get(f.corridorId) ?? { all: 0, some: 0 };
    c[f.drain]++;
    out.set(f.corridorId, c);
  }
  return out;
}

/** The words for a corridor's drained sites (the wall display), or null when none is. */
export function drainedSitesLabel(c: { all: number; some: number } | undefined): string | null {
  if (!c || c.all + c.some === 0) return null;
  const parts = [];
  if (c.all > 0) parts.push(c.all === 1 ? '1 site drained' : `${c.all} sites drained`);
  if (c.some > 0) parts.push(c.all > 0 ? `${c.some} partly` : `${c.some === 1 ? '1 site' : `${c.some} sites`} partly drained`);
  return parts.join(', ');
}

/** Counts the draining nodes of a list and names the state. */
export function drainOf(nodes: readonly Pick<NodeRow, 'lifecycle'>[]): { draining: number; running: number; drain: DrainState } {
  const draining = nodes.filter(isDraining).length;
  const running = nodes.filter(isRunning).length;
  return { draining, running, drain: drainState(draining, running) };
}

const zero = (): HealthCounts => Object.fromEntries(HEALTH_STATES.map((h) => [h, 0])) as HealthCounts;
/** Active or draining: the nodes that serve, and so the ones health and capacity count. */
export const isRunning = (n: Pick<NodeRow, 'lifecycle'>) => n.lifecycle === 'active' || n.lifecycle === 'draining';

export function nodePasses(n: NodeRow, f: NetworkFilters): boolean {
  return (f.runtimeGroups.length === 0 || f.runtimeGroups.includes(n.runtimeGroup)) && (f.health.length === 0 || f.health.includes(n.health));
}

/**
 * Sites as the map shows them. A site is shown when its corridor and kind pass the filters and,
 * if a runtime or health filter is set, at least one of its nodes passes it; its figures count
 * only the nodes that pass.
 */
export function siteFigures(sites: readonly Site[], nodes: readonly NodeRow[], f: NetworkFilters = NO_FILTERS): SiteFigure[] {
  const bySite = new Map<string, NodeRow[]>();
  for (const n of nodes) {
    if (!nodePasses(n, f)) continue;
    const list = bySite.get(n.siteId);
    if (list) list.push(n);
    else bySite.set(n.siteId, [n]);
  }
  const nodeFilter = f.runtimeGroups.length > 0 || f.health.length > 0;
  const out: SiteFigure[] = [];
  for (const s of sites) {
    if (f.corridorIds.length > 0 && !f.corridorIds.includes(s.corridorId)) continue;
    if (f.siteKinds.length > 0 && !f.siteKinds.includes(s.kind)) continue;
    const mine = bySite.get(s.id) ?? [];
    if (nodeFilter && mine.length === 0) continue;
    const counts = zero();
    let running = 0;
    let capacity = 0;
    let drainingCapacity = 0;
    let draining = 0;
    for (const n of mine) {
      if (isDraining(n)) {
        draining++;
        drainingCapacity += n.capacityTokensPerS;
      }
      if (!isRunning(n)) continue;
      running++;
      capacity += n.capacityTokensPerS;
      counts[n.health]++;
    }
    out.push({
      id: s.id,
      name: s.name,
      corridorId: s.corridorId,
      kind: s.kind,
      country: s.country,
      city: s.city,
      latitude: s.latitude,
      longitude: s.longitude,
      nodes: mine.length,
      running,
      capacity,
      drainingCapacity,
      counts,
      health: running === 0 ? 'unknown' : worstHealth(HEALTH_STATES.filter((h) => counts[h] > 0)),
      draining,
      drain: drainState(draining, running),
    });
  }
  return out;
}

export interface Link {
  id: string;
  corridorId: string;
  from: string;
  to: string;
}

/** Great-circle distance in km (haversine), enough to choose neighbours. */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const r = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * r;
  const dLon = (b.longitude - a.longitude) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * r) * Math.cos(b.latitude * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The corridor's network as the map draws it: each site linked to its `k` nearest sites of the same
 * corridor (the backbone a corridor's traffic takes), each link once. Deterministic: ties break by id.
 */
export function corridorLinks(sites: readonly Pick<Site, 'id' | 'corridorId' | 'latitude' | 'longitude'>[], k = 2): Link[] {
  const byCorridor = new Map<string, (typeof sites)[number][]>();
  for (const s of sites) {
    const list = byCorridor.get(s.corridorId);
    if (list) list.push(s);
    else byCorridor.set(s.corridorId, [s]);
  }
  const seen = new Set<string>();
  const out: Link[] = [];
  for (const [corridorId, list] of byCorridor) {
    for (const s of list) {
      const nearest = list
        .filter((o) => o.id !== s.id)
        .map((o) => ({ o, d: distanceKm(s, o) }))
        .sort((a, b) => a.d - b.d || (a.o.id < b.o.id ? -1 : 1))
        .slice(0, k);
      for (const { o } of nearest) {
        const [from, to] = s.id < o.id ? [s.id, o.id] : [o.id, s.id];
        const id = `${from}:${to}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, corridorId, from, to });
      }
    }
  }
  return out;
}

/** Whether any filter is set (the views say "filtered" and offer to clear). */
export function filtersActive(f: NetworkFilters): boolean {
  return f.corridorIds.length + f.runtimeGroups.length + f.health.length + f.siteKinds.length > 0;
}

/**
 * The grid as the filters leave it, for the graph: corridors chosen, sites of those corridors and
 * kinds (and, with a runtime or health filter, only sites with a node that passes), their groups,
 * and the nodes that pass. The same rule as siteFigures, so the map and the graph agree.
 */
export function filterGrid<C extends { id: string }, G extends { siteId: string }>(
  input: { corridors: readonly C[]; sites: readonly Site[]; groups: readonly G[]; nodes: readonly NodeRow[] },
  f: NetworkFilters,
): { corridors: C[]; sites: Site[]; groups: G[]; nodes: NodeRow[] } {
  if (!filtersActive(f)) return { corridors: [...input.corridors], sites: [...input.sites], groups: [...input.groups], nodes: [...input.nodes] };
  const nodeFilter = f.runtimeGroups.length > 0 || f.health.length > 0;
  const nodes = input.nodes.filter((n) => nodePasses(n, f));
  const withNodes = new Set(nodes.map((n) => n.siteId));
  const sites = input.sites.filter(
    (s) =>
      (f.corridorIds.length === 0 || f.corridorIds.includes(s.corridorId)) &&
      (f.siteKinds.length === 0 || f.siteKinds.includes(s.kind)) &&
      (!nodeFilter || withNodes.has(s.id)),
  );
  const siteIds = new Set(sites.map((s) => s.id));
  return {
    corridors: input.corridors.filter((c) => f.corridorIds.length === 0 || f.corridorIds.includes(c.id)),
    sites,
    groups: input.groups.filter((g) => siteIds.has(g.siteId)),
    nodes: nodes.filter((n) => siteIds.has(n.siteId)),
  };
}
