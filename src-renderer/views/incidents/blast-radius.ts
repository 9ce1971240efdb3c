/**
 * An incident's blast radius on the grid: what it names, widened to what that contains (a
 * corridor: all its sites) and narrowed to where it sits (a node: its site and corridor). Pure, so
 * it is tested without a map.
 */
export interface BlastRadius {
  corridorIds: string[];
  siteIds: string[];
}

export function blastRadius(
  affected: readonly { kind: 'corridor' | 'site' | 'node'; id: string }[],
  sites: readonly { id: string; corridorId: string }[],
  nodes: readonly { id: string; siteId: string }[],
): BlastRadius {
  const siteById = new Map(sites.map((s) => [s.id, s]));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const corridorIds = new Set<string>();
  const siteIds = new Set<string>();
  for (const a of affected) {
    if (a.kind === 'corridor') {
      corridorIds.add(a.id);
      for (const s of sites) if (s.corridorId === a.id) siteIds.add(s.id);
      continue;
    }
    const siteId = a.kind === 'site' ? a.id : nodeById.get(a.id)?.siteId;
    const site = siteId ? siteById.get(siteId) : undefined;
    if (!site) continue; // deleted since, or not visible: nothing to draw
    siteIds.add(site.id);
    corridorIds.add(site.corridorId);
  }
  return { corridorIds: [...corridorIds], siteIds: [...siteIds] };
}

/** What a what-if takes down for an incident: exactly what it names, never widened. */
export interface IncidentOutage {
  corridorIds: string[];
  siteIds: string[];
  /** The runtimes on the nodes it names: a node serves customers through them. */
  runtimeIds: string[];
  /** Named nodes with no runtime connected: no customer traffic runs there to move. */
  idleNodes: number;
}

/**
 * An incident's affected grid as routing's what-if outage. A corridor or site it names goes down
 * whole; a node it names takes down the runtimes on it, not its site (one bad GPU box is not a
 * site outage, and routing would move far more traffic than the incident does).
 */
export function outageOf(affected: readonly { kind: 'corridor' | 'site' | 'node'; id: string }[], runtimes: readonly { id: string; nodeId: string }[]): IncidentOutage {
  const corridorIds = new Set<string>();
  const siteIds = new Set<string>();
  const runtimeIds = new Set<string>();
  let idleNodes = 0;
  for (const a of affected) {
    if (a.kind === 'corridor') corridorIds.add(a.id);
    else if (a.kind === 'site') siteIds.add(a.id);
    else {
      const on = runtimes.filter((r) => r.nodeId === a.id);
      if (on.length === 0) idleNodes++;
      for (const r of on) runtimeIds.add(r.id);
    }
  }
  return { corridorIds: [...corridorIds], siteIds: [...siteIds], runtimeIds: [...runtimeIds], idleNodes };
}
