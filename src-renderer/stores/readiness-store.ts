import { create } from 'zustand';
import type { RequestIn, Response } from '../../src-shared/contract';
import type { ReadinessSubject } from '../../src-shared/contract/checklists';
import type { Member } from '../../src-shared/contract/incidents';
import { call, errorText, subscribe } from '../bridge/client';

type Overview = Response<'readiness.overview'>;
export type Readiness = ReadinessSubject['readiness'];

interface ReadinessState {
  overview: Overview | null;
  error: string | null;
  members: Member[];
  load(): Promise<void>;
  loadMembers(): Promise<void>;
  createPilot(request: RequestIn<'readiness.createPilot'>): Promise<ReadinessSubject>;
  prepare(subject: ReadinessSubject): Promise<ReadinessSubject>;
  setReadiness(subject: ReadinessSubject, readiness: Readiness, reason: string): Promise<void>;
}

let seq = 0;

export const useReadiness = create<ReadinessState>((set, get) => ({
  overview: null,
  error: null,
  members: [],
  async load() {
    const mine = ++seq;
    try {
      const overview = await call('readiness.overview', {});
      if (mine === seq) set({ overview, error: null });
    } catch (err) {
      if (mine === seq) set({ error: errorText(err) });
    }
  },
  async loadMembers() {
    try {
      set({ members: (await call('org.members', {})).members });
    } catch {
      // Owner pickers then offer "no owner" only; the list reloads with the view.
    }
  },
  async createPilot(request) {
    const { subject } = await call('readiness.createPilot', request);
    void get().load();
    return subject;
  },
  async prepare(subject) {
    const out = await call('readiness.prepare', { subjectType: subject.subjectType, subjectId: subject.id });
    void get().load();
    return out.subject;
  },
  async setReadiness(subject, readiness, reason) {
    await call('readiness.set', { subjectType: subject.subjectType, subjectId: subject.id, readiness, reason });
    await get().load();
  },
}));

/** Readiness changes (and gate changes, which arrive as checklist changes) reload the overview. */
export function startReadinessLive(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const soon = () => {
    timer ??= setTimeout(() => {
      timer = null;
      void useReadiness.getState().load();
    }, 80);
  };
  const offReadiness = subscribe('readiness.changed', soon);
  const offChecklists = subscribe('checklists.changed', soon);
  // A grid that appears after the view opened (the demo grid provisioned on a first start, a site
  // added): its corridors get their gates here. Corridors come with their sites, which notify.
  const offSites = subscribe('sites.changed', soon);
  return () => {
    offReadiness();
    offChecklists();
    offSites();
    if (timer) clearTimeout(timer);
  };
}
