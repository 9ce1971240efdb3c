import type { Corridor, NodeGroup, NodeRow, Site } from '../contract/grid';
import { type Health, HEALTH_RANK, HEALTH_STATES, worstHealth } from './node-health';

/**
 * The grid shaped for the network views: sites with their figures and worst health (the map),
 * the links between sites of a corridor (arcs), and the corridor → site → node group → node
 * hierarchy with aggregation (the topology graph). Pure: the views and the benchmarks feed it
 * the same data.
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
  counts: HealthCounts;
  /** Worst health of the running nodes; 'unknown' when none runs. */
  health: Health;
}

const zero = (): HealthCounts => Object.fromEntries(HEALTH_STATES.map((h) => [h, 0])) as HealthCounts;
const isRunning = (n: Pick<NodeRow, 'lifecycle'>) => n.lifecycle === 'active' || n.lifecycle === 'draining';

function nodePasses(n: NodeRow, f: NetworkFilters): boolean {
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
    for (const n of mine) {
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
      counts,
      health: running === 0 ? 'unknown' : worstHealth(HEALTH_STATES.filter((h) => counts[h] > 0)),
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

export type GraphKind = 'corridor' | 'site' | 'group' | 'node';

export interface GraphNode {
  id: string;
  kind: GraphKind;
  label: string;
  /** For groups and nodes: the site; for sites: the corridor; for corridors: null. */
  parentId: string | null;
  health: Health;
  /** Nodes below (1 for a node). */
  nodes: number;
  running: number;
  critical: number;
  /** Has children to show, and whether they are shown. */
  expandable: boolean;
  expanded: boolean;
  /** For nodes: the runtime group (placement edges and labels). */
  runtime?: NodeRow['runtimeGroup'];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: 'contains' | 'link';
}

export interface GraphShape {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Expansions not drawn because they would pass the element budget. */
  refused: string[];
}

/** The most elements the graph draws at once, whatever is expanded: beyond it, expanding is refused. */
export const GRAPH_BUDGET = 3000;

interface Agg {
  nodes: number;
  running: number;
  critical: number;
  worst: Health;
}

function aggregate(list: readonly NodeRow[]): Agg {
  let running = 0;
  let critical = 0;
  let worst: Health = 'healthy';
  let any = false;
  for (const n of list) {
    if (!isRunning(n)) continue;
    running++;
    any = true;
    if (n.health === 'critical') critical++;
    if (HEALTH_RANK[n.health] > HEALTH_RANK[worst]) worst = n.health;
  }
  return { nodes: list.length, running, critical, worst: any ? worst : 'unknown' };
}

/**
 * The topology graph for a set of expanded ids: corridors always; a corridor's sites when it is
 * expanded; a site's node groups when the site is; a group's nodes when the group is. Collapsed
 * elements carry counts and worst health. Links between sites of a corridor are drawn between
 * sites that are both visible. Expansions that would take the graph past `budget` elements are
 * left collapsed and reported, so 10,000 nodes stay navigable.
 */
export function graphShape(
  input: { corridors: readonly Corridor[]; sites: readonly Site[]; groups: readonly NodeGroup[]; nodes: readonly NodeRow[] },
  expanded: ReadonlySet<string>,
  budget = GRAPH_BUDGET,
): GraphShape {
  const nodesBySite = new Map<string, NodeRow[]>();
  const nodesByGroup = new Map<string, NodeRow[]>();
  for (const n of input.nodes) {
    (nodesBySite.get(n.siteId) ?? nodesBySite.set(n.siteId, []).get(n.siteId)!).push(n);
    (nodesByGroup.get(n.nodeGroupId) ?? nodesByGroup.set(n.nodeGroupId, []).get(n.nodeGroupId)!).push(n);
  }
  const sitesByCorridor = new Map<string, Site[]>();
  for (const s of input.sites) (sitesByCorridor.get(s.corridorId) ?? sitesByCorridor.set(s.corridorId, []).get(s.corridorId)!).push(s);
  const groupsBySite = new Map<string, NodeGroup[]>();
  for (const g of input.groups) (groupsBySite.get(g.siteId) ?? groupsBySite.set(g.siteId, []).get(g.siteId)!).push(g);

  const out: GraphShape = { nodes: [], edges: [], refused: [] };
  const push = (n: Omit<GraphNode, 'health' | 'nodes' | 'running' | 'critical'>, agg: Agg) =>
    out.nodes.push({ ...n, health: agg.worst, nodes: agg.nodes, running: agg.running, critical: agg.critical });
  const fits = (extra: number) => out.nodes.length + out.edges.length + extra * 2 <= budget;

  for (const c of input.corridors) {
    const sites = sitesByCorridor.get(c.id) ?? [];
    const corridorNodes = sites.flatMap((s) => nodesBySite.get(s.id) ?? []);
    const open = expanded.has(c.id) && sites.length > 0 && fits(sites.length);
    if (expanded.has(c.id) && !open && sites.length > 0) out.refused.push(c.id);
    push({ id: c.id, kind: 'corridor', label: c.name, parentId: null, expandable: sites.length > 0, expanded: open }, aggregate(corridorNodes));
    if (!open) continue;
    for (const s of sites) {
      const groups = groupsBySite.get(s.id) ?? [];
      const siteOpen = expanded.has(s.id) && groups.length > 0 && fits(groups.length);
      if (expanded.has(s.id) && !siteOpen && groups.length > 0) out.refused.push(s.id);
      push({ id: s.id, kind: 'site', label: s.name, parentId: c.id, expandable: groups.length > 0, expanded: siteOpen }, aggregate(nodesBySite.get(s.id) ?? []));
      out.edges.push({ id: `${c.id}>${s.id}`, source: c.id, target: s.id, kind: 'contains' });
      if (!siteOpen) continue;
      for (const g of groups) {
        const members = nodesByGroup.get(g.id) ?? [];
        const groupOpen = expanded.has(g.id) && members.length > 0 && fits(members.length);
        if (expanded.has(g.id) && !groupOpen && members.length > 0) out.refused.push(g.id);
        push({ id: g.id, kind: 'group', label: g.name, parentId: s.id, expandable: members.length > 0, expanded: groupOpen }, aggregate(members));
        out.edges.push({ id: `${s.id}>${g.id}`, source: s.id, target: g.id, kind: 'contains' });
        if (!groupOpen) continue;
        for (const n of members) {
          push({ id: n.id, kind: 'node', label: n.hostname, parentId: g.id, expandable: false, expanded: false, runtime: n.runtimeGroup }, aggregate([n]));
          out.edges.push({ id: `${g.id}>${n.id}`, source: g.id, target: n.id, kind: 'contains' });
        }
      }
    }
  }
  const shown = new Set(out.nodes.map((n) => n.id));
  const visibleSites = input.sites.filter((s) => shown.has(s.id));
  for (const l of corridorLinks(visibleSites)) out.edges.push({ id: `link:${l.id}`, source: l.from, target: l.to, kind: 'link' });
  return out;
}
