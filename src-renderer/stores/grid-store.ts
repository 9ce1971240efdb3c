import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { NodeRow } from '../../src-shared/contract/grid';
import { call, errorText, subscribe } from '../bridge/client';
import { EMPTY_FILTERS, type NodeFilters } from '../views/nodes/filter';

type Overview = Response<'grid.overview'>;

interface GridState {
  overview: Overview | null;
  nodes: NodeRow[];
  nodesAt: string | null;
  loaded: boolean;
  error: string | null;
  filters: NodeFilters;
  setFilter<K extends keyof NodeFilters>(key: K, value: NodeFilters[K]): void;
  clearFilters(): void;
  load(): Promise<void>;
  loadNodes(): Promise<void>;
}

// Selectors for what exists only once the overview has loaded. A selector must return the same
// value while the store is unchanged: a fresh `[]` on every call makes React re-render without
// end ("Maximum update depth exceeded"), which blanked the app when a dialog opened before the
// grid had loaded (a 10,000-node grid loads slowly enough to show it).
const NONE: readonly never[] = Object.freeze([]);
export const selectSites = (s: GridState) => s.overview?.sites ?? NONE;
export const selectCorridors = (s: GridState) => s.overview?.corridors ?? NONE;

export const useGrid = create<GridState>((set, get) => ({
  overview: null,
  nodes: [],
  nodesAt: null,
  loaded: false,
  error: null,
  filters: EMPTY_FILTERS,
  setFilter(key, value) {
    const filters = { ...get().filters, [key]: value };
    // A site belongs to one corridor: changing the corridor clears a site of another.
    if (key === 'corridorId' && filters.siteId && get().overview?.sites.find((s) => s.id === filters.siteId)?.corridorId !== value) filters.siteId = '';
    set({ filters });
  },
  clearFilters() {
    set({ filters: EMPTY_FILTERS });
  },
  async load() {
    try {
      const [overview, nodes] = await Promise.all([call('grid.overview', {}), call('nodes.list', {})]);
      set({ overview, nodes: nodes.nodes, nodesAt: nodes.at, loaded: true, error: null });
    } catch (err) {
      set({ error: errorText(err), loaded: true });
    }
  },
  async loadNodes() {
    try {
      const r = await call('nodes.list', {});
      set({ nodes: r.nodes, nodesAt: r.at, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** Telemetry is not pushed (thousands of nodes report every few seconds): the list refreshes on a timer. */
export const NODES_REFRESH_MS = 15_000;

/** Live while a grid view is open: structural changes reload at once, figures every 15 s. */
export function startGridLive(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void useGrid.getState().load();
    }, 100);
  };
  const offNodes = subscribe('nodes.changed', soon);
  const offSites = subscribe('sites.changed', soon);
  const tick = setInterval(() => void useGrid.getState().loadNodes(), NODES_REFRESH_MS);
  return () => {
    offNodes();
    offSites();
    clearInterval(tick);
    if (timer) clearTimeout(timer);
  };
}
