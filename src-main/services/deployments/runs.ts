import type { DeploymentRun } from '../../../src-shared/contract/deployments';
import { McError } from '../../../src-shared/contract/errors';
import { type CanaryStage, decideCanary, stageProblems, type TargetAlert } from '../../../src-shared/domain/change';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { resolveEvidence } from './evidence';
import { recordChangeEvent } from './events';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface RunRow {
  id: string;
  release_name: string;
  environment: DeploymentRun['environment'];
  corridor_id: string | null;
  corridor_name: string | null;
  site_ids: string[];
  runtime_group: string | null;
  status: DeploymentRun['status'];
  canary_stages: CanaryStage[];
  stage_index: number | null;
  canary_percent: number | null;
  stage_started_at: string | null;
  rollback_required: boolean;
  failure_reason: string | null;
  rollback_plan: string;
  evidence_uri: string | null;
  evidence_sha256: string | null;
  evidence_at: string | null;
  evidence_by: string | null;
  evidence_by_name: string | null;
  created_at: string;
  created_by: string | null;
  created_by_name: string | null;
  started_at: string | null;
  finished_at: string | null;
  linked_migrations: DeploymentRun['links']['migrations'];
  linked_flag_changes: DeploymentRun['links']['flagChanges'];
}

// The legacy `version` column is never selected: the product names releases by release_name.
const SELECT_RUNS = `
  SELECT r.id, r.release_name, r.environment, r.corridor_id, c.name AS corridor_name, r.site_ids, r.runtime_group, r.status, r.canary_stages,
         r.stage_index, r.canary_percent, r.stage_started_at, r.rollback_required, r.failure_reason, r.rollback_plan,
         r.evidence_uri, r.evidence_sha256, r.evidence_at, r.evidence_by, eb.display_name AS evidence_by_name,
         r.created_at, r.created_by, cb.display_name AS created_by_name, r.started_at, r.finished_at,
         (SELECT coalesce(json_agg(json_build_object('id', m.id, 'fileName', m.file_name, 'status', m.status) ORDER BY m.created_at), '[]')
            FROM mc.migration_runs m WHERE m.id = ANY (r.migration_run_ids)) AS linked_migrations,
         (SELECT coalesce(json_agg(json_build_object('id', e.id, 'message', e.message, 'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY e.at), '[]')
            FROM mc.change_events e WHERE e.id = ANY (r.flag_change_ids) AND e.kind = 'flag.changed') AS linked_flag_changes
    FROM mc.deployment_runs r
    LEFT JOIN mc.corridors c ON c.org_id = r.org_id AND c.id = r.corridor_id
    LEFT JOIN mc.operators eb ON eb.id = r.evidence_by
    LEFT JOIN mc.operators cb ON cb.id = r.created_by`;

const actor = (id: string | null, name: string | null) => (id ? { id, name: name ?? 'former member' } : null);

