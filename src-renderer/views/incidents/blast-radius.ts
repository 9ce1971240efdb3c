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
