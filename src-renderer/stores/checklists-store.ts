import { create } from 'zustand';
import type { RequestIn, Response } from '../../src-shared/contract';
import type { RunSummary } from '../../src-shared/contract/checklists';
import type { TemplateKey } from '../../src-shared/domain/checklists';
import { call, errorText, subscribe } from '../bridge/client';

type RunsList = Response<'checklists.list'>;
export type RunDetail = Response<'checklists.get'>;
export type SetItemRequest = RequestIn<'checklists.setItem'>;

interface ChecklistsState {
  list: RunsList | null;
  listError: string | null;
  /** The run on screen (a checklist run or a gate set), with its items and live answers. */
  runId: string | null;
  run: RunDetail | null;
  runError: string | null;
  load(): Promise<void>;
  open(runId: string | null): Promise<void>;
  reloadRun(): Promise<void>;
  start(templateKey: TemplateKey, subjectId?: string | null): Promise<{ run: RunSummary; created: boolean }>;
  setItem(request: SetItemRequest): Promise<void>;
  setOwner(itemId: string, ownerId: string | null): Promise<void>;
}

// Answers can arrive out of order (a slow live check, then a quick reload): only the newest counts.
let listSeq = 0;
let runSeq = 0;

export const useChecklists = create<ChecklistsState>((set, get) => ({
  list: null,
  listError: null,
  runId: null,
  run: null,
  runError: null,
  async load() {
    const seq = ++listSeq;
    try {
      const list = await call('checklists.list', { limit: 100 });
      if (seq === listSeq) set({ list, listError: null });
    } catch (err) {
      if (seq === listSeq) set({ listError: errorText(err) });
    }
  },
  async open(runId) {
    if (runId !== get().runId) set({ runId, run: null, runError: null });
    await get().reloadRun();
  },
  async reloadRun() {
    const runId = get().runId;
    const seq = ++runSeq;
    if (!runId) return;
    try {
      const run = await call('checklists.get', { runId });
      if (seq === runSeq && get().runId === runId) set({ run, runError: null });
    } catch (err) {
      if (seq === runSeq && get().runId === runId) set({ runError: errorText(err) });
    }
  },
  async start(templateKey, subjectId = null) {
    const out = await call('checklists.start', { templateKey, subjectId });
    void get().load();
    return out;
  },
  async setItem(request) {
    try {
      await call('checklists.setItem', request);
    } finally {
      // Refused or not, show the item as it is now (a conflict means someone else changed it).
      await get().reloadRun();
    }
  },
  async setOwner(itemId, ownerId) {
    await call('checklists.setOwner', { itemId, ownerId });
    await get().reloadRun();
  },
}));

/**
 * Live while a checklist or readiness view is open: a change to any run reloads the list (if
 * wanted), a change to the open run reloads it. Events are coalesced on a short timer.
 */
export function startChecklistsLive(opts: { list: boolean }): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let runChanged = false;
  const off = subscribe('checklists.changed', ({ ids, truncated }) => {
    const s = useChecklists.getState();
    if (s.runId && (truncated || ids.includes(s.runId))) runChanged = true;
    timer ??= setTimeout(() => {
      timer = null;
      const st = useChecklists.getState();
      if (opts.list) void st.load();
      if (runChanged) void st.reloadRun();
      runChanged = false;
    }, 80);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
