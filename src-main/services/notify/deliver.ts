import type { z } from 'zod';
import type { deliverySchema } from '../../../src-shared/contract/notify';
import type { EscalationTarget } from '../../../src-shared/domain/escalation';
import { incidentRef, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import { CHANNEL_LABELS, type ChannelKind, type EscalationMessage, genericPayload, messageText, nextAttemptAt, pagerDutyPayload, slackPayload, subjectLine } from '../../../src-shared/domain/notify';
import type { Sql } from '../../db';
import type { Vault } from '../../vault';
import { appendTimeline } from '../incidents';
import { targetNamer } from '../incidents/policies';
import type { Recorder } from '../org';
import { type ChannelRow, channelRows, readSecret } from './channels';
import { postJson, type SendResult, sendMail } from './send';
import { SIGNATURE_HEADER, signWebhook } from './sign';

/** Escalations older than this are not delivered any more (a workstation that was off for a day). */
const DELIVER_WITHIN_HOURS = 24;

interface Pending {
  id: string;
  incident_id: string;
  number: number;
  title: string;
  severity: Severity;
  drill: boolean;
  step: number;
  round: number;
  target: EscalationTarget;
  resolved_operator_id: string | null;
  unreachable: string | null;
  due_at: string;
  policy: string | null;
  org: string;
}

interface Existing {
  notification_id: string;
  channel_id: string | null;
  recipient: string;
  status: 'delivered' | 'failed' | 'gave_up';
  attempts: number;
  next_attempt_at: string | null;
}

/** Who an e-mail channel reaches for a step: the members the step names, by their sign-in address. */
async function emailRecipients(sql: Sql, target: EscalationTarget, resolved: string | null): Promise<string[]> {
  // An on-call step reaches the member who was on call when it fired (recorded with the step).
  if (target.kind === 'on_call') target = resolved ? { kind: 'operator', operatorId: resolved } : target;
  if (target.kind === 'on_call') return [];
  const rows =
    target.kind === 'role'
      ? await sql.query<{ email: string }>(
          `SELECT o.email FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id WHERE m.org_id = mc.current_org_id() AND m.role = $1 ORDER BY o.email`,
          [target.role],
        )
      : await sql.query<{ email: string }>(
          `SELECT o.email FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id WHERE m.org_id = mc.current_org_id() AND o.id = $1`,
          [target.operatorId],
        );
  return rows.map((r) => r.email);
}

async function send(ch: ChannelRow, secret: ReturnType<typeof readSecret> extends Promise<infer S> ? S : never, m: EscalationMessage, recipient: string, now: Date): Promise<SendResult> {
  if (!secret) return { ok: false, detail: 'This workstation’s keychain has no secret for this channel; a workstation that has it delivers, or an admin adds the channel again.' };
  switch (ch.kind) {
    case 'webhook': {
      const body = JSON.stringify(genericPayload(m));
      return postJson(secret.url!, body, { [SIGNATURE_HEADER]: signWebhook(secret.signingSecret!, body, now), 'x-umamiedge-delivery': m.id });
    }
    case 'pagerduty':
      return postJson(secret.url!, JSON.stringify(pagerDutyPayload(m, secret.routingKey!)));
    case 'slack':
      return postJson(secret.url!, JSON.stringify(slackPayload(m)));
    case 'email':
      return sendMail(ch.config.smtp!, secret.password ?? null, recipient, subjectLine(m), messageText(m));
  }
}

/**
 * Deliver due escalation steps through every enabled channel, record each (channel, recipient)
 * with what the far side answered, and say so on the incident's timeline. Failures are retried on
 * later rounds (RETRY_AFTER_S), then given up, which the timeline says too. Run by the ops clock
 * after escalation; idempotent per (notification, channel, recipient).
 */
export async function deliverPending(sql: Sql, vault: Vault, orgId: string, rec: Recorder, now: Date): Promise<{ delivered: number; failed: number }> {
  const channels = (await channelRows(sql)).filter((c) => c.enabled);
  if (channels.length === 0) return { delivered: 0, failed: 0 };
  const pending = await sql.query<Pending>(
    `SELECT n.id, n.incident_id, i.number, i.title, i.severity, i.drill, n.step, n.round, n.target, n.resolved_operator_id, n.unreachable, n.due_at, p.name AS policy, o.name AS org
       FROM mc.escalation_notifications n
       JOIN mc.incidents i ON i.org_id = n.org_id AND i.id = n.incident_id
       JOIN mc.orgs o ON o.id = n.org_id
       LEFT JOIN mc.escalation_policies p ON p.id = i.policy_id
      WHERE n.notified_at >= $1::timestamptz - make_interval(hours => $2)
        AND n.unreachable IS NULL
      ORDER BY n.notified_at`,
    [now.toISOString(), DELIVER_WITHIN_HOURS],
  );
  if (pending.length === 0) return { delivered: 0, failed: 0 };
  const existing = await sql.query<Existing>(
    `SELECT notification_id, channel_id, recipient, status, attempts, next_attempt_at FROM mc.notification_deliveries WHERE notification_id = ANY ($1::uuid[])`,
    [pending.map((p) => p.id)],
  );
  const seen = new Map(existing.map((e) => [`${e.notification_id}|${e.channel_id}|${e.recipient}`, e]));
  const name = await targetNamer(sql);
  let delivered = 0;
  let failed = 0;
  for (const p of pending) {
    const m: EscalationMessage = {
      id: p.id,
      org: p.org,
      incident: { id: p.incident_id, ref: incidentRef(p.number), title: p.title, severity: p.severity, drill: p.drill },
      step: p.step,
      round: p.round,
      target: p.target.kind === 'on_call' && p.resolved_operator_id ? `${name({ kind: 'operator', operatorId: p.resolved_operator_id })} (on call)` : name(p.target),
      policy: p.policy ?? 'escalation policy',
      dueAt: new Date(p.due_at).toISOString(),
    };
    for (const ch of channels) {
      const recipients = ch.kind === 'email' ? await emailRecipients(sql, p.target, p.resolved_operator_id) : [ch.name];
      if (recipients.length === 0) {
        const key = `${p.id}|${ch.id}|(nobody)`;
        if (seen.has(key)) continue;
        await record(sql, rec, p, ch, '(nobody)', null, { ok: false, detail: `No member is ${m.target.toLowerCase()}: nobody to e-mail.` }, now, true);
        continue;
      }
      for (const to of recipients) {
        const prior = seen.get(`${p.id}|${ch.id}|${to}`);
        if (prior && (prior.status !== 'failed' || new Date(prior.next_attempt_at!) > now)) continue;
        const result = await send(ch, await readSecret(vault, orgId, ch.id), m, to, now);
        await record(sql, rec, p, ch, to, prior ?? null, result, now, false);
        if (result.ok) delivered++;
        else failed++;
      }
    }
  }
  return { delivered, failed };
}

async function record(sql: Sql, rec: Recorder, p: Pending, ch: ChannelRow, to: string, prior: Existing | null, r: SendResult, now: Date, giveUp: boolean) {
  const attempts = (prior?.attempts ?? 0) + 1;
  const retryAt = r.ok || giveUp ? null : nextAttemptAt(attempts, now);
  const status = r.ok ? 'delivered' : retryAt ? 'failed' : 'gave_up';
  if (prior) {
    await sql.query(
      `UPDATE mc.notification_deliveries SET status = $4, attempts = $5, detail = $6, last_at = $7, next_attempt_at = $8
        WHERE notification_id = $1 AND channel_id = $2 AND recipient = $3`,
      [p.id, ch.id, to, status, attempts, r.detail.slice(0, 1000), now.toISOString(), retryAt?.toISOString() ?? null],
    );
  } else {
    await sql.query(
      `INSERT INTO mc.notification_deliveries (org_id, notification_id, channel_id, channel_kind, recipient, status, attempts, detail, first_at, last_at, next_attempt_at)
       VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`,
      [p.id, ch.id, ch.kind, to, status, attempts, r.detail.slice(0, 1000), now.toISOString(), retryAt?.toISOString() ?? null],
    );
  }
  // The timeline says what reached whom; a retry that fails again stays quiet until it gives up.
  if (status === 'failed' && prior) return;
  const how = `${CHANNEL_LABELS[ch.kind as ChannelKind]} “${ch.name}”`;
  const body =
    status === 'delivered'
      ? `Delivered step ${p.step + 1} to ${to} by ${how}${attempts > 1 ? ` (attempt ${attempts})` : ''}: ${r.detail}`
      : status === 'failed'
        ? `Not delivered to ${to} by ${how}: ${r.detail}. Trying again at ${retryAt!.toISOString().slice(11, 16)} UTC.`
        : `Gave up delivering step ${p.step + 1} to ${to} by ${how}: ${r.detail}`;
  await appendTimeline(sql, rec, p.incident_id, {
    kind: 'escalated',
    action: status === 'delivered' ? 'incidents.notification_delivered' : 'incidents.notification_failed',
    body,
    data: { notification: p.id, channel: ch.id, kind: ch.kind, recipient: to, status, attempts },
  });
}

export async function listDeliveries(sql: Sql, incidentId: string): Promise<z.infer<typeof deliverySchema>[]> {
  const rows = await sql.query<{ id: string; notification_id: string; name: string | null; channel_kind: ChannelKind; recipient: string; status: 'delivered' | 'failed' | 'gave_up'; attempts: number; detail: string; last_at: string }>(
    `SELECT d.id, d.notification_id, c.name, d.channel_kind, d.recipient, d.status, d.attempts, d.detail, d.last_at
       FROM mc.notification_deliveries d
       JOIN mc.escalation_notifications n ON n.id = d.notification_id
       LEFT JOIN mc.notification_channels c ON c.id = d.channel_id
      WHERE n.incident_id = $1
      ORDER BY d.first_at, d.recipient`,
    [incidentId],
  );
  return rows.map((r) => ({
    id: r.id,
    notificationId: r.notification_id,
    channel: r.name ?? '(removed channel)',
    kind: r.channel_kind,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    detail: r.detail,
    lastAt: new Date(r.last_at).toISOString(),
  }));
}
