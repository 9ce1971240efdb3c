import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

interface OperatorState {
  data: Response<'operator.summary'> | null;
  error: string | null;
  load(): Promise<void>;
}

export const useOperator = create<OperatorState>((set) => ({
  data: null,
  error: null,
  async load() {
    try {
      set({ data: await call('operator.summary', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/**
 * Everything on this screen changes somewhere else: incidents, alerts, checklist ticks and audit
 * events are pushed (coalesced into one reload), corridor health follows telemetry every 15 s.
 */
export function startOperatorLive(): () => void {
  let pending: ReturnType<typeof setTimeout> | null = null;
  const reload = () => {
    pending ??= setTimeout(() => {
      pending = null;
      void useOperator.getState().load();
    }, 150);
  };
  const topics = ['incidents.changed', 'alerts.changed', 'checklists.changed', 'audit.appended', 'readiness.changed'] as const;
  const offs = topics.map((t) => subscribe(t, reload));
  const tick = setInterval(reload, 15_000);
  return () => {
    for (const off of offs) off();
    clearInterval(tick);
    if (pending) clearTimeout(pending);
  };
}
