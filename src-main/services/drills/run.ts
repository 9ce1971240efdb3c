import type { DrillDetail } from '../../../src-shared/contract/drills';
import { McError } from '../../../src-shared/contract/errors';
import { type DrillStepKind, drillOutcome, drillStepRefusal, DRILL_STEP_ORDER, nextDrillStep } from '../../../src-shared/domain/drills';
import type { Sql } from '../../db';
import { recordEvidence } from '../evidence';
import { type IncidentState, isOpen } from '../../../src-shared/domain/incident-lifecycle';
import { createIncident, transition } from '../incidents';
import type { Recorder } from '../org';
import { loadSnapshot, recordDecision } from '../routing';
import { dataLossWindow, drillSimulations, policyTerms, runSimulations, steadyState } from './figures';
import { type DrillRow, drillRow, getDrill, type StepRow, stepRows, stopRules, targetsOf } from './read';
import { affectedOf, type DrillScopeKind, resolveScope, scopeNodes } from './scope';

/** A drill drains at most this many nodes: beyond it the step is one transaction too long for a workstation. */
export const MAX_DRAIN_NODES = 5000;

export interface NewDrill {
  hypothesis: string;
  scopeKind: DrillScopeKind;
  scopeTarget: string;
  slaPolicyId: string;
  stopRuleIds: string[];
}

const subject = (id: string) => ({ type: 'drill', id });

export async function createDrill(sql: Sql, rec: Recorder, input: NewDrill): Promise<DrillDetail> {
  const scope = await resolveScope(sql, input.scopeKind, input.scopeTarget);
  if (!(await sql.maybeOne('SELECT 1 FROM mc.sla_policies WHERE id = $1', [input.slaPolicyId]))) {
    throw new McError('NOT_FOUND', 'That SLA policy does not exist in this org: pick one, or install the defaults in the SLA view.', { slaPolicyId: 'No such SLA policy.' });
  }
  const ruleIds = [...new Set(input.stopRuleIds)];
  const rules = await stopRules(sql, ruleIds);
  if (rules.length !== ruleIds.length) throw new McError('NOT_FOUND', 'A stop condition names an alert rule that does not exist in this org.', { stopRuleIds: 'Pick alert rules from the list.' });
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.drills (org_id, hypothesis, scope_kind, scope_target, scope_name, sla_policy_id, stop_rule_ids, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [input.hypothesis, scope.kind, scope.target, scope.name, input.slaPolicyId, ruleIds, rec.actor.id],
  );
  for (const [i, kind] of DRILL_STEP_ORDER.entries()) {
    await sql.query('INSERT INTO mc.drill_steps (org_id, drill_id, position, kind) VALUES (mc.current_org_id(), $1, $2, $3)', [row.id, i + 1, kind]);
  }
  await rec.audit({ action: 'drills.created', target: subject(row.id), data: { hypothesis: input.hypothesis, scope: scope.name, stopRules: rules.map((r) => r.name) } });
  return getDrill(sql, row.id);
}

async function lockRunning(sql: Sql, id: string, verb: string): Promise<DrillRow> {
  const d = await drillRow(sql, id, true);
  if (d.state !== 'running') throw new McError('CONFLICT', `This drill is ${d.state}; only a running drill can ${verb}.`);
  return d;
}

export async function startDrill(sql: Sql, rec: Recorder, id: string): Promise<DrillDetail> {
  const d = await drillRow(sql, id, true);
  if (d.state !== 'planned') throw new McError('CONFLICT', `This drill is ${d.state} already; plan a new drill to run it again.`);
  const firing = (await stopRules(sql, d.stop_rule_ids)).filter((r) => r.firing);
  if (firing.length > 0) throw new McError('CONFLICT', `Stop condition "${firing[0]!.name}" is firing now: the drill would end at once. Start it when the alert has resolved.`);
  const scope = await resolveScope(sql, d.scope_kind, d.scope_target);
  const before = await steadyState(sql, scope, await policyTerms(sql, d.sla_policy_id));
  const { incident } = await createIncident(sql, rec, {
    title: `Failover drill: ${scope.name}`.slice(0, 200),
    severity: 'low',
    summary: `Drill, not an outage. Hypothesis: ${d.hypothesis}`.slice(0, 4000),
    drill: true,
    affected: await affectedOf(sql, scope),
  });
  const proof = await rec.audit({ action: 'drills.started', target: subject(id), data: { scope: scope.name, incident: incident.ref, before } });
  await sql.query(`UPDATE mc.drills SET state = 'running', started_at = $2, steady_before = $3, incident_id = $4 WHERE id = $1`, [id, proof.at, JSON.stringify(before), incident.id]);
  return getDrill(sql, id);
}

