import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { Advisory } from '../../src-shared/contract/advisories';
import { call, errorText } from '../bridge/client';

type List = Response<'advisories.list'>;

interface AdvisoriesState {
  data: List | null;
  error: string | null;
  scanning: boolean;
  load(): Promise<void>;
  /** Run the scan now; the list reloads with what it raised and closed. */
  scan(): Promise<Response<'advisories.scan'>['scan']>;
  /** A command answered with the advisory as it is now: show that in place, then reload. */
  show(a: Advisory): void;
  clear(): void;
}

export const useAdvisories = create<AdvisoriesState>((set, get) => ({
  data: null,
  error: null,
  scanning: false,
  async load() {
    try {
      set({ data: await call('advisories.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async scan() {
    set({ scanning: true });
    try {
      const r = await call('advisories.scan', {});
      await get().load();
      return r.scan;
    } finally {
      set({ scanning: false });
    }
  },
  show(a) {
    const d = get().data;
    if (d) set({ data: { ...d, advisories: d.advisories.map((x) => (x.id === a.id ? a : x)) } });
    void get().load();
  },
  clear() {
    set({ data: null, error: null, scanning: false });
  },
}));
