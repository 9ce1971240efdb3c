import type { NodeRow, Site } from '../../../src-shared/contract/grid';
import type { Health } from '../../../src-shared/domain/node-health';
import type { Lifecycle } from '../../../src-shared/domain/node-lifecycle';

export interface NodeFilters {
  q: string;
  corridorId: string;
  siteId: string;
  runtimeGroup: string;
  lifecycle: Lifecycle | '';
  health: Health | '';
}

export const EMPTY_FILTERS: NodeFilters = { q: '', corridorId: '', siteId: '', runtimeGroup: '', lifecycle: '', health: '' };

/** Pure, so it is tested without a browser; 10,000 rows filter in well under a frame. */
export function filterNodes(nodes: readonly NodeRow[], f: NodeFilters, sitesById: ReadonlyMap<string, Site>): NodeRow[] {
  const q = f.q.trim().toLowerCase();
  return nodes.filter((n) => {
    if (f.corridorId && n.corridorId !== f.corridorId) return false;
    if (f.siteId && n.siteId !== f.siteId) return false;
    if (f.runtimeGroup && n.runtimeGroup !== f.runtimeGroup) return false;
    if (f.lifecycle && n.lifecycle !== f.lifecycle) return false;
    if (f.health && n.health !== f.health) return false;
    if (q) {
      const site = sitesById.get(n.siteId);
      const hay = `${n.hostname} ${site?.name ?? ''} ${site?.city ?? ''} ${n.gpuModel}`.toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
}

export function activeFilterCount(f: NodeFilters): number {
  return Object.values(f).filter((v) => v !== '').length;
}