/** Put back into service the nodes this drill drained that are still draining (an operator may have moved one since). */
async function restoreDrained(sql: Sql, rec: Recorder, drillId: string, steps: readonly StepRow[]): Promise<{ restored: string[]; left: number }> {
  const drain = steps.find((s) => s.kind === 'drain' && s.state === 'done');
  const ids = (drain?.result.drainedNodeIds as string[] | undefined) ?? [];
  if (ids.length === 0) return { restored: [], left: 0 };
  const rows = await sql.query<{ id: string; hostname: string }>(
    `UPDATE mc.nodes SET lifecycle = 'active' WHERE id = ANY ($1::uuid[]) AND lifecycle = 'draining' RETURNING id, hostname`,
    [ids],
  );
  for (const n of rows) await rec.audit({ action: 'nodes.lifecycle_changed', target: { type: 'node', id: n.id }, data: { hostname: n.hostname, from: 'draining', to: 'active', drillId } });
  return { restored: rows.map((r) => r.hostname), left: ids.length - rows.length };
}

/**
 * A drill's incident ends with the drill: resolved, with the drill's outcome as its resolution
 * note on the incident's timeline, so a finished drill leaves no open incident behind (escalating,
 * on the banner, blocking traffic). One an operator already resolved, closed or merged is left as it is.
 */
async function resolveDrillIncident(sql: Sql, rec: Recorder, incidentId: string | null, note: string): Promise<void> {
  if (!incidentId) return;
  const inc = await sql.maybeOne<{ state: IncidentState }>('SELECT state FROM mc.incidents WHERE id = $1 FOR UPDATE', [incidentId]);
  if (!inc || !isOpen(inc.state)) return;
  await transition(sql, rec, { incidentId, to: 'resolved', expectedState: inc.state, resolutionNote: note.slice(0, 4000) });
}

/** End the drill early (a stop condition or by hand): what it drained goes back into service. */
async function endEarly(sql: Sql, rec: Recorder, d: DrillRow, state: 'aborted' | 'stopped', reason: string): Promise<DrillDetail> {
  const steps = await stepRows(sql, d.id);
  const { restored, left } = await restoreDrained(sql, rec, d.id, steps);
  const proof = await rec.audit({ action: state === 'aborted' ? 'drills.aborted' : 'drills.stopped', target: subject(d.id), data: { reason, restored: restored.length, notRestored: left } });
  await sql.query(`UPDATE mc.drill_steps SET state = 'skipped' WHERE drill_id = $1 AND state = 'pending'`, [d.id]);
  await sql.query('UPDATE mc.drills SET state = $2, ended_at = $3, end_reason = $4 WHERE id = $1', [d.id, state, proof.at, reason]);
  const put = `${restored.length} drained node(s) returned to active` + (left > 0 ? `, ${left} left as an operator set them` : '');
  await resolveDrillIncident(sql, rec, d.incident_id, `Failover drill ${state === 'aborted' ? 'aborted' : 'stopped by hand'}: ${reason} ${put}. Drill, not an outage.`);
  return getDrill(sql, d.id);
}

/** A firing stop rule ends the drill as aborted, with the reason; null when none fires. */
async function abortIfStopped(sql: Sql, rec: Recorder, d: DrillRow): Promise<DrillDetail | null> {
  const firing = (await stopRules(sql, d.stop_rule_ids)).filter((r) => r.firing);
  if (firing.length === 0) return null;
  return endEarly(sql, rec, d, 'aborted', `Stop condition fired: ${firing.map((r) => r.name).join(', ')}.`);
}

