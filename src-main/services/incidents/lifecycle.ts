import { randomUUID } from 'node:crypto';
import { McError } from '../../../src-shared/contract/errors';
import type { IncidentSummary, TimelineEntry } from '../../../src-shared/contract/incidents';
import {
  canMerge,
  closeReviewProblem,
  INCIDENT_STATE_LABELS,
  type AffectedKind,
  type IncidentState,
  incidentRef,
  isOpen,
  SEVERITY_LABELS,
  type Severity,
  transitionProblem,
} from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { Recorder } from '../org';
import { addAffected } from './links';
import { policyFor } from './policies';
import { reviewOf } from './review';
import { lockIncident, summaryOf, utcTime } from './rows';
import { appendTimeline, writeTimelineRow } from './timeline';

export interface NewIncident {
  title: string;
  severity: Severity;
  summary: string;
  drill: boolean;
  affected: { kind: AffectedKind; id: string }[];
}

/** INC-n: the org's counter row is locked by this insert, so two new incidents never share a number. */
async function nextNumber(sql: Sql): Promise<number> {
  return (
    await sql.one<{ last: number }>(
      `INSERT INTO mc.incident_counters AS c (org_id, last) VALUES (mc.current_org_id(), 1)
       ON CONFLICT (org_id) DO UPDATE SET last = c.last + 1 RETURNING last`,
    )
  ).last;
}

export async function createIncident(sql: Sql, rec: Recorder, input: NewIncident): Promise<{ incident: IncidentSummary; opened: TimelineEntry }> {
  const id = randomUUID();
  const number = await nextNumber(sql);
  const policy = await policyFor(sql, input.severity);
  const data = { ref: incidentRef(number), title: input.title, severity: input.severity, drill: input.drill, policy: policy?.name ?? null };
  const proof = await rec.audit({ action: 'incidents.opened', target: { type: 'incident', id }, data: input.summary ? { ...data, body: input.summary } : data });
  // The incident's times are its opening event's, so the record and the chain agree to the millisecond.
  await sql.query(
    `INSERT INTO mc.incidents (id, org_id, number, title, summary, severity, drill, policy_id, opened_by, opened_by_name, opened_at, escalation_armed_at, updated_at)
     VALUES ($1, mc.current_org_id(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)`,
    [id, number, input.title, input.summary, input.severity, input.drill, policy?.id ?? null, rec.actor.id, rec.actor.name, proof.at],
  );
  const opened = await writeTimelineRow(sql, rec, id, { kind: 'opened', body: input.summary || null, data }, proof);
  if (input.affected.length > 0) await addAffected(sql, rec, id, input.affected, false);
  return { incident: await summaryOf(sql, id), opened };
}

/**
 * `startResponse`: the operator who takes it also starts working it (triage → active) in the same
 * step and transaction; two timeline entries, each with its audit event.
 */
export async function acknowledge(sql: Sql, rec: Recorder, input: { incidentId: string; note?: string | undefined; startResponse?: boolean | undefined }): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  if (!isOpen(r.state)) throw new McError('CONFLICT', `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()}; there is nothing to acknowledge.`);
  if (r.acknowledged_at) {
    const who = r.acknowledged_by === rec.actor.id ? 'you' : (r.acknowledged_by_name ?? 'a former member');
    throw new McError('CONFLICT', `${incidentRef(r.number)} was already acknowledged by ${who} at ${utcTime(r.acknowledged_at)}. Your note was not lost: add it as a note if it still matters.`);
  }
  const entry = await appendTimeline(sql, rec, r.id, { kind: 'acknowledged', action: 'incidents.acknowledged', body: input.note || null });
  await sql.query('UPDATE mc.incidents SET acknowledged_by = $2, acknowledged_at = $3, updated_at = $3, version = version + 1 WHERE id = $1', [
    r.id,
    rec.actor.id,
    entry.at,
  ]);
  if (input.startResponse && r.state === 'triage') return transition(sql, rec, { incidentId: r.id, to: 'active', expectedState: 'triage', reason: 'Response started on acknowledgement.' });
  return summaryOf(sql, r.id);
}

