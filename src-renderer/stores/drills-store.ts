import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { DrillDetail } from '../../src-shared/contract/drills';
import { call, errorText } from '../bridge/client';

interface DrillsState {
  list: Response<'drills.list'>['drills'] | null;
  detail: DrillDetail | null;
  error: string | null;
  loadList(): Promise<void>;
  loadDetail(id: string): Promise<void>;
  /** A command answered with the drill as it is now: show that, and refresh the list behind it. */
  show(d: DrillDetail): void;
  clear(): void;
}

export const useDrills = create<DrillsState>((set, get) => ({
  list: null,
  detail: null,
  error: null,
  async loadList() {
    try {
      set({ list: (await call('drills.list', {})).drills, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadDetail(id) {
    try {
      set({ detail: (await call('drills.get', { drillId: id })).drill, error: null });
    } catch (err) {
      set({ detail: null, error: errorText(err) });
    }
  },
  show(d) {
    set({ detail: d });
    void get().loadList();
  },
  clear() {
    set({ list: null, detail: null, error: null });
  },
}));
