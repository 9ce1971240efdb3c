import { create } from 'zustand';
import type { Runtime } from '../../src-shared/contract/runtimes';
import { call, errorText, subscribe } from '../bridge/client';

interface RuntimesState {
  runtimes: Runtime[] | null;
  error: string | null;
  load(): Promise<void>;
}

export const useRuntimes = create<RuntimesState>((set) => ({
  runtimes: null,
  error: null,
  async load() {
    try {
      set({ runtimes: (await call('runtimes.list', {})).runtimes, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

export function startRuntimesLive(): () => void {
  return subscribe('runtimes.changed', () => void useRuntimes.getState().load());
}