function toRun(r: RunRow): DeploymentRun {
  return {
    id: r.id,
    releaseName: r.release_name,
    environment: r.environment,
    corridorId: r.corridor_id,
    corridorName: r.corridor_name,
    siteIds: r.site_ids,
    runtimeGroup: r.runtime_group,
    status: r.status,
    canaryStages: r.canary_stages,
    stageIndex: r.stage_index,
    canaryPercent: r.canary_percent,
    stageStartedAt: r.stage_started_at,
    rollbackRequired: r.rollback_required,
    failureReason: r.failure_reason,
    rollbackPlan: r.rollback_plan,
    evidence:
      r.evidence_uri && r.evidence_sha256 && r.evidence_at
        ? { uri: r.evidence_uri, sha256: r.evidence_sha256, at: r.evidence_at, by: actor(r.evidence_by, r.evidence_by_name) }
        : null,
    links: { migrations: r.linked_migrations, flagChanges: r.linked_flag_changes.map((f) => ({ ...f, id: Number(f.id) })) },
    createdAt: r.created_at,
    createdBy: actor(r.created_by, r.created_by_name),
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export async function listRuns(sql: Sql, limit = 500): Promise<DeploymentRun[]> {
  return (await sql.query<RunRow>(`${SELECT_RUNS} ORDER BY r.created_at DESC LIMIT $1`, [limit])).map(toRun);
}

export async function getRun(sql: Sql, id: string, lock = false): Promise<DeploymentRun> {
  if (lock) await sql.query('SELECT 1 FROM mc.deployment_runs WHERE id = $1 FOR UPDATE', [id]);
  const row = await sql.maybeOne<RunRow>(`${SELECT_RUNS} WHERE r.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That deployment run does not exist in this org.');
  return toRun(row);
}

export interface CreateRunInput {
  releaseName: string;
  environment: DeploymentRun['environment'];
  corridorId: string | null;
  siteIds: string[];
  runtimeGroup: string | null;
  canaryStages: CanaryStage[];
  rollbackPlan: string;
  operatorId: string;
}

export async function createRun(sql: Sql, input: CreateRunInput, audit: Audit): Promise<DeploymentRun> {
  const problems = stageProblems(input.canaryStages);
  if (problems.length > 0) throw new McError('VALIDATION', problems[0]!, { canaryStages: problems[0]! });
  if (input.corridorId && !(await sql.maybeOne('SELECT 1 FROM mc.corridors WHERE id = $1', [input.corridorId]))) {
    throw new McError('VALIDATION', 'That corridor does not exist in this org.', { corridorId: 'Choose a corridor of this org.' });
  }
  if (input.siteIds.length > 0) {
    const found = await sql.query<{ name: string; corridor_id: string }>('SELECT name, corridor_id FROM mc.sites WHERE id = ANY($1::uuid[])', [input.siteIds]);
    if (found.length !== new Set(input.siteIds).size) throw new McError('VALIDATION', 'Some of those sites do not exist in this org.', { siteIds: 'Choose sites of this org.' });
    // The canary watches the target corridor's alerts: a site of another corridor would go unwatched.
    const outside = input.corridorId ? found.filter((f) => f.corridor_id !== input.corridorId) : [];
    if (outside.length > 0) {
      const msg = `${outside.map((o) => o.name).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in the target corridor: choose its sites, or no corridor.`;
      throw new McError('VALIDATION', msg, { siteIds: msg });
    }
  }
  const { id } = await sql.one<{ id: string }>(
    `INSERT INTO mc.deployment_runs (org_id, release_name, environment, corridor_id, site_ids, runtime_group, canary_stages, rollback_plan, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [input.releaseName, input.environment, input.corridorId, input.siteIds, input.runtimeGroup, JSON.stringify(input.canaryStages), input.rollbackPlan, input.operatorId],
  );
  const run = await getRun(sql, id);
  await audit({ action: 'deployments.create', target: { type: 'deployment_run', id }, data: { after: auditView(run) } });
  return run;
}

function auditView(r: DeploymentRun) {
  return { releaseName: r.releaseName, environment: r.environment, corridorId: r.corridorId, status: r.status, canaryPercent: r.canaryPercent, canaryStages: r.canaryStages };
}

export async function startRun(sql: Sql, id: string, operatorId: string, now: Date, audit: Audit): Promise<DeploymentRun> {
  const before = await getRun(sql, id, true);
  if (before.status !== 'planned') throw new McError('CONFLICT', `This run is ${before.status.replace('_', ' ')}; only a planned run can start.`);
  const first = before.canaryStages[0];
  await sql.query(
    `UPDATE mc.deployment_runs SET status = $2, stage_index = $3, canary_percent = $4, stage_started_at = $5, started_at = $5, started_by = $6, updated_at = now()
      WHERE id = $1`,
    [id, first ? 'canary' : 'in_progress', first ? 0 : null, first?.percent ?? null, now.toISOString(), operatorId],
  );
  const run = await getRun(sql, id);
  await recordChangeEvent(sql, { kind: 'deploy.started', subjectId: id, actorId: operatorId, message: `New deploy started: ${run.releaseName} to ${run.environment}${first ? ` at ${first.percent}%` : ''}.` });
  await audit({ action: 'deployments.start', target: { type: 'deployment_run', id }, data: { before: auditView(before), after: auditView(run) } });
  return run;
}

/**
 * Alerts that fired on the run's target since its stage began, or fire still: rules scoped to
 * the target corridor or to its sites and nodes, and org-wide rules. A run without a corridor
 * targets the whole org, so every alert counts.
 */
export async function targetAlerts(sql: Sql, run: DeploymentRun, since: Date): Promise<TargetAlert[]> {
  const rows = await sql.query<{ rule_name: string; severity: TargetAlert['severity']; fired_at: string }>(
    `WITH target AS (
       SELECT 'corridor:' || c.id AS k FROM mc.corridors c WHERE c.id = $1
       UNION ALL SELECT 'site:' || s.id FROM mc.sites s WHERE s.corridor_id = $1
       UNION ALL SELECT 'node:' || n.id FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id WHERE s.corridor_id = $1
       UNION ALL SELECT 'all'
     ), seen AS (
       SELECT rule_id, subject_key, at AS fired_at FROM mc.alert_events WHERE to_state = 'firing' AND at >= $2
       UNION ALL SELECT rule_id, subject_key, greatest(firing_since, $2::timestamptz) FROM mc.alert_instances WHERE state = 'firing'
     )
     SELECT r.name AS rule_name, r.severity, s.fired_at
       FROM seen s JOIN mc.alert_rules r ON r.id = s.rule_id
      WHERE $1::uuid IS NULL OR s.subject_key IN (SELECT k FROM target)
      ORDER BY s.fired_at`,
    [run.corridorId, since.toISOString()],
  );
  return rows.map((r) => ({ ruleName: r.rule_name, severity: r.severity, firedAt: new Date(r.fired_at) }));
}

export async function advanceRun(sql: Sql, id: string, operatorId: string | null, now: Date, audit: Audit) {
  const before = await getRun(sql, id, true);
  if (before.status !== 'canary' || before.stageIndex === null || !before.stageStartedAt) {
    throw new McError('CONFLICT', `This run is ${before.status.replace('_', ' ')}, not in a canary stage.`);
  }
  const since = new Date(before.stageStartedAt);
  const decision = decideCanary({ stages: before.canaryStages, stageIndex: before.stageIndex, stageStartedAt: since }, now, await targetAlerts(sql, before, since));
  let message: string;
  switch (decision.kind) {
    case 'wait':
      return { run: before, decision: decision.kind, message: `The ${before.canaryPercent}% window has ${Math.ceil(decision.remainingMs / 60_000)} min to go.`, changed: false };
    case 'promote':
      await sql.query('UPDATE mc.deployment_runs SET stage_index = $2, canary_percent = $3, stage_started_at = $4, updated_at = now() WHERE id = $1', [
        id,
        decision.toIndex,
        decision.percent,
        now.toISOString(),
      ]);
      message = `Canary percentage increased: ${before.releaseName} from ${before.canaryPercent}% to ${decision.percent}%.`;
      await recordChangeEvent(sql, { kind: 'canary.promoted', subjectId: id, actorId: operatorId, message });
      break;
    case 'succeed':
      await sql.query(`UPDATE mc.deployment_runs SET status = 'succeeded', finished_at = $2, finished_by = $3, updated_at = now() WHERE id = $1`, [id, now.toISOString(), operatorId]);
      message = `${before.releaseName} passed its last window at 100% and succeeded.`;
      await recordChangeEvent(sql, { kind: 'deploy.finished', subjectId: id, actorId: operatorId, message });
      break;
    case 'hold':
      await sql.query('UPDATE mc.deployment_runs SET stage_started_at = $2, updated_at = now() WHERE id = $1', [id, now.toISOString()]);
      message = decision.reason;
      await recordChangeEvent(sql, { kind: 'canary.held', subjectId: id, actorId: operatorId, severity: 'warning', message });
      break;
    case 'abort':
      await sql.query(
        `UPDATE mc.deployment_runs SET status = 'failed', rollback_required = true, failure_reason = $2, finished_at = $3, finished_by = $4, updated_at = now() WHERE id = $1`,
        [id, decision.reason, now.toISOString(), operatorId],
      );
      message = `Canary aborted, roll back: ${decision.reason}`;
      await recordChangeEvent(sql, { kind: 'canary.aborted', subjectId: id, actorId: operatorId, severity: 'critical', message });
      break;
  }
  const run = await getRun(sql, id);
  await audit({ action: `deployments.canary.${decision.kind}`, target: { type: 'deployment_run', id }, data: { before: auditView(before), after: auditView(run), message } });
  return { run, decision: decision.kind, message, changed: true };
}

export async function finishRun(sql: Sql, id: string, outcome: 'succeeded' | 'failed' | 'rolled_back', reason: string | undefined, operatorId: string, now: Date, audit: Audit) {
  const before = await getRun(sql, id, true);
  const open = ['in_progress', 'canary'].includes(before.status) || (outcome === 'rolled_back' && before.status === 'failed');
  if (!open) throw new McError('CONFLICT', `This run is ${before.status.replace('_', ' ')}; it cannot be marked ${outcome.replace('_', ' ')}.`);
  if (outcome !== 'succeeded' && !reason) throw new McError('VALIDATION', 'Say why the run failed or was rolled back.', { reason: 'Required.' });
  if (outcome === 'succeeded' && before.status === 'canary' && before.canaryPercent !== 100) {
    throw new McError('CONFLICT', `The canary is at ${before.canaryPercent}%: promote it to 100% before marking it succeeded.`);
  }
  await sql.query(
    `UPDATE mc.deployment_runs SET status = $2, failure_reason = coalesce($3, failure_reason), rollback_required = ($2 = 'failed' AND rollback_required),
            finished_at = CASE WHEN finished_at IS NULL OR $2 = 'rolled_back' THEN $4::timestamptz ELSE finished_at END, finished_by = $5, updated_at = now()
      WHERE id = $1`,
    [id, outcome, reason ?? null, now.toISOString(), operatorId],
  );
  const run = await getRun(sql, id);
  await recordChangeEvent(sql, {
    kind: outcome === 'rolled_back' ? 'deploy.rolled_back' : 'deploy.finished',
    subjectId: id,
    actorId: operatorId,
    severity: outcome === 'succeeded' ? 'info' : 'warning',
    message: `${run.releaseName} ${outcome.replace('_', ' ')} in ${run.environment}.`,
  });
  if (outcome === 'rolled_back') {
    // A rollback is its own act, not a finish: the audit log and evidence bundles name it, with
    // what was rolled back (the release, where, from which state and canary weight, the plan
    // followed, why it had failed if it had) and the operator's reason.
    await audit({
      action: 'deployments.rollback',
      target: { type: 'deployment_run', id },
      data: {
        before: auditView(before),
        after: auditView(run),
        rolledBack: {
          releaseName: before.releaseName,
          environment: before.environment,
          corridorId: before.corridorId,
          siteIds: before.siteIds,
          fromStatus: before.status,
          canaryPercent: before.canaryPercent,
          failureReason: before.failureReason,
          rollbackPlan: before.rollbackPlan,
        },
        reason: reason ?? null,
      },
    });
    return run;
  }
  await audit({ action: 'deployments.finish', target: { type: 'deployment_run', id }, data: { before: auditView(before), after: auditView(run), reason: reason ?? null } });
  return run;
}

export async function attachEvidence(sql: Sql, input: { id: string; uri: string; sha256: string | null; operatorId: string }, audit: Audit) {
  const { sha256 } = await resolveEvidence(input.uri, input.sha256);
  const before = await getRun(sql, input.id, true);
  await sql.query('UPDATE mc.deployment_runs SET evidence_uri = $2, evidence_sha256 = $3, evidence_at = now(), evidence_by = $4, updated_at = now() WHERE id = $1', [
    input.id,
    input.uri,
    sha256,
    input.operatorId,
  ]);
  const run = await getRun(sql, input.id);
  await audit({ action: 'deployments.attachEvidence', target: { type: 'deployment_run', id: input.id }, data: { before: before.evidence, after: run.evidence } });
  return run;
}

/** Link a run to the migration runs and flag changes of its release; every id must exist in this org. */
export async function linkRun(sql: Sql, input: { id: string; migrationRunIds: string[]; flagChangeIds: number[] }, audit: Audit): Promise<DeploymentRun> {
  const migrationRunIds = [...new Set(input.migrationRunIds)];
  const flagChangeIds = [...new Set(input.flagChangeIds)];
  const before = await getRun(sql, input.id, true);
  const found = await sql.one<{ m: number; f: number }>(
    `SELECT (SELECT count(*) FROM mc.migration_runs WHERE id = ANY ($1::uuid[]))::int AS m,
            (SELECT count(*) FROM mc.change_events WHERE id = ANY ($2::bigint[]) AND kind = 'flag.changed')::int AS f`,
    [migrationRunIds, flagChangeIds],
  );
  if (found.m !== migrationRunIds.length) throw new McError('VALIDATION', 'Some of those migration runs do not exist in this org.', { migrationRunIds: 'Choose migration runs of this org.' });
  if (found.f !== flagChangeIds.length) throw new McError('VALIDATION', 'Some of those feature-flag changes do not exist in this org.', { flagChangeIds: 'Choose flag changes of this org.' });
  await sql.query('UPDATE mc.deployment_runs SET migration_run_ids = $2, flag_change_ids = $3, updated_at = now() WHERE id = $1', [input.id, migrationRunIds, flagChangeIds]);
  const run = await getRun(sql, input.id);
  await audit({ action: 'deployments.link', target: { type: 'deployment_run', id: input.id }, data: { before: before.links, after: run.links } });
  return run;
}
