import type { Fact, RunbookDetail, RunbookRun, RunbookSummary } from '../../../src-shared/contract/runbooks';
import { McError } from '../../../src-shared/contract/errors';
import { parseRunbook, type RunbookStepDef } from '../../../src-shared/domain/runbooks';
import type { Sql } from '../../db';

interface RunbookRow {
  id: string;
  key: string;
  title: string;
  builtin: boolean;
  current_version: number;
  updated_at: string;
  updated_by_name: string | null;
  body: string;
}

const SELECT = `
  SELECT r.id, r.key, r.title, r.builtin, r.current_version, r.updated_at, v.created_by_name AS updated_by_name, v.body
    FROM mc.runbooks r JOIN mc.runbook_versions v ON v.runbook_id = r.id AND v.version = r.current_version`;

/** Stored bodies were checked on save; a body that no longer parses (a marker rule tightened) shows no steps rather than failing the list. */
function stepsOf(body: string): { intro: string; steps: RunbookStepDef[] } {
  const p = parseRunbook(body);
  return p.ok ? { intro: p.runbook.intro, steps: p.runbook.steps } : { intro: body, steps: [] };
}

const step = (s: RunbookStepDef) => ({ id: s.id, title: s.title, facts: s.facts, action: s.action, body: s.body });

function summary(r: RunbookRow): RunbookSummary {
  return {
    id: r.id,
    key: r.key,
    title: r.title,
    builtin: r.builtin,
    version: r.current_version,
    steps: stepsOf(r.body).steps.length,
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by_name ?? 'Mission Control',
  };
}

export async function listRunbooks(sql: Sql): Promise<RunbookSummary[]> {
  return (await sql.query<RunbookRow>(`${SELECT} ORDER BY r.title, r.id LIMIT 200`)).map(summary);
}

export async function runbookRow(sql: Sql, id: string, lock = false): Promise<{ id: string; title: string; current_version: number }> {
  const r = await sql.maybeOne<{ id: string; title: string; current_version: number }>(
    `SELECT id, title, current_version FROM mc.runbooks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!r) throw new McError('NOT_FOUND', 'That runbook does not exist in this org: pick one from the Runbooks list.');
  return r;
}

export async function getRunbook(sql: Sql, id: string, version?: number): Promise<RunbookDetail> {
  const r = await sql.maybeOne<RunbookRow>(`${SELECT} WHERE r.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That runbook does not exist in this org: pick one from the Runbooks list.');
  const versions = await sql.query<{ version: number; title: string; created_at: string; created_by_name: string; restored_from: number | null; audit_seq: string }>(
    'SELECT version, title, created_at, created_by_name, restored_from, audit_seq FROM mc.runbook_versions WHERE runbook_id = $1 ORDER BY version DESC LIMIT 500',
    [id],
  );
  let body = r.body;
  const shown = version ?? r.current_version;
  if (shown !== r.current_version) {
    const v = await sql.maybeOne<{ body: string }>('SELECT body FROM mc.runbook_versions WHERE runbook_id = $1 AND version = $2', [id, shown]);
    if (!v) throw new McError('NOT_FOUND', `This runbook has no version ${shown}: it is at version ${r.current_version}.`, { version: 'No such version.' });
    body = v.body;
  }
  const { intro, steps } = stepsOf(body);
  return {
    ...summary(r),
    shownVersion: shown,
    body,
    intro,
    stepList: steps.map(step),
    versions: versions.map((v) => ({
      version: v.version,
      title: v.title,
      createdAt: new Date(v.created_at).toISOString(),
      createdBy: v.created_by_name,
      restoredFrom: v.restored_from,
      auditSeq: Number(v.audit_seq),
    })),
  };
}

interface RunRow {
  id: string;
  runbook_id: string;
  version: number;
  current_version: number;
  incident_id: string;
  started_at: string;
  started_by_name: string;
  title: string;
  body: string;
}

export async function runsOf(sql: Sql, incidentId: string, runId?: string): Promise<RunbookRun[]> {
  const runs = await sql.query<RunRow>(
    `SELECT u.id, u.runbook_id, u.version, r.current_version, u.incident_id, u.started_at, u.started_by_name, v.title, v.body
       FROM mc.runbook_runs u
       JOIN mc.runbooks r ON r.id = u.runbook_id
       JOIN mc.runbook_versions v ON v.runbook_id = u.runbook_id AND v.version = u.version
      WHERE u.incident_id = $1 ${runId ? 'AND u.id = $2' : ''}
      ORDER BY u.started_at, u.id LIMIT 50`,
    runId ? [incidentId, runId] : [incidentId],
  );
  if (runs.length === 0) return [];
  const recs = await sql.query<{ run_id: string; step_id: string; outcome: 'done' | 'skipped'; reason: string | null; facts: Fact[]; at: string; actor_name: string; audit_seq: string }>(
    'SELECT run_id, step_id, outcome, reason, facts, at, actor_name, audit_seq FROM mc.runbook_step_records WHERE run_id = ANY ($1::uuid[]) ORDER BY at, step_id',
    [runs.map((r) => r.id)],
  );
  return runs.map((u) => ({
    id: u.id,
    runbookId: u.runbook_id,
    title: u.title,
    version: u.version,
    currentVersion: u.current_version,
    incidentId: u.incident_id,
    startedAt: new Date(u.started_at).toISOString(),
    startedBy: u.started_by_name,
    steps: stepsOf(u.body).steps.map(step),
    records: recs
      .filter((x) => x.run_id === u.id)
      .map((x) => ({ stepId: x.step_id, outcome: x.outcome, reason: x.reason, facts: x.facts, at: new Date(x.at).toISOString(), actor: x.actor_name, auditSeq: Number(x.audit_seq) })),
  }));
}
