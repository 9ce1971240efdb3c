import { create } from 'zustand';
import type { Component, HistoryEntry } from '../../src-shared/contract/status';
import type { ComponentState } from '../../src-shared/domain/component-status';
import { call, errorText, subscribe } from '../bridge/client';

interface StatusState {
  components: Component[];
  loaded: boolean;
  loading: boolean;
  error: string | null;
  history: Record<string, HistoryEntry[] | undefined>;
  load(): Promise<void>;
  loadHistory(componentId: string): Promise<void>;
  setState(componentId: string, state: ComponentState, reason: string, until?: string): Promise<Component>;
}

export const useStatus = create<StatusState>((set, get) => ({
  components: [],
  loaded: false,
  loading: false,
  error: null,
  history: {},
  async load() {
    set({ loading: true });
    try {
      const { components } = await call('status.list', {});
      set({ components, loaded: true, loading: false, error: null });
    } catch (err) {
      set({ loading: false, error: errorText(err) });
    }
  },
  async loadHistory(componentId) {
    try {
      const { entries } = await call('status.history', { componentId, limit: 50 });
      set({ history: { ...get().history, [componentId]: entries } });
    } catch {
      // The panel shows "could not load"; the list itself is unaffected.
      set({ history: { ...get().history, [componentId]: [] } });
    }
  },
  async setState(componentId, state, reason, until) {
    const { component } = await call('status.setState', { componentId, state, reason, ...(until ? { until } : {}) });
    set({ components: get().components.map((c) => (c.id === component.id ? component : c)) });
    void get().loadHistory(componentId);
    return component;
  },
}));

let timer: ReturnType<typeof setTimeout> | null = null;

/** Live: another operator's change reloads the list (coalesced) and the changed component's history. */
export function startStatusLive(): () => void {
  return subscribe('status.changed', ({ componentId }) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void useStatus.getState().load();
    }, 50);
    if (useStatus.getState().history[componentId]) void useStatus.getState().loadHistory(componentId);
  });
}
