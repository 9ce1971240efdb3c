import { create } from 'zustand';
import type { IncidentSummary } from '../../src-shared/contract/incidents';
import { SEVERITY_LABELS } from '../../src-shared/domain/incident-lifecycle';
import { call, subscribe } from '../bridge/client';
import { useSystem } from './system-store';
import { useUi } from './ui-store';

interface BlockingState {
  /** Open critical and high incidents (drills excluded): "resolve before new traffic". */
  blocking: IncidentSummary[];
  load(): Promise<void>;
}

/** Open critical incidents already seen, so only new ones are announced; null until the first load. */
let knownCritical: Set<string> | null = null;

export const useBlocking = create<BlockingState>((set) => ({
  blocking: [],
  async load() {
    if (!useSystem.getState().info?.session) {
      set({ blocking: [] });
      knownCritical = null;
      return;
    }
    try {
      const r = await call('incidents.list', { filter: 'open', limit: 200 });
      set({ blocking: r.incidents.filter((i) => i.blocksTraffic) });
      const critical = r.incidents.filter((i) => i.severity === 'critical' && !i.drill);
      if (knownCritical) {
        for (const i of critical) {
          if (!knownCritical.has(i.id)) useUi.getState().toast('error', `Critical incident ${i.ref} opened: ${i.title}`);
        }
      }
      knownCritical = new Set(critical.map((i) => i.id));
    } catch {
      // The banner keeps what it last knew; the connection banner says why.
    }
  },
}));

/** Escalation steps since this time have been looked at. */
let notifiedSince = new Date().toISOString();

/** An escalation step that names this operator (or their role) pops up here too (the browser host has no desktop notifications). */
async function escalations(): Promise<void> {
  try {
    const { notifications } = await call('incidents.notifications', { since: notifiedSince });
    if (notifications.length > 0) notifiedSince = notifications[0]!.notifiedAt;
    for (const n of notifications.reverse()) {
      // A page stays on screen until dismissed (as errors do): someone has to act on it.
      if (n.forMe) useUi.getState().toast('error', `You are paged for ${n.ref} (${SEVERITY_LABELS[n.severity].toLowerCase()}, not acknowledged): ${n.title}. Step ${n.step + 1} notifies ${n.target}.`);
    }
  } catch {
    // Missed now, seen on the incident page.
  }
}

/** Every screen shows the rule, so the store follows incidents app-wide; call once at start-up. */
export function startBlockingStore(): void {
  subscribe('incidents.changed', () => void useBlocking.getState().load());
  subscribe('escalation.notified', () => void escalations());
  let session: string | null = null;
  let epoch = -1;
  useSystem.subscribe((s) => {
    const key = s.info?.session ? `${s.info.session.orgId}:${s.info.session.operatorId}` : null;
    if (key === session && s.epoch === epoch) return;
    // Another org or operator: what was open or notified there is not news here.
    if (key !== session) {
      knownCritical = null;
      notifiedSince = new Date().toISOString();
    }
    session = key;
    epoch = s.epoch;
    void useBlocking.getState().load();
  });
}
