import { type Corridor, type NodeGroup, type NodeRow, RUNTIME_GROUPS, RUNTIME_LABELS, type Site } from '../contract/grid';
import { corridorHealth, type CorridorHealthInput, runningCounts } from './corridor-health';
import { type Health, HEALTH_RANK } from './node-health';
import { corridorLinks, isDraining, isRunning } from './network';

/**
 * The topology graph: corridor → site → node group → node, collapsed by default, with counts and
 * worst health on whatever is collapsed, network links between the sites shown, and runtime
 * placement (which runtimes a shown node group serves). Pure, so the view, the tests and the
 * benchmark shape the same graph.
 */
export type GraphKind = 'corridor' | 'site' | 'group' | 'node' | 'runtime';

export interface GraphNode {
  id: string;
  kind: GraphKind;
  label: string;
  /** For groups and nodes: the site or group; for sites: the corridor; corridors and runtimes: null. */
  parentId: string | null;
  health: Health;
  /** Nodes below (1 for a node; for a runtime: nodes of the shown groups that run it). */
  nodes: number;
  running: number;
  /** Of `nodes`, those drained (lifecycle 'draining'; they still count as running). graphShape always sets it; absent reads as 0. */
  draining?: number;
  critical: number;
  /** Has children to show, and whether they are shown. */
  expandable: boolean;
  expanded: boolean;
  /** For nodes: the runtime group. */
  runtime?: NodeRow['runtimeGroup'];
  /** For corridors: why it has this health (the shared corridor definition). */
  explain?: string;
}

/** What a corridor's health takes besides its nodes: its declared state and open incidents. */
export type CorridorSignals = ReadonlyMap<string, Omit<CorridorHealthInput, 'counts'>>;

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** contains: the hierarchy; link: a network link between sites; placement: a group serves a runtime. */
  kind: 'contains' | 'link' | 'placement';
  /** For placement: how many of the group's nodes run it. */
  count?: number;
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
  draining: number;
  critical: number;
  worst: Health;
}

function aggregate(list: readonly NodeRow[]): Agg {
  let running = 0;
  let draining = 0;
  let critical = 0;
  let worst: Health = 'healthy';
  let any = false;
  for (const n of list) {
    if (isDraining(n)) draining++;
    if (!isRunning(n)) continue;
    running++;
    any = true;
    if (n.health === 'critical') critical++;
    if (HEALTH_RANK[n.health] > HEALTH_RANK[worst]) worst = n.health;
  }
  return { nodes: list.length, running, draining, critical, worst: any ? worst : 'unknown' };
}

function index<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    const bucket = out.get(k);
    if (bucket) bucket.push(t);
    else out.set(k, [t]);
  }
  return out;
}

export const runtimeNodeId = (runtime: NodeRow['runtimeGroup']) => `runtime:${runtime}`;

/**
 * The graph for a set of expanded ids: corridors always; a corridor's sites when it is expanded; a
 * site's node groups when the site is; a group's nodes when the group is. Links between sites of a
 * corridor are drawn between sites that are both shown; each shown group has a placement edge to
 * every runtime its nodes run. Expansions that would take the graph past `budget` elements are left
 * collapsed and reported, so 10,000 nodes stay navigable.
 */
