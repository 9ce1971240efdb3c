import { create } from 'zustand';
import type { AuditEvent, AuditFilter } from '../../src-shared/contract/audit';
import type { Response } from '../../src-shared/contract';
import { call, errorText, McClientError, subscribe } from '../bridge/client';

type Verdict = Response<'audit.verify'>;
const PAGE = 200;

/** The filter as typed in the form: strings, empty = not set. Times are local `datetime-local` values. */
export interface AuditFilterDraft {
  from: string;
  to: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  text: string;
}
export const EMPTY_DRAFT: AuditFilterDraft = { from: '', to: '', actor: '', action: '', subjectType: '', subjectId: '', text: '' };

/** The draft as the contract takes it: local times to UTC, blanks left out. */
export function filterOf(d: AuditFilterDraft): AuditFilter {
  const f: AuditFilter = {};
  const iso = (local: string) => new Date(local).toISOString();
  if (d.from) f.from = iso(d.from);
  if (d.to) f.to = iso(d.to);
  for (const k of ['actor', 'action', 'subjectType', 'subjectId', 'text'] as const) {
    const v = d[k].trim();
    if (v) f[k] = v;
  }
  return f;
}

export const isFiltered = (f: AuditFilter) => Object.keys(f).length > 0;

interface AuditState {
  filter: AuditFilter;
  events: AuditEvent[];
  headSeq: number;
  nextBeforeSeq: number | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
  /** A refused filter: the message and which field, shown by the form. */
  filterError: { message: string; fields: Record<string, string> } | null;
  verdict: Verdict | null;
  verifying: boolean;
  selectedSeq: number | null;
  applyFilter(filter: AuditFilter): Promise<void>;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  refreshTop(): Promise<void>;
  select(seq: number | null): void;
  verify(): Promise<void>;
}

export const useAudit = create<AuditState>((set, get) => ({
  filter: {},
  events: [],
  headSeq: 0,
  nextBeforeSeq: null,
  loaded: false,
  loadingMore: false,
  error: null,
  filterError: null,
  verdict: null,
  verifying: false,
  selectedSeq: null,
  async applyFilter(filter) {
    set({ filter, selectedSeq: null });
    await get().load();
  },
  async load() {
    const filter = get().filter;
    try {
      const r = await call('audit.list', { limit: PAGE, filter });
      if (get().filter !== filter) return; // a newer filter was applied meanwhile
      set({ events: r.events, headSeq: r.headSeq, nextBeforeSeq: r.nextBeforeSeq, loaded: true, error: null, filterError: null });
    } catch (err) {
      if (err instanceof McClientError && err.code === 'VALIDATION') set({ filterError: { message: err.message, fields: err.fields }, loaded: true });
      else set({ error: errorText(err), loaded: true });
    }
  },
  async loadMore() {
    const { nextBeforeSeq, loadingMore, filter } = get();
    if (nextBeforeSeq === null || loadingMore) return;
    set({ loadingMore: true });
    try {
      const r = await call('audit.list', { limit: PAGE, beforeSeq: nextBeforeSeq, filter });
      if (get().filter !== filter) return;
      set({ events: [...get().events, ...r.events], nextBeforeSeq: r.nextBeforeSeq });
    } catch (err) {
      set({ error: errorText(err) });
    } finally {
      set({ loadingMore: false });
    }
  },
  /** New events arrive at the top; the older pages already loaded stay where they are. */
  async refreshTop() {
    const { filter, events } = get();
    if (events.length === 0) return get().load();
    try {
      const r = await call('audit.list', { limit: PAGE, filter });
      if (get().filter !== filter) return;
      const top = get().events[0]?.seq ?? 0;
      const fresh = r.events.filter((e) => e.seq > top);
      // More new events than a page: start again from the top rather than leave a hole.
      if (fresh.length === r.events.length && r.nextBeforeSeq !== null && r.nextBeforeSeq > top) {
        set({ events: r.events, headSeq: r.headSeq, nextBeforeSeq: r.nextBeforeSeq });
      } else set({ events: [...fresh, ...get().events], headSeq: r.headSeq });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  select(seq) {
    set({ selectedSeq: seq });
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
    if (useAudit.getState().loaded) void useAudit.getState().refreshTop();
  });
}