export interface TransitionInput {
  incidentId: string;
  to: IncidentState;
  expectedState: IncidentState;
  resolutionNote?: string | undefined;
  reason?: string | undefined;
}

export async function transition(sql: Sql, rec: Recorder, input: TransitionInput): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  if (r.state !== input.expectedState) {
    const last = await sql.maybeOne<{ actor_name: string; at: string }>(
      `SELECT actor_name, at FROM mc.incident_events WHERE incident_id = $1 AND kind IN ('transition', 'merged_into') ORDER BY at DESC LIMIT 1`,
      [r.id],
    );
    throw new McError(
      'CONFLICT',
      `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()} now${last ? ` (${last.actor_name} changed it at ${utcTime(last.at)})` : ''}, not ${INCIDENT_STATE_LABELS[input.expectedState].toLowerCase()}. Look at it again before changing it.`,
    );
  }
  const note = input.resolutionNote ?? null;
  const problem = transitionProblem(r.state, input.to, Boolean(note ?? r.resolution_note));
  if (problem) {
    if (input.to === 'closed' && !(note ?? r.resolution_note)) throw new McError('VALIDATION', problem, { resolutionNote: problem });
    throw new McError('CONFLICT', problem);
  }
  if (input.to === 'closed') {
    const review = closeReviewProblem(r.severity, await reviewOf(sql, r.id));
    if (review) throw new McError('CONFLICT', `${incidentRef(r.number)}: ${review}`, { review });
  }
  if (input.to === 'declined' && (input.reason ?? '').length < 3) {
    throw new McError('VALIDATION', 'Say why this is not an incident.', { reason: 'Say why this is not an incident (at least 3 characters).' });
  }
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: 'transition',
    action: 'incidents.transitioned',
    body: note ?? input.reason ?? null,
    data: { from: r.state, to: input.to, ...(note ? { resolutionNote: true } : {}) },
  });
  const reopen = r.state === 'resolved' && input.to === 'active';
  await sql.query(
    `UPDATE mc.incidents SET state = $2,
            resolved_at = CASE WHEN $2 = 'resolved' THEN $3::timestamptz WHEN $4 THEN NULL ELSE resolved_at END,
            closed_at = CASE WHEN $2 IN ('closed', 'declined') THEN $3::timestamptz ELSE closed_at END,
            resolution_note = coalesce($5, resolution_note),
            -- Reopened: nobody owns it any more until someone acknowledges again; escalation starts over.
            acknowledged_by = CASE WHEN $4 THEN NULL ELSE acknowledged_by END,
            acknowledged_at = CASE WHEN $4 THEN NULL ELSE acknowledged_at END,
            escalation_arm = CASE WHEN $4 THEN escalation_arm + 1 ELSE escalation_arm END,
            escalation_armed_at = CASE WHEN $4 THEN $3::timestamptz ELSE escalation_armed_at END,
            updated_at = $3, version = version + 1
      WHERE id = $1`,
    [r.id, input.to, entry.at, reopen, note],
  );
  return summaryOf(sql, r.id);
}

