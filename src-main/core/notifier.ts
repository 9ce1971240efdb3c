import type { Response } from '../../src-shared/contract';
import type { IncidentNotification, IncidentSummary } from '../../src-shared/contract/incidents';
import type { CallContext, Router } from '../ipc';
import type { Logger } from './log';

export interface DesktopNotification {
  title: string;
  body: string;
  /** Critical incidents stay on screen until dismissed where the desktop allows it. */
  critical: boolean;
  /** The incident to open when the notification is clicked. */
  incidentId: string;
}

const CALL: CallContext = { readOnly: false, via: 'notifier' };

/**
 * Desktop notifications, raised by the main process (the page gets no notification permission):
 * a critical incident that opens anywhere in the org, and every escalation step that names the
 * signed-in operator or their role. Incidents already open when the workstation connects are the
 * baseline, not news. Plain Node: the Electron shell passes the function that shows one.
 */
export class DesktopNotifier {
  private readonly offs: (() => void)[] = [];
  /** Open critical incidents already seen; null until the first load sets the baseline. */
  private known: Set<string> | null = null;
  private since = new Date().toISOString();
  private session: string | null = null;
  private first: Promise<void> = Promise.resolve();

  constructor(
    private readonly router: Router,
    private readonly show: (n: DesktopNotification) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    const on = (topic: string, fn: () => void) => {
      const r = this.router.subscribe(topic, {}, CALL, fn);
      if (r.ok) this.offs.push(r.data);
    };
    on('incidents.changed', () => void this.incidents());
    on('escalation.notified', () => void this.escalations());
    on('system.changed', () => void this.resync());
    this.first = this.resync();
  }

  /** Resolves once the baseline of open incidents is taken (tests wait for it). */
  ready(): Promise<void> {
    return this.first;
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** A new session (another org or operator) starts from a new baseline. */
  private async resync(): Promise<void> {
    const info = await this.router.invoke('system.info', {}, CALL);
    const s = info.ok ? (info.data as Response<'system.info'>).session : null;
    const key = s ? `${s.orgId}:${s.operatorId}` : null;
    if (key === this.session) return;
    this.session = key;
    this.known = null;
    this.since = new Date().toISOString();
    if (key) await this.incidents();
  }

  private async incidents(): Promise<void> {
    const r = await this.router.invoke('incidents.list', { filter: 'open', limit: 500 }, CALL);
    if (!r.ok) return;
    const critical = (r.data as Response<'incidents.list'>).incidents.filter((i) => i.severity === 'critical' && !i.drill);
    if (this.known === null) {
      this.known = new Set(critical.map((i) => i.id));
      return;
    }
    for (const i of critical) {
      if (this.known.has(i.id)) continue;
      this.known.add(i.id);
      this.emit(openedNotice(i));
    }
  }

  private async escalations(): Promise<void> {
    const r = await this.router.invoke('incidents.notifications', { since: this.since }, CALL);
    if (!r.ok) return;
    const list = (r.data as Response<'incidents.notifications'>).notifications;
    if (list.length > 0) this.since = list[0]!.notifiedAt;
    for (const n of [...list].reverse()) if (n.forMe) this.emit(escalationNotice(n));
  }

  private emit(n: DesktopNotification): void {
    try {
      this.show(n);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'notifier: the desktop refused a notification');
    }
  }
}

export function openedNotice(i: IncidentSummary): DesktopNotification {
  return { title: `Critical incident ${i.ref}`, body: `${i.title}\nOpened by ${i.openedBy.name}.`, critical: true, incidentId: i.id };
}

export function escalationNotice(n: IncidentNotification): DesktopNotification {
  return {
    title: `${n.ref} needs you (${n.severity})`,
    body: `${n.title}\nEscalation step ${n.step + 1}${n.round > 0 ? `, round ${n.round + 1}` : ''}: ${n.target}. Nobody has acknowledged it.`,
    critical: n.severity === 'critical',
    incidentId: n.incidentId,
  };
}
