import type { IncidentDetail, IncidentNotification } from '../../../src-shared/contract/incidents';
import type { Session } from '../../../src-shared/contract/system';
import { ackExpiresAt, ackHasExpired, type ChainState, dueSteps, type EscalationTarget, nextStep, stepKey, UNREACHABLE_WORDS, type Unreachable, type UnreachableFired } from '../../../src-shared/domain/escalation';
import { incidentRef, isOpen, type IncidentState, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { Recorder } from '../org';
import { resolveStep } from './oncall';
import { policyRow, type TargetNamer, targetNamer, toDomainPolicy } from './policies';
import type { IncidentRow } from './rows';
import { appendTimeline } from './timeline';

function chainOf(r: Pick<IncidentRow, 'state' | 'escalation_arm' | 'escalation_armed_at' | 'acknowledged_at'>): ChainState {
  return {
    open: isOpen(r.state),
    arm: r.escalation_arm,
    armedAt: new Date(r.escalation_armed_at),
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at) : null,
  };
}

/** Steps of this arming that fired and reached nobody, with when they fired (the next one does not wait). */
async function unreachableFired(sql: Sql, incidentId: string, arm: number): Promise<UnreachableFired> {
  const rows = await sql.query<{ round: number; step: number; notified_at: string }>(
    'SELECT round, step, notified_at FROM mc.escalation_notifications WHERE incident_id = $1 AND arm = $2 AND unreachable IS NOT NULL',
    [incidentId, arm],
  );
  return new Map(rows.map((r) => [stepKey({ arm, round: r.round, step: r.step }), new Date(r.notified_at)]));
}

/** Where an incident's escalation stands: what was sent, what comes next, when an ack runs out. */
export async function escalationStatus(sql: Sql, r: IncidentRow, now: Date): Promise<IncidentDetail['escalation']> {
  const name = await targetNamer(sql);
  const notified = await sql.query<{ notified_at: string; step: number; round: number; arm: number; target: EscalationTarget; resolved_operator_id: string | null; unreachable: Unreachable | null }>(
    'SELECT notified_at, step, round, arm, target, resolved_operator_id, unreachable FROM mc.escalation_notifications WHERE incident_id = $1 ORDER BY notified_at, arm, round, step',
    [r.id],
  );
  const policy = r.policy_id ? await policyRow(sql, r.policy_id) : null;
  const chain = chainOf(r);
  const domain = policy ? toDomainPolicy(policy) : null;
  const next = domain ? nextStep(domain, chain, now, await unreachableFired(sql, r.id, r.escalation_arm)) : null;
  const expires = domain && chain.acknowledgedAt && chain.open ? ackExpiresAt(domain, chain.acknowledgedAt) : null;
  return {
    policy: policy ? { id: policy.id, name: policy.name } : null,
    arm: r.escalation_arm,
    armedAt: r.escalation_armed_at,
    running: domain !== null && chain.open && chain.acknowledgedAt === null,
    next: next ? { dueAt: next.dueAt.toISOString(), step: next.step, round: next.round, target: name(next.target) } : null,
    ackExpiresAt: expires ? expires.toISOString() : null,
    notified: notified.map((n) => ({ at: n.notified_at, step: n.step, round: n.round, arm: n.arm, target: firedLabel(name, n.target, n.resolved_operator_id, n.unreachable) })),
  };
}

interface ChainRow {
  id: string;
  number: number;
  state: IncidentState;
  severity: Severity;
  acknowledged_at: string | null;
  escalation_arm: number;
  escalation_armed_at: string;
  policy_id: string;
}

const LATE_MS = 2 * 60_000;

/**
 * The escalation clock, run every few seconds by whichever workstation holds the org's ops lock:
 * expire acknowledgements that ran out (re-arming the chain) and record each step that is due.
 * Recording is idempotent (one row per arming, round and step), so a second workstation, a retry
 * or a catch-up after downtime never notifies twice.
 */