type StepOutcome = { result: Record<string, unknown>; summary: string[] };

async function drain(sql: Sql, rec: Recorder, d: DrillRow): Promise<StepOutcome> {
  const nodes = await scopeNodes(sql, d.scope_kind, d.scope_target);
  if (nodes.length > MAX_DRAIN_NODES) throw new McError('VALIDATION', `${d.scope_name} has more than ${MAX_DRAIN_NODES} nodes: drill a site or runtime group of it instead.`);
  const active = nodes.filter((n) => n.lifecycle === 'active');
  if (active.length > 0) await sql.query(`UPDATE mc.nodes SET lifecycle = 'draining' WHERE id = ANY ($1::uuid[]) AND lifecycle = 'active'`, [active.map((n) => n.id)]);
  // Every failover is an audit event: one per node drained, as a node's own lifecycle change.
  for (const n of active) await rec.audit({ action: 'nodes.lifecycle_changed', target: { type: 'node', id: n.id }, data: { hostname: n.hostname, from: 'active', to: 'draining', drillId: d.id } });
  return {
    result: { drainedNodeIds: active.map((n) => n.id), drainedHostnames: active.slice(0, 50).map((n) => n.hostname), scopeNodes: nodes.length },
    summary: [
      active.length > 0
        ? `Drained ${active.length} of ${nodes.length} node(s) in ${d.scope_name} (active → draining); routing sends them no new work.`
        : `No active node in ${d.scope_name} to drain (${nodes.length} node(s), none active).`,
    ],
  };
}

async function simulate(sql: Sql, d: DrillRow, operatorId: string | null): Promise<StepOutcome> {
  const scope = await resolveScope(sql, d.scope_kind, d.scope_target);
  const snapshot = await loadSnapshot(sql);
  const sims = await drillSimulations(sql, scope, snapshot, await policyTerms(sql, d.sla_policy_id));
  const routed = runSimulations(snapshot, sims.requests);
  const decisionIds: string[] = [];
  for (const r of routed) {
    // The standard request names no real customer: it is routed and shown, not stored as a decision.
    if (sims.source === 'saved') decisionIds.push((await recordDecision(sql, { source: 'simulation', request: r.request, snapshot, decision: r.decision, operatorId })).id);
  }
  const served = routed.filter((r) => r.outcome.residency === 'inside').length;
  const outside = routed.filter((r) => r.outcome.residency === 'outside').length;
  const allServed = routed.length > 0 && served === routed.length;
  return {
    result: { source: sims.source, simulations: routed.map((r) => r.outcome), decisionIds, served, outside, recovered: allServed },
    summary: [
      sims.source === 'saved'
        ? `Re-ran ${routed.length} saved routing simulation(s) of the scope's corridors with the scope drained.`
        : `No saved routing simulation exists for this scope: ran the standard one (an enterprise request per corridor, measured against ${d.sla_name}).`,
      `${served} of ${routed.length} found a valid target inside residency; ${outside} left the residency corridor; ${routed.length - served - outside} found no node.`,
    ],
  };
}

async function restore(sql: Sql, rec: Recorder, d: DrillRow): Promise<StepOutcome> {
  const { restored, left } = await restoreDrained(sql, rec, d.id, await stepRows(sql, d.id));
  return {
    result: { restoredHostnames: restored.slice(0, 50), restored: restored.length, notRestored: left },
    summary: [
      `Returned ${restored.length} drained node(s) to active.`,
      ...(left > 0 ? [`${left} drained node(s) were no longer draining (moved by an operator since) and were left as they are.`] : []),
    ],
  };
}

