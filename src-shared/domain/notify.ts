import type { Severity } from './incident-lifecycle';

/**
 * Escalation messages leaving the app, and their wire formats (docs/formats.md, "Escalation
 * webhooks"). Pure: the service signs and sends what these build.
 */
export const CHANNEL_KINDS = ['webhook', 'pagerduty', 'slack', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_LABELS: Record<ChannelKind, string> = {
  webhook: 'Webhook (signed JSON)',
  pagerduty: 'PagerDuty Events API v2',
  slack: 'Slack incoming webhook',
  email: 'E-mail (SMTP)',
};

/** Failed deliveries are tried again after these waits; then the row is given up. */
export const RETRY_AFTER_S = [30, 120, 600, 1800] as const;
export const MAX_ATTEMPTS = RETRY_AFTER_S.length + 1;

export function nextAttemptAt(attempts: number, now: Date): Date | null {
  const wait = RETRY_AFTER_S[attempts - 1];
  return wait === undefined ? null : new Date(now.getTime() + wait * 1000);
}

export interface EscalationMessage {
  /** The escalation notification's id: the idempotency key receivers can deduplicate on. */
  id: string;
  org: string;
  incident: { id: string; ref: string; title: string; severity: Severity; drill: boolean };
  step: number;
  round: number;
  /** Who the step is for, in words ("Incident commanders", "Ana Ruiz"). */
  target: string;
  policy: string;
  dueAt: string;
}

export function subjectLine(m: EscalationMessage): string {
  return `${m.incident.drill ? '[DRILL] ' : ''}${m.incident.ref} ${m.incident.severity.toUpperCase()}: ${m.incident.title}`;
}

export function messageText(m: EscalationMessage): string {
  return [
    subjectLine(m),
    '',
    `Escalation step ${m.step + 1}${m.round > 0 ? `, round ${m.round + 1}` : ''} of "${m.policy}" for ${m.target}.`,
    `Due at ${m.dueAt} (UTC). Acknowledge it in UmamiEdge Mission Control to stop escalation.`,
    m.incident.drill ? 'This is a failover drill.' : '',
  ]
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .join('\n');
}

/** The generic webhook body (signed with HMAC-SHA256, see docs/formats.md). */
export function genericPayload(m: EscalationMessage) {
  return {
    type: 'incident.escalation',
    version: 1,
    id: m.id,
    org: m.org,
    incident: m.incident,
    escalation: { step: m.step + 1, round: m.round + 1, target: m.target, policy: m.policy, dueAt: m.dueAt },
    text: messageText(m),
  };
}

const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info' };

/** PagerDuty Events API v2 "trigger": one alert per incident (dedup_key), updated by later steps. */
export function pagerDutyPayload(m: EscalationMessage, routingKey: string) {
  return {
    routing_key: routingKey,
    event_action: 'trigger' as const,
    dedup_key: `umamiedge-${m.incident.id}`,
    payload: {
      summary: subjectLine(m).slice(0, 1024),
      source: 'UmamiEdge Mission Control',
      severity: PD_SEVERITY[m.incident.severity],
      timestamp: m.dueAt,
      component: m.incident.ref,
      class: m.incident.drill ? 'drill' : 'incident',
      custom_details: { step: m.step + 1, round: m.round + 1, target: m.target, policy: m.policy, notification: m.id },
    },
  };
}

/** A Slack incoming-webhook message: plain text, which every workspace renders. */
export function slackPayload(m: EscalationMessage) {
  return { text: messageText(m) };
}