export async function merge(sql: Sql, rec: Recorder, input: { incidentId: string; intoId: string; reason: string }): Promise<IncidentSummary> {
  if (input.incidentId === input.intoId) throw new McError('VALIDATION', 'An incident cannot be merged into itself.', { intoId: 'Choose another incident.' });
  // Two incident ids in one call: an unknown one is named (field and words), not a bare "that incident".
  const lock = async (field: 'incidentId' | 'intoId') => {
    try {
      return await lockIncident(sql, input[field]);
    } catch (err) {
      if (!(err instanceof McError && err.code === 'NOT_FOUND')) throw err;
      const which = field === 'intoId' ? 'The incident to merge into' : 'The incident to merge';
      throw new McError('NOT_FOUND', `${which} does not exist in this org.`, { [field]: 'Unknown incident.' });
    }
  };
  // Lock both in one order, so two opposite merges cannot deadlock.
  const order = input.incidentId < input.intoId ? (['incidentId', 'intoId'] as const) : (['intoId', 'incidentId'] as const);
  for (const field of order) await lock(field);
  const from = await lockIncident(sql, input.incidentId);
  const into = await lockIncident(sql, input.intoId);
  if (!canMerge(from.state)) throw new McError('CONFLICT', `${incidentRef(from.number)} is ${INCIDENT_STATE_LABELS[from.state].toLowerCase()}; only open incidents can be merged.`);
  if (!isOpen(into.state)) throw new McError('CONFLICT', `${incidentRef(into.number)} is ${INCIDENT_STATE_LABELS[into.state].toLowerCase()}; merge into an open incident.`, { intoId: 'Choose an open incident.' });
  const entry = await appendTimeline(sql, rec, from.id, {
    kind: 'merged_into',
    action: 'incidents.merged',
    body: input.reason,
    data: { into: { id: into.id, ref: incidentRef(into.number) } },
  });
  await appendTimeline(sql, rec, into.id, {
    kind: 'merged_from',
    action: 'incidents.merged_in',
    body: input.reason,
    data: { from: { id: from.id, ref: incidentRef(from.number), title: from.title } },
  });
  await sql.query(`UPDATE mc.incidents SET state = 'merged', merged_into = $2, closed_at = $3, updated_at = $3, version = version + 1 WHERE id = $1`, [
    from.id,
    into.id,
    entry.at,
  ]);
  // What the merged incident touched and its alerts now belong to the one it joined.
  await sql.query(
    `INSERT INTO mc.incident_affected (org_id, incident_id, kind, target_id, added_by)
     SELECT org_id, $2, kind, target_id, $3 FROM mc.incident_affected WHERE incident_id = $1
     ON CONFLICT DO NOTHING`,
    [from.id, into.id, rec.actor.id],
  );
  await sql.query(
    `INSERT INTO mc.incident_alerts (org_id, incident_id, rule_id, subject_key, linked_by)
     SELECT org_id, $2, rule_id, subject_key, $3 FROM mc.incident_alerts WHERE incident_id = $1
     ON CONFLICT DO NOTHING`,
    [from.id, into.id, rec.actor.id],
  );
  await sql.query('UPDATE mc.alert_instances SET incident_id = $2 WHERE incident_id = $1', [from.id, into.id]);
  await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [into.id, entry.at]);
  return summaryOf(sql, from.id);
}

export async function setSeverity(sql: Sql, rec: Recorder, input: { incidentId: string; severity: Severity; reason: string }): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  if (r.severity === input.severity) throw new McError('VALIDATION', `${incidentRef(r.number)} is ${SEVERITY_LABELS[r.severity].toLowerCase()} already.`, { severity: 'Choose another severity.' });
  if (!isOpen(r.state)) throw new McError('CONFLICT', `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()}; its severity is part of the record now.`);
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: 'severity_changed',
    action: 'incidents.severity_changed',
    body: input.reason,
    data: { from: r.severity, to: input.severity },
  });
  // An incident that had no policy gets the one for its new severity; a chosen policy stays.
  const policy = r.policy_id ? null : await policyFor(sql, input.severity);
  await sql.query(
    `UPDATE mc.incidents SET severity = $2, policy_id = coalesce(policy_id, $3), updated_at = $4, version = version + 1 WHERE id = $1`,
    [r.id, input.severity, policy?.id ?? null, entry.at],
  );
  return summaryOf(sql, r.id);
}

export async function addNote(sql: Sql, rec: Recorder, input: { incidentId: string; body: string }): Promise<TimelineEntry> {
  const r = await lockIncident(sql, input.incidentId);
  const entry = await appendTimeline(sql, rec, r.id, { kind: 'note', action: 'incidents.note_added', body: input.body });
  await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [r.id, entry.at]);
  return entry;
}
