import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

type AlertsList = Response<'alerts.list'>;
type History = Response<'alerts.history'>['events'];

interface AlertsState {
  data: AlertsList | null;
  history: History;
  error: string | null;
  load(): Promise<void>;
}

export const useAlerts = create<AlertsState>((set) => ({
  data: null,
  history: [],
  error: null,
  async load() {
    try {
      const [data, history] = await Promise.all([call('alerts.list', {}), call('alerts.history', { limit: 50 })]);
      set({ data, history: history.events, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** State changes are pushed; the figures of pending and firing alerts move every evaluation (15 s). */
export function startAlertsLive(): () => void {
  const off = subscribe('alerts.changed', () => void useAlerts.getState().load());
  const tick = setInterval(() => void useAlerts.getState().load(), 15_000);
  return () => {
    off();
    clearInterval(tick);
  };
}