export function graphShape(
  input: { corridors: readonly Corridor[]; sites: readonly Site[]; groups: readonly NodeGroup[]; nodes: readonly NodeRow[] },
  expanded: ReadonlySet<string>,
  budget = GRAPH_BUDGET,
  signals: CorridorSignals = new Map(),
): GraphShape {
  const nodesBySite = index(input.nodes, (n) => n.siteId);
  const nodesByGroup = index(input.nodes, (n) => n.nodeGroupId);
  const sitesByCorridor = index(input.sites, (s) => s.corridorId);
  const groupsBySite = index(input.groups, (g) => g.siteId);

  const out: GraphShape = { nodes: [], edges: [], refused: [] };
  const push = (n: Omit<GraphNode, 'health' | 'nodes' | 'running' | 'draining' | 'critical'>, agg: Agg) =>
    out.nodes.push({ ...n, health: agg.worst, nodes: agg.nodes, running: agg.running, draining: agg.draining, critical: agg.critical });
  // Room for the runtimes and their placement edges is kept back from the start.
  const reserve = RUNTIME_GROUPS.length * 2;
  const fits = (extra: number) => out.nodes.length + out.edges.length + extra * 2 + reserve <= budget;
  const shownGroups: { id: string; members: NodeRow[] }[] = [];

  for (const c of input.corridors) {
    const sites = sitesByCorridor.get(c.id) ?? [];
    const open = expanded.has(c.id) && sites.length > 0 && fits(sites.length);
    if (expanded.has(c.id) && !open && sites.length > 0) out.refused.push(c.id);
    // A corridor is coloured by the one corridor definition (share of bad nodes, incidents, declared
    // state), not by its worst node: one critical node out of 80 does not paint it red.
    const corridorNodes = sites.flatMap((s) => nodesBySite.get(s.id) ?? []);
    const agg = aggregate(corridorNodes);
    const ch = corridorHealth({ counts: runningCounts(corridorNodes), ...signals.get(c.id) });
    out.nodes.push({ id: c.id, kind: 'corridor', label: c.name, parentId: null, expandable: sites.length > 0, expanded: open, health: ch.health, nodes: agg.nodes, running: agg.running, draining: agg.draining, critical: agg.critical, explain: ch.explain });
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
        shownGroups.push({ id: g.id, members });
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
  for (const l of corridorLinks(visibleSites)) {
    if (!fits(0)) break;
    out.edges.push({ id: `link:${l.id}`, source: l.from, target: l.to, kind: 'link' });
  }

  // Runtime placement for the groups shown: one runtime element per runtime in use, one edge per
  // group and runtime it serves, with the count of its nodes running it.
  const perRuntime = new Map<NodeRow['runtimeGroup'], NodeRow[]>();
  for (const g of shownGroups) {
    for (const [runtime, list] of index(g.members, (n) => n.runtimeGroup)) {
      // The reserve keeps room for the runtimes themselves; placement edges stop at the budget.
      if (out.nodes.length + out.edges.length + RUNTIME_GROUPS.length >= budget) break;
      const r = runtime as NodeRow['runtimeGroup'];
      perRuntime.set(r, [...(perRuntime.get(r) ?? []), ...list]);
      out.edges.push({ id: `place:${g.id}:${r}`, source: g.id, target: runtimeNodeId(r), kind: 'placement', count: list.length });
    }
  }
  for (const r of RUNTIME_GROUPS) {
    const list = perRuntime.get(r);
    if (list) push({ id: runtimeNodeId(r), kind: 'runtime', label: RUNTIME_LABELS[r], parentId: null, expandable: false, expanded: false }, aggregate(list));
  }
  return out;
}

/** What an element of the graph shows; equal means a memoised element need not draw again. */
export function sameGraphNode(a: GraphNode, b: GraphNode): boolean {
  return (
    a.id === b.id &&
    a.label === b.label &&
    a.health === b.health &&
    a.nodes === b.nodes &&
    a.running === b.running &&
    a.draining === b.draining &&
    a.critical === b.critical &&
    a.expandable === b.expandable &&
    a.expanded === b.expanded &&
    a.parentId === b.parentId &&
    a.explain === b.explain
  );
}

/**
 * Keeps the previous object of every element that did not change, so a telemetry tick that turns
 * three nodes critical hands React Flow three new objects, not three thousand.
 */
export function reuseUnchanged(prev: ReadonlyMap<string, GraphNode>, next: readonly GraphNode[]): GraphNode[] {
  return next.map((n) => {
    const p = prev.get(n.id);
    return p && sameGraphNode(p, n) ? p : n;
  });
}
