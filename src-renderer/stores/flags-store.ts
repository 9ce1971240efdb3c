import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

interface FlagsState {
  data: Response<'flags.list'> | null;
  error: string | null;
  load(): Promise<void>;
}

export const useFlags = create<FlagsState>((set) => ({
  data: null,
  error: null,
  async load() {
    try {
      set({ data: await call('flags.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

export function startFlagsLive(): () => void {
  return subscribe('flags.changed', () => void useFlags.getState().load());
}