export async function runStep(sql: Sql, rec: Recorder, input: { drillId: string; step: DrillStepKind }): Promise<DrillDetail> {
  const d = await lockRunning(sql, input.drillId, 'run a step');
  const steps = await stepRows(sql, d.id);
  const refusal = drillStepRefusal(steps.filter((s) => s.state === 'done').map((s) => s.kind), input.step);
  if (refusal) throw new McError('CONFLICT', refusal);
  const aborted = await abortIfStopped(sql, rec, d);
  if (aborted) return aborted;
  const startedAt = new Date().toISOString();
  const out = input.step === 'drain' ? await drain(sql, rec, d) : input.step === 'simulate' ? await simulate(sql, d, rec.actor.id) : await restore(sql, rec, d);
  const proof = await rec.audit({ action: 'drills.step_done', target: subject(d.id), data: { step: input.step, summary: out.summary } });
  await sql.query(`UPDATE mc.drill_steps SET state = 'done', started_at = $3, ended_at = $4, result = $5, audit_seq = $6 WHERE drill_id = $1 AND kind = $2`, [
    d.id,
    input.step,
    startedAt,
    proof.at,
    JSON.stringify({ ...out.result, summary: out.summary }),
    proof.seq,
  ]);
  return getDrill(sql, d.id);
}

export async function stopDrill(sql: Sql, rec: Recorder, input: { drillId: string; reason: string }): Promise<DrillDetail> {
  return endEarly(sql, rec, await lockRunning(sql, input.drillId, 'be stopped'), 'stopped', input.reason);
}

export async function completeDrill(sql: Sql, rec: Recorder, id: string): Promise<DrillDetail> {
  const d = await lockRunning(sql, id, 'be completed');
  const steps = await stepRows(sql, id);
  const next = nextDrillStep(steps.filter((s) => s.state === 'done').map((s) => s.kind));
  if (next !== null) throw new McError('CONFLICT', `Run every step first: "${next}" has not run yet.`);
  const aborted = await abortIfStopped(sql, rec, d);
  if (aborted) return aborted;
  const scope = await resolveScope(sql, d.scope_kind, d.scope_target);
  const after = await steadyState(sql, scope, await policyTerms(sql, d.sla_policy_id));
  const drainStep = steps.find((s) => s.kind === 'drain')!;
  const simStep = steps.find((s) => s.kind === 'simulate')!;
  // Recovery: from the drain until routing found a valid target for every simulation (the
  // simulate step's end, so operator pace counts against it: an upper bound, never flattering).
  const recoveryMs = simStep.result.recovered === true ? Date.parse(simStep.ended_at!) - Date.parse(drainStep.started_at!) : null;
  const dataLossMs = await dataLossWindow(sql, d.scope_kind, d.scope_target, new Date(drainStep.started_at!), new Date());
  const targets = targetsOf(d);
  const verdict = drillOutcome({ recoveryMs, dataLossMs, residencyViolations: Number(simStep.result.outside ?? 0) }, targets);
  const figures = { recoveryMs, dataLossMs, targets, before: d.steady_before, after, reasons: verdict.reasons };
  const proof = await rec.audit({ action: 'drills.completed', target: subject(id), data: { outcome: verdict.outcome, ...figures } });
  const evidence = await recordEvidence(
    sql,
    {
      kind: 'drill',
      title: `Failover drill ${verdict.outcome}: ${d.scope_name}`.slice(0, 200),
      subjectType: 'drill',
      subjectId: id,
      outcome: verdict.outcome,
      data: { drillId: id, hypothesis: d.hypothesis, scope: d.scope_name, incidentId: d.incident_id, slaPolicy: d.sla_name, ...figures },
      operatorId: rec.actor.id ?? '',
    },
    proof,
  );
  await sql.query(
    `UPDATE mc.drills SET state = 'completed', ended_at = $2, steady_after = $3, outcome = $4, outcome_reasons = $5, recovery_ms = $6, data_loss_ms = $7, evidence_id = $8 WHERE id = $1`,
    [id, proof.at, JSON.stringify(after), verdict.outcome, JSON.stringify(verdict.reasons), recoveryMs, dataLossMs, evidence.id],
  );
  const figuresText = `recovery ${recoveryMs === null ? 'never reached' : `${recoveryMs} ms`}, data-loss window ${dataLossMs === null ? 'unknown' : `${dataLossMs} ms`}`;
  await resolveDrillIncident(
    sql,
    rec,
    d.incident_id,
    `Failover drill completed: ${verdict.outcome} (${figuresText}).${verdict.reasons.length > 0 ? ` ${verdict.reasons.join(' ')}` : ''} Evidence: "${evidence.title}". Drill, not an outage.`,
  );
  return getDrill(sql, id);
}
