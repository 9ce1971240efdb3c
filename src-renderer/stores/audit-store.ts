import { create } from 'zustand';
import type { AuditEvent } from '../../src-shared/contract/audit';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

type Verdict = Response<'audit.verify'>;
const PAGE = 100;

interface AuditState {
  events: AuditEvent[];
  headSeq: number;
  loaded: boolean;
  error: string | null;
  verdict: Verdict | null;
  verifying: boolean;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  verify(): Promise<void>;
}

export const useAudit = create<AuditState>((set, get) => ({
  events: [],
  headSeq: 0,
  loaded: false,
  error: null,
  verdict: null,
  verifying: false,
  async load() {
    try {
      const { events, headSeq } = await call('audit.list', { limit: PAGE });
      set({ events, headSeq, loaded: true, error: null });
    } catch (err) {
      set({ error: errorText(err), loaded: true });
    }
  },
  async loadMore() {
    const last = get().events.at(-1);
    if (!last || last.seq <= 1) return;
    const { events } = await call('audit.list', { limit: PAGE, beforeSeq: last.seq });
    set({ events: [...get().events, ...events] });
  },
  async verify() {
    set({ verifying: true });
    try {
      set({ verdict: await call('audit.verify', {}) });
    } catch (err) {
      set({ error: errorText(err) });
    } finally {
      set({ verifying: false });
    }
  },
}));

export function startAuditLive(): () => void {
  return subscribe('audit.appended', () => {
    // New events arrive at the top; reload the first page only when the user is looking at it.
    if (useAudit.getState().loaded) void useAudit.getState().load();
  });
}
