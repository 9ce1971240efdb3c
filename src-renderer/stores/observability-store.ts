import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { ScoreName } from '../../src-shared/contract/observability';
import { call, errorText } from '../bridge/client';

type Overview = Response<'observability.overview'>;
type Series = Response<'observability.series'>;
type Drill = Response<'observability.drilldown'>;

interface ObservabilityState {
  overview: Overview | null;
  series: Series | null;
  drill: Drill | null;
  /** null: the whole grid. */
  corridorId: string | null;
  window: '1h' | '24h';
  score: ScoreName | null;
  error: string | null;
  select(corridorId: string | null, score?: ScoreName | null): void;
  setWindow(w: '1h' | '24h'): void;
  load(): Promise<void>;
  loadSeries(): Promise<void>;
  loadDrill(): Promise<void>;
}

export const useObservability = create<ObservabilityState>((set, get) => ({
  overview: null,
  series: null,
  drill: null,
  corridorId: null,
  window: '1h',
  score: null,
  error: null,
  select(corridorId, score = null) {
    const changed = corridorId !== get().corridorId;
    set({ corridorId, score, drill: null });
    if (changed) void get().loadSeries();
    if (score) void get().loadDrill();
  },
  setWindow(window) {
    set({ window });
    void get().loadSeries();
  },
  async load() {
    try {
      set({ overview: await call('observability.overview', {}), error: null });
      if (get().score) void get().loadDrill();
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadSeries() {
    const { corridorId, window } = get();
    try {
      const series = await call('observability.series', { corridorId, window });
      // An answer for a corridor or window the operator has since left (a slow minute's refresh
      // landing after a newer request) must not replace what is asked for now.
      if (get().corridorId === corridorId && get().window === window) set({ series });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadDrill() {
    const { corridorId, score } = get();
    if (!score) return;
    try {
      const drill = await call('observability.drilldown', { corridorId, score });
      if (get().corridorId === corridorId && get().score === score) set({ drill });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** Scores follow the latest telemetry (15 s); the charts add a point a minute. */
export function startObservabilityLive(): () => void {
  const s = useObservability.getState();
  void s.load();
  void s.loadSeries();
  const fast = setInterval(() => void useObservability.getState().load(), 15_000);
  const slow = setInterval(() => void useObservability.getState().loadSeries(), 60_000);
  return () => {
    clearInterval(fast);
    clearInterval(slow);
  };
}
