import { create } from 'zustand';
import type { RunbookDetail, RunbookSummary } from '../../src-shared/contract/runbooks';
import { call, errorText } from '../bridge/client';

interface RunbooksState {
  list: RunbookSummary[] | null;
  detail: RunbookDetail | null;
  error: string | null;
  loadList(): Promise<void>;
  loadDetail(id: string, version?: number): Promise<void>;
  /** A command answered with the runbook as it is now: show that, and refresh the list behind it. */
  show(r: RunbookDetail): void;
  clear(): void;
}

export const useRunbooks = create<RunbooksState>((set, get) => ({
  list: null,
  detail: null,
  error: null,
  async loadList() {
    try {
      set({ list: (await call('runbooks.list', {})).runbooks, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadDetail(id, version) {
    try {
      set({ detail: (await call('runbooks.get', { runbookId: id, ...(version ? { version } : {}) })).runbook, error: null });
    } catch (err) {
      set({ detail: null, error: errorText(err) });
    }
  },
  show(r) {
    set({ detail: r });
    void get().loadList();
  },
  clear() {
    set({ list: null, detail: null, error: null });
  },
}));
