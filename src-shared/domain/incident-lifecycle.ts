import type { Role } from '../contract/roles';

/**
 * An incident's life: triage → active → monitoring → resolved → closed, with the side exits an
 * incident commander needs (declined: not an incident; merged: the same problem as another one).
 * Acknowledgement is not a state: it says someone owns the response, and it stops escalation.
 */
export const INCIDENT_STATES = ['triage', 'active', 'monitoring', 'resolved', 'closed', 'declined', 'merged'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENT_STATE_LABELS: Record<IncidentState, string> = {
  triage: 'Triage',
  active: 'Active',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  closed: 'Closed',
  declined: 'Declined',
  merged: 'Merged',
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

/** Worst first, for sorting. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Merging is its own command (it names the incident merged into); it is not listed here. */
const NEXT: Record<IncidentState, readonly IncidentState[]> = {
  triage: ['active', 'resolved', 'declined'],
  active: ['monitoring', 'resolved'],
  monitoring: ['active', 'resolved'],
  resolved: ['closed', 'active'],
  closed: [],
  declined: [],
  merged: [],
};

export function allowedIncidentTransitions(from: IncidentState): readonly IncidentState[] {
  return NEXT[from];
}

export function canTransitionIncident(from: IncidentState, to: IncidentState): boolean {
  return NEXT[from].includes(to);
}

/** Still needs people: open incidents escalate, count towards the banner and block new traffic. */
export function isOpen(state: IncidentState): boolean {
  return state === 'triage' || state === 'active' || state === 'monitoring';
}

/** Closed, declined or merged: nothing leads out, so what it affected and how it escalated is the record. */
export function isFinal(state: IncidentState): boolean {
  return NEXT[state].length === 0;
}

export function canMerge(from: IncidentState): boolean {
  return isOpen(from);
}

/**
 * The daily checklist's rule: "resolve critical/high incidents before new traffic". While any
 * such incident is open, every screen says so.
 */
export function blocksNewTraffic(i: { state: IncidentState; severity: Severity }): boolean {
  return isOpen(i.state) && (i.severity === 'critical' || i.severity === 'high');
}

/** Who may hold an incident's command: the role made for it, and admins. */
export const COMMANDER_ROLES: readonly Role[] = ['incident_commander', 'admin'];

export function canCommand(role: Role): boolean {
  return COMMANDER_ROLES.includes(role);
}

/** Closing says how it ended: a resolution note is required, whoever closes. */
export const MIN_RESOLUTION_NOTE = 10;

/**
 * Why a transition is refused, in words an operator can act on, or null when it is allowed.
 * `hasResolutionNote`: one is stored already or comes with this request.
 */
export function transitionProblem(from: IncidentState, to: IncidentState, hasResolutionNote: boolean): string | null {
  if (from === to) return `The incident is already ${INCIDENT_STATE_LABELS[to].toLowerCase()}.`;
  if (!canTransitionIncident(from, to)) {
    const allowed = NEXT[from];
    return allowed.length === 0
      ? `A ${INCIDENT_STATE_LABELS[from].toLowerCase()} incident cannot change state.`
      : `A ${INCIDENT_STATE_LABELS[from].toLowerCase()} incident can move to ${allowed.map((s) => INCIDENT_STATE_LABELS[s].toLowerCase()).join(' or ')}, not ${INCIDENT_STATE_LABELS[to].toLowerCase()}.`;
  }
  if (to === 'closed' && !hasResolutionNote) return `Write a resolution note (at least ${MIN_RESOLUTION_NOTE} characters) before closing: say how it ended.`;
  return null;
}

/** Each part of a critical incident's review needs at least this much (the database checks the same). */
export const MIN_REVIEW_PART = 10;
const REVIEW_PARTS = ['summary', 'impact', 'causes'] as const;

/**
 * A critical incident (drills too: a drill's review is its evidence) closes only with its review:
 * what happened, its impact and its causes. Why not, in words, or null when it may close.
 */
export function closeReviewProblem(severity: Severity, review: { summary: string; impact: string; causes: string } | null): string | null {
  if (severity !== 'critical') return null;
  const missing = REVIEW_PARTS.filter((k) => (review?.[k] ?? '').trim().length < MIN_REVIEW_PART);
  if (missing.length === 0) return null;
  return `A critical incident closes only with its post-incident review: write its ${missing.join(', ')} (at least ${MIN_REVIEW_PART} characters each) on the Review tab, then close it.`;
}

/** Timeline entry kinds, each written with the audit event that proves it. */
export const TIMELINE_KINDS = [
  'opened',
  'transition',
  'acknowledged',
  'ack_expired',
  'note',
  'severity_changed',
  'commander_assigned',
  'commander_handover',
  'commander_released',
  'affected_added',
  'affected_removed',
  'alert_linked',
  'alert_resolved',
  'alert_fired',
  'escalated',
  'policy_changed',
  'merged_into',
  'merged_from',
  'review_updated',
  'runbook_followed',
  'runbook_step',
  'nodes_drained',
  'nodes_restored',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const AFFECTED_KINDS = ['corridor', 'site', 'node'] as const;
export type AffectedKind = (typeof AFFECTED_KINDS)[number];

/** INC-42: the number operators say out loud on a bridge call. */
export function incidentRef(number: number): string {
  return `INC-${number}`;
}
