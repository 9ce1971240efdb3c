import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

interface MigrationsState {
  data: Response<'migrations.overview'> | null;
  verification: Response<'migrations.verify'> | null;
  error: string | null;
  load(): Promise<void>;
  verify(): Promise<void>;
}

export const useMigrations = create<MigrationsState>((set) => ({
  data: null,
  verification: null,
  error: null,
  async load() {
    try {
      set({ data: await call('migrations.overview', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async verify() {
    set({ verification: await call('migrations.verify', {}) });
  },
}));

export function startMigrationsLive(): () => void {
  return subscribe('migrations.changed', () => void useMigrations.getState().load());
}
