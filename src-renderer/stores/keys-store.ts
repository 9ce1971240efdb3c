import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

type KeysList = Response<'keys.list'>;

interface KeysState {
  data: KeysList | null;
  staleDays: number;
  error: string | null;
  setStaleDays(days: number): void;
  load(): Promise<void>;
}

export const useKeys = create<KeysState>((set, get) => ({
  data: null,
  staleDays: 30,
  error: null,
  setStaleDays(staleDays) {
    set({ staleDays });
    void get().load();
  },
  async load() {
    try {
      set({ data: await call('keys.list', { staleDays: get().staleDays }), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** Key changes reload at once; use and refusals (not pushed) every 15 s. */
export function startKeysLive(): () => void {
  const off = subscribe('keys.changed', () => void useKeys.getState().load());
  const tick = setInterval(() => void useKeys.getState().load(), 15_000);
  return () => {
    off();
    clearInterval(tick);
  };
}
