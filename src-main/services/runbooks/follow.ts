import type { RunbookRun } from '../../../src-shared/contract/runbooks';
import { McError } from '../../../src-shared/contract/errors';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import { appendTimeline } from '../incidents';
import type { Recorder } from '../org';
import { computeFacts } from './facts';
import { runbookRow, runsOf } from './read';

/** Incidents whose record is finished take no new runbook steps. */
const FINISHED = ['closed', 'declined', 'merged'];

async function openIncident(sql: Sql, id: string): Promise<{ id: string; number: number }> {
  const i = await sql.maybeOne<{ id: string; number: number; state: string }>('SELECT id, number, state FROM mc.incidents WHERE id = $1 FOR UPDATE', [id]);
  if (!i) throw new McError('NOT_FOUND', 'That incident does not exist in this org.');
  if (FINISHED.includes(i.state)) throw new McError('CONFLICT', `${incidentRef(i.number)} is ${i.state}: its record is finished. Reopen it, or open a new incident, to follow a runbook.`);
  return i;
}

export async function followRunbook(sql: Sql, rec: Recorder, input: { incidentId: string; runbookId: string }): Promise<RunbookRun> {
  const incident = await openIncident(sql, input.incidentId);
  const r = await runbookRow(sql, input.runbookId);
  const v = await sql.one<{ title: string }>('SELECT title FROM mc.runbook_versions WHERE runbook_id = $1 AND version = $2', [r.id, r.current_version]);
  const entry = await appendTimeline(sql, rec, incident.id, {
    kind: 'runbook_followed',
    action: 'runbooks.followed',
    data: { runbookId: r.id, runbook: v.title, version: r.current_version },
  });
  const run = await sql.one<{ id: string }>(
    `INSERT INTO mc.runbook_runs (org_id, runbook_id, version, incident_id, started_at, started_by, started_by_name, audit_seq)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [r.id, r.current_version, incident.id, entry.at, rec.actor.id, rec.actor.name, entry.auditSeq],
  );
  return (await runsOf(sql, incident.id, run.id))[0]!;
}

export async function recordStep(
  sql: Sql,
  rec: Recorder,
  input: { runId: string; stepId: string; outcome: 'done' | 'skipped'; reason?: string | undefined },
  now = new Date(),
): Promise<RunbookRun> {
  const u = await sql.maybeOne<{ incident_id: string }>('SELECT incident_id FROM mc.runbook_runs WHERE id = $1', [input.runId]);
  if (!u) throw new McError('NOT_FOUND', 'That runbook run does not exist in this org: follow the runbook from the incident first.');
  const reason = input.reason?.trim() || null;
  if (input.outcome === 'skipped' && (reason === null || reason.length < 3)) {
    throw new McError('VALIDATION', 'Say why the step is skipped (at least 3 characters).', { reason: 'Required to skip a step.' });
  }
  await openIncident(sql, u.incident_id);
  const run = (await runsOf(sql, u.incident_id, input.runId))[0]!;
  const step = run.steps.find((s) => s.id === input.stepId);
  if (!step) throw new McError('NOT_FOUND', `Version ${run.version} of “${run.title}” has no step “${input.stepId}”.`, { stepId: 'No such step.' });
  const before = run.records.find((x) => x.stepId === input.stepId);
  if (before) throw new McError('CONFLICT', `Step “${step.title}” was recorded already (${before.outcome}, by ${before.actor}): a recorded step stays as it was.`);
  // The facts as the step shows them, computed now from records: what the operator acted on.
  const facts = await computeFacts(sql, step.facts, now);
  const entry = await appendTimeline(sql, rec, u.incident_id, {
    kind: 'runbook_step',
    action: 'runbooks.step_recorded',
    body: reason,
    data: {
      runId: run.id,
      runbookId: run.runbookId,
      runbook: run.title,
      version: run.version,
      stepId: step.id,
      step: step.title,
      outcome: input.outcome,
      facts: facts.map((f) => ({ name: f.name, level: f.level, summary: f.summary, at: f.at })),
    },
  });
  await sql.query(
    `INSERT INTO mc.runbook_step_records (org_id, run_id, step_id, outcome, reason, facts, at, actor_id, actor_name, audit_seq)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [run.id, step.id, input.outcome, reason, JSON.stringify(facts), entry.at, rec.actor.id, rec.actor.name, entry.auditSeq],
  );
  return (await runsOf(sql, u.incident_id, run.id))[0]!;
}
