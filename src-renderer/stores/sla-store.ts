import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText } from '../bridge/client';

interface SlaState {
  data: Response<'sla.list'> | null;
  error: string | null;
  load(): Promise<void>;
}

export const useSla = create<SlaState>((set) => ({
  data: null,
  error: null,
  async load() {
    try {
      set({ data: await call('sla.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));