export async function runEscalation(sql: Sql, rec: Recorder, now: Date): Promise<{ expired: number; notified: number }> {
  const rows = await sql.query<ChainRow>(
    `SELECT id, number, state, severity, acknowledged_at, escalation_arm, escalation_armed_at, policy_id
       FROM mc.incidents
      WHERE state IN ('triage', 'active', 'monitoring') AND policy_id IS NOT NULL
      ORDER BY opened_at`,
  );
  let expired = 0;
  let notified = 0;
  let name: TargetNamer | null = null;
  for (const r of rows) {
    const policy = await policyRow(sql, r.policy_id);
    if (!policy) continue;
    const domain = toDomainPolicy(policy);
    let chain = chainOf(r);
    if (ackHasExpired(domain, chain, now)) {
      const until = ackExpiresAt(domain, chain.acknowledgedAt!)!;
      // Compare-and-set: only the acknowledgement we read is expired, once.
      const updated = await sql.query(
        `UPDATE mc.incidents SET acknowledged_by = NULL, acknowledged_at = NULL, escalation_arm = escalation_arm + 1,
                escalation_armed_at = $3, updated_at = $4, version = version + 1
          WHERE id = $1 AND date_trunc('milliseconds', acknowledged_at) = $2 RETURNING id`,
        [r.id, r.acknowledged_at, until.toISOString(), now.toISOString()],
      );
      if (updated.length === 0) continue;
      expired++;
      await appendTimeline(sql, rec, r.id, {
        kind: 'ack_expired',
        action: 'incidents.ack_expired',
        body: `The acknowledgement ran out after ${domain.ackTimeoutMinutes} min with the incident still open; escalation starts again.`,
        data: { arm: r.escalation_arm + 1 },
      });
      chain = { ...chain, arm: r.escalation_arm + 1, armedAt: until, acknowledgedAt: null };
    }
    // A step that reaches nobody makes the next one due at once, so re-read the schedule after
    // each such step; every pass records at least one new step or stops, so this ends.
    for (;;) {
      const skipped = await unreachableFired(sql, r.id, chain.arm);
      let reachedNobody = false;
      for (const due of dueSteps(domain, chain, now, skipped)) {
        const done = await sql.maybeOne('SELECT 1 FROM mc.escalation_notifications WHERE incident_id = $1 AND arm = $2 AND round = $3 AND step = $4', [r.id, due.arm, due.round, due.step]);
        if (done) continue;
        const who = await resolveStep(sql, due.target, now);
        const inserted = await sql.query(
          `INSERT INTO mc.escalation_notifications (org_id, incident_id, arm, round, step, target, due_at, notified_at, resolved_operator_id, unreachable)
           VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (incident_id, arm, round, step) DO NOTHING RETURNING id`,
          [r.id, due.arm, due.round, due.step, JSON.stringify(due.target), due.dueAt.toISOString(), now.toISOString(), who.operatorId, who.unreachable],
        );
        if (inserted.length === 0) continue;
        notified++;
        name ??= await targetNamer(sql);
        const late = now.getTime() - due.dueAt.getTime() > LATE_MS ? ` (due ${due.dueAt.toISOString().slice(11, 16)} UTC; no workstation was evaluating then)` : '';
        const whom = due.target.kind === 'on_call' && who.operatorId && !who.unreachable ? `${name({ kind: 'operator', operatorId: who.operatorId })}, the incident commander on call` : name(due.target);
        await appendTimeline(sql, rec, r.id, {
          kind: 'escalated',
          action: 'incidents.escalated',
          // "Notified" would claim a delivery; what reached whom follows on the timeline (services/notify).
          body: who.unreachable
            ? `Escalation step ${due.step + 1}${due.round > 0 ? `, round ${due.round + 1}` : ''} of “${policy.name}” reached nobody: ${unreachableWords(who.unreachable)}. ${due.step < domain.steps.length - 1 || due.round < domain.repeat ? 'The next step fires at once.' : 'It was the last step: nobody else is paged unless the chain is armed again.'}`
            : `Escalated to ${whom}: step ${due.step + 1}${due.round > 0 ? `, round ${due.round + 1}` : ''} of “${policy.name}”${late}.`,
          data: { arm: due.arm, round: due.round, step: due.step, target: due.target, policy: policy.name, dueAt: due.dueAt.toISOString(), resolvedOperatorId: who.operatorId, unreachable: who.unreachable },
        });
        if (who.unreachable) {
          reachedNobody = true;
          break;
        }
      }
      if (!reachedNobody) break;
    }
  }
  return { expired, notified };
}

function unreachableWords(u: Unreachable): string {
  return UNREACHABLE_WORDS[u];
}

/** Whom a fired step reached, as recorded when it fired: the person on call by name, or why nobody. */
function firedLabel(name: TargetNamer, target: EscalationTarget, resolved: string | null, unreachable: Unreachable | null): string {
  if (unreachable) return `${name(target)}: reached nobody (${unreachableWords(unreachable)})`;
  if (target.kind === 'on_call' && resolved) return `${name({ kind: 'operator', operatorId: resolved })} (on call)`;
  return name(target);
}

/** Escalation notifications since a time, each marked whether it names the signed-in operator. */
export async function notificationsSince(sql: Sql, session: Session, since: string): Promise<IncidentNotification[]> {
  const name = await targetNamer(sql);
  const rows = await sql.query<{ id: string; incident_id: string; number: number; title: string; severity: Severity; step: number; round: number; target: EscalationTarget; resolved_operator_id: string | null; notified_at: string }>(
    `SELECT n.id, n.incident_id, i.number, i.title, i.severity, n.step, n.round, n.target, n.resolved_operator_id, n.notified_at
       FROM mc.escalation_notifications n JOIN mc.incidents i ON i.org_id = n.org_id AND i.id = n.incident_id
      WHERE n.notified_at > $1 AND n.unreachable IS NULL
      ORDER BY n.notified_at DESC
      LIMIT 100`,
    [since],
  );
  return rows.map((r) => ({
    id: r.id,
    incidentId: r.incident_id,
    ref: incidentRef(r.number),
    title: r.title,
    severity: r.severity,
    step: r.step,
    round: r.round,
    target: firedLabel(name, r.target, r.resolved_operator_id, null),
    forMe: r.target.kind === 'role' ? r.target.role === session.role : r.target.kind === 'on_call' ? r.resolved_operator_id === session.operatorId : r.target.operatorId === session.operatorId,
    notifiedAt: r.notified_at,
  }));
}
