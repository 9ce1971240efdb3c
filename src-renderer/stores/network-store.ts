import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { NO_FILTERS, type NetworkFilters } from '../../src-shared/domain/network';
import { call, errorText, subscribe } from '../bridge/client';
import { startGridLive, useGrid } from './grid-store';

type Overlay = Response<'network.overlay'>;
type SitePanel = Response<'network.site'>;

/** What is selected, on the map and the graph alike. */
export interface Selection {
  kind: 'corridor' | 'site' | 'group' | 'node';
  id: string;
  /** The site a group or node belongs to (what the map shows selected). */
  siteId: string | null;
}

type ListKey = keyof NetworkFilters;

/** An incident's blast radius shown on the map (set by "Show on map" from the incident). */
export interface Blast {
  incidentId: string;
  ref: string;
  title: string;
  severity: string;
  drill: boolean;
  corridorIds: string[];
  siteIds: string[];
}

interface NetworkState {
  overlay: Overlay | null;
  blast: Blast | null;
  clearBlast(): void;
  overlayError: string | null;
  filters: NetworkFilters;
  selection: Selection | null;
  /** Expanded elements of the topology graph. */
  expanded: ReadonlySet<string>;
  panel: SitePanel | null;
  panelFor: string | null;
  panelError: string | null;
  /** Bumped when a search or a selection from elsewhere asks the map to fly to the selection. */
  focusSeq: number;
  /** Bumped to ask the map to frame every shown site again. */
  fitSeq: number;
  fitMap(): void;
  toggleFilter<K extends ListKey>(key: K, value: NetworkFilters[K][number]): void;
  clearFilters(): void;
  select(sel: Selection | null, focus?: boolean): void;
  toggleExpanded(id: string): void;
  /** Expands the path to an element (corridor → site → group) so the graph shows it. */
  reveal(ids: readonly string[]): void;
  collapseAll(): void;
  loadOverlay(): Promise<void>;
  loadPanel(): Promise<void>;
  reset(): void;
}

let panelSeq = 0;

export const useNetwork = create<NetworkState>((set, get) => ({
  overlay: null,
  blast: null,
  clearBlast() {
    if (get().blast) set({ blast: null, filters: NO_FILTERS, fitSeq: get().fitSeq + 1 });
  },
  overlayError: null,
  filters: NO_FILTERS,
  selection: null,
  expanded: new Set(),
  panel: null,
  panelFor: null,
  panelError: null,
  focusSeq: 0,
  fitSeq: 0,
  fitMap() {
    set({ fitSeq: get().fitSeq + 1 });
  },
  toggleFilter(key, value) {
    const list = get().filters[key] as readonly unknown[];
    const next = list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
    // The map frames what the filter leaves (a filter that leaves sites off screen looked empty).
    set({ filters: { ...get().filters, [key]: next }, fitSeq: get().fitSeq + 1 });
  },
  clearFilters() {
    set({ filters: NO_FILTERS, blast: null, fitSeq: get().fitSeq + 1 });
  },
  select(selection, focus = false) {
    const before = get().selection;
    set({ selection, ...(focus ? { focusSeq: get().focusSeq + 1 } : {}) });
    if ((selection?.siteId ?? null) !== (before?.siteId ?? null)) void get().loadPanel();
  },
  toggleExpanded(id) {
    const expanded = new Set(get().expanded);
    if (expanded.has(id)) expanded.delete(id);
    else expanded.add(id);
    set({ expanded });
  },
  reveal(ids) {
    if (ids.every((id) => get().expanded.has(id))) return;
    set({ expanded: new Set([...get().expanded, ...ids]) });
  },
  collapseAll() {
    set({ expanded: new Set() });
  },
  async loadOverlay() {
    try {
      set({ overlay: await call('network.overlay', {}), overlayError: null });
    } catch (err) {
      set({ overlayError: errorText(err) });
    }
  },
  async loadPanel() {
    const siteId = get().selection?.siteId ?? null;
    const seq = ++panelSeq;
    if (!siteId) {
      set({ panel: null, panelFor: null, panelError: null });
      return;
    }
    if (get().panelFor !== siteId) set({ panel: null, panelFor: siteId, panelError: null });
    try {
      const panel = await call('network.site', { siteId });
      if (seq === panelSeq) set({ panel, panelFor: siteId, panelError: null });
    } catch (err) {
      if (seq === panelSeq) set({ panelError: errorText(err) });
    }
  },
  reset() {
    panelSeq++;
    // A blast radius is for the visit it was asked for: its corridor filter goes with it.
    const blast = get().blast ? { blast: null, filters: NO_FILTERS } : {};
    set({ overlay: null, overlayError: null, selection: null, expanded: new Set(), panel: null, panelFor: null, panelError: null, ...blast });
  },
}));

/**
 * Live while a network view is open: the grid (structure at once, figures every 15 s, through the
 * grid store) and the overlay (a corridor's declared state, open incidents) on their own topics.
 * The open site panel follows both.
 */
export function startNetworkLive(): () => void {
  const s = () => useNetwork.getState();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void s().loadOverlay();
      void s().loadPanel();
    }, 150);
  };
  void useGrid.getState().load();
  const stopGrid = startGridLive();
  void s().loadOverlay();
  const offStatus = subscribe('status.changed', soon);
  const offIncidents = subscribe('incidents.changed', soon);
  // Telemetry refreshes the grid store on a timer; the panel's figures follow it.
  const offGrid = useGrid.subscribe((g, prev) => {
    if (g.nodesAt !== prev.nodesAt) void s().loadPanel();
  });
  return () => {
    stopGrid();
    offStatus();
    offIncidents();
    offGrid();
    if (timer) clearTimeout(timer);
  };
}
