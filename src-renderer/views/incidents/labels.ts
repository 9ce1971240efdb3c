import type { TimelineEntry } from '../../../src-shared/contract/incidents';
import { INCIDENT_STATE_LABELS, type IncidentState, SEVERITY_LABELS, type Severity, type TimelineKind } from '../../../src-shared/domain/incident-lifecycle';

/** Timeline kinds in words, as a commander would say them on a bridge call. */
export const KIND_LABELS: Record<TimelineKind, string> = {
  opened: 'Opened',
  transition: 'State changed',
  acknowledged: 'Acknowledged',
  ack_expired: 'Acknowledgement expired',
  note: 'Note',
  severity_changed: 'Severity changed',
  commander_assigned: 'Commander assigned',
  commander_handover: 'Command handed over',
  commander_released: 'Command released',
  affected_added: 'Affected added',
  affected_removed: 'Affected removed',
  alert_linked: 'Alert linked',
  alert_resolved: 'Alert resolved',
  alert_fired: 'Alert fired again',
  escalated: 'Escalated',
  policy_changed: 'Escalation policy changed',
  merged_into: 'Merged into another incident',
  merged_from: 'Another incident merged in',
  review_updated: 'Review saved',
  runbook_followed: 'Runbook followed',
  runbook_step: 'Runbook step',
  nodes_drained: 'Nodes drained',
  nodes_restored: 'Nodes put back into service',
};

/** What a lifecycle button says: the move, not only the state it lands in. */
export function transitionLabel(from: IncidentState, to: IncidentState): string {
  if (to === 'active') return from === 'triage' ? 'Start response' : from === 'monitoring' ? 'Back to active' : 'Reopen';
  if (to === 'monitoring') return 'Monitor';
  if (to === 'resolved') return 'Resolve';
  if (to === 'closed') return 'Close incident';
  if (to === 'declined') return 'Decline';
  return INCIDENT_STATE_LABELS[to];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isState = (v: unknown): v is IncidentState => typeof v === 'string' && v in INCIDENT_STATE_LABELS;
const isSeverity = (v: unknown): v is Severity => typeof v === 'string' && v in SEVERITY_LABELS;
const names = (v: unknown): string =>
  Array.isArray(v)
    ? v
        .map((x) => (x && typeof x === 'object' ? `${String((x as { name?: unknown }).name ?? '')} (${String((x as { kind?: unknown }).kind ?? '')})` : ''))
        .filter(Boolean)
        .join(', ')
    : '';
const who = (v: unknown): string | null => (v && typeof v === 'object' ? str((v as { name?: unknown }).name) : null);

/**
 * The facts an entry's data carries, in one line ("Triage → Active", "High → Critical"); the body
 * (a note, a reason) is shown under it as written.
 */
export function entryDetail(e: TimelineEntry): string | null {
  const d = e.data;
  switch (e.kind) {
    case 'opened':
      return [isSeverity(d.severity) ? SEVERITY_LABELS[d.severity] : null, d.drill === true ? 'drill' : null, str(d.policy) ? `escalation: “${str(d.policy)}”` : 'no escalation policy']
        .filter(Boolean)
        .join(' · ');
    case 'transition':
      return isState(d.from) && isState(d.to) ? `${INCIDENT_STATE_LABELS[d.from]} → ${INCIDENT_STATE_LABELS[d.to]}${d.resolutionNote ? ' (resolution note)' : ''}` : null;
    case 'severity_changed':
      return isSeverity(d.from) && isSeverity(d.to) ? `${SEVERITY_LABELS[d.from]} → ${SEVERITY_LABELS[d.to]}` : null;
    case 'commander_assigned':
    case 'commander_handover': {
      const from = who(d.from);
      const to = who(d.to);
      return to ? `${from ? `${from} → ` : ''}${to}${d.override === true ? ' (override)' : ''}` : null;
    }
    case 'affected_added':
    case 'affected_removed':
      return names(d.items) || null;
    case 'alert_linked':
      return str(d.rule) ? `${str(d.rule)} (${str(d.subject) ?? 'unknown subject'})` : null;
    case 'policy_changed':
      return str(d.policy) ? `“${str(d.policy)}”` : 'none';
    case 'review_updated':
      return typeof d.version === 'number' ? `version ${d.version}${typeof d.open === 'number' ? ` · ${d.open} open action${d.open === 1 ? '' : 's'}` : ''}` : null;
    case 'runbook_followed':
      return str(d.runbook) ? `“${str(d.runbook)}” version ${String(d.version ?? '?')}` : null;
    case 'runbook_step':
      return str(d.step) ? `${str(d.runbook) ?? 'Runbook'} · ${str(d.step)}: ${d.outcome === 'skipped' ? 'skipped' : 'done'}${Array.isArray(d.facts) ? ` · ${d.facts.length} fact(s) as seen` : ''}` : null;
    case 'nodes_drained':
    case 'nodes_restored': {
      // Hostnames, as many as the entry kept, and how many in all.
      const hosts = Array.isArray(d.hostnames) ? d.hostnames.filter((h): h is string => typeof h === 'string') : [];
      const count = typeof d.count === 'number' ? d.count : hosts.length;
      const more = count > hosts.length ? ` and ${count - hosts.length} more` : '';
      return count > 0 ? `${count} node${count === 1 ? '' : 's'}: ${hosts.join(', ')}${more}` : null;
    }
    default:
      return null;
  }
}

/** The incident another entry points at (merges), for a link. */
export function entryLink(e: TimelineEntry): { id: string; ref: string } | null {
  const target = e.kind === 'merged_into' ? e.data.into : e.kind === 'merged_from' ? e.data.from : null;
  if (!target || typeof target !== 'object') return null;
  const t = target as { id?: unknown; ref?: unknown };
  return typeof t.id === 'string' && typeof t.ref === 'string' ? { id: t.id, ref: t.ref } : null;
}

/** Waits add up: "at 0 min, at 5 min" reads better than "wait 0, wait 5". */
export function cumulative<T extends { waitMinutes: number }>(steps: readonly T[]): (T & { at: number })[] {
  let at = 0;
  return steps.map((s) => {
    at += Number.isFinite(s.waitMinutes) ? s.waitMinutes : 0;
    return { ...s, at };
  });
}
