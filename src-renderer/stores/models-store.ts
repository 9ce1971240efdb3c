import { create } from 'zustand';
import type { CatalogEntry } from '../../src-shared/contract/models';
import { call, errorText, subscribe } from '../bridge/client';

interface ModelsState {
  models: CatalogEntry[] | null;
  error: string | null;
  load(): Promise<void>;
}

export const useModels = create<ModelsState>((set) => ({
  models: null,
  error: null,
  async load() {
    try {
      set({ models: (await call('models.list', {})).models, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** A probe changes what runtimes serve: the catalog follows. */
export function startModelsLive(): () => void {
  return subscribe('runtimes.changed', () => void useModels.getState().load());
}
