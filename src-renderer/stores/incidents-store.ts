import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { EscalationPolicyView, IncidentDetail, Member } from '../../src-shared/contract/incidents';
import { call, errorText, subscribe } from '../bridge/client';

export type IncidentFilter = 'open' | 'recent' | 'all';
type IncidentList = Response<'incidents.list'>;

interface IncidentsState {
  filter: IncidentFilter;
  list: IncidentList | null;
  listError: string | null;
  /** The incident the detail page shows; its data is dropped when another one is opened. */
  detailId: string | null;
  detail: IncidentDetail | null;
  detailError: string | null;
  members: Member[];
  policies: EscalationPolicyView[] | null;
  policiesError: string | null;
  setFilter(filter: IncidentFilter): void;
  loadList(): Promise<void>;
  openDetail(id: string | null): void;
  loadDetail(): Promise<void>;
  loadPolicies(): Promise<void>;
  loadMembers(): Promise<void>;
  /** The list and the open incident, after a change made here (live updates bring it too, later). */
  refresh(): Promise<void>;
  /** Everything that is shown, e.g. after a resync or a switch of org. */
  reloadAll(): Promise<void>;
  clear(): void;
}

// Answers can arrive out of order (a slow list, then a fast one): only the latest request counts.
let listSeq = 0;
let detailSeq = 0;

export const useIncidents = create<IncidentsState>((set, get) => ({
  filter: 'recent',
  list: null,
  listError: null,
  detailId: null,
  detail: null,
  detailError: null,
  members: [],
  policies: null,
  policiesError: null,
  setFilter(filter) {
    set({ filter });
    void get().loadList();
  },
  async loadList() {
    const seq = ++listSeq;
    try {
      const list = await call('incidents.list', { filter: get().filter, limit: 500 });
      if (seq === listSeq) set({ list, listError: null });
    } catch (err) {
      if (seq === listSeq) set({ listError: errorText(err) });
    }
  },
  openDetail(id) {
    if (id === get().detailId) return;
    detailSeq++;
    set({ detailId: id, detail: null, detailError: null });
    if (id) void get().loadDetail();
  },
  async loadDetail() {
    const id = get().detailId;
    if (!id) return;
    const seq = ++detailSeq;
    try {
      const detail = await call('incidents.get', { incidentId: id });
      if (seq === detailSeq) set({ detail, detailError: null });
    } catch (err) {
      if (seq === detailSeq) set({ detailError: errorText(err) });
    }
  },
  async loadPolicies() {
    try {
      set({ policies: (await call('escalation.list', {})).policies, policiesError: null });
    } catch (err) {
      set({ policiesError: errorText(err) });
    }
  },
  async loadMembers() {
    try {
      set({ members: (await call('org.members', {})).members });
    } catch {
      // Only pickers use members; they say so when the list is empty.
    }
  },
  async refresh() {
    await Promise.all([get().loadList(), get().loadDetail()]);
  },
  async reloadAll() {
    await Promise.all([get().loadList(), get().loadDetail(), get().loadPolicies(), get().loadMembers()]);
  },
  clear() {
    listSeq++;
    detailSeq++;
    set({ list: null, listError: null, detail: null, detailError: null, members: [], policies: null, policiesError: null });
  },
}));

/**
 * Live while the Incidents view is open: any change to an incident or its timeline reloads the list
 * and the open incident; a policy change reloads the policies (and the open incident's escalation).
 * An escalation step that names the signed-in operator is toasted app-wide by the blocking store.
 */
export function startIncidentsLive(): () => void {
  const timers: { list?: ReturnType<typeof setTimeout>; detail?: ReturnType<typeof setTimeout>; policies?: ReturnType<typeof setTimeout> } = {};
  const soon = (what: keyof typeof timers, run: () => Promise<void>) => {
    if (timers[what]) return;
    timers[what] = setTimeout(() => {
      delete timers[what];
      void run();
    }, 100);
  };
  const s = () => useIncidents.getState();
  const offIncidents = subscribe('incidents.changed', (e) => {
    soon('list', () => s().loadList());
    const id = s().detailId;
    if (id && (e.truncated || e.ids.includes(id))) soon('detail', () => s().loadDetail());
  });
  const offPolicies = subscribe('escalation.changed', () => {
    soon('policies', () => s().loadPolicies());
    if (s().detailId) soon('detail', () => s().loadDetail());
  });
  return () => {
    offIncidents();
    offPolicies();
    for (const t of Object.values(timers)) clearTimeout(t);
  };
}
