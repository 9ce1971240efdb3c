import type { DrillDetail, DrillSummary, SteadyState } from '../../../src-shared/contract/drills';
import { McError } from '../../../src-shared/contract/errors';
import type { DrillTargets } from '../../../src-shared/domain/drills';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { DrillScopeKind } from './scope';

export interface DrillRow {
  id: string;
  hypothesis: string;
  scope_kind: DrillScopeKind;
  scope_target: string;
  scope_name: string;
  sla_policy_id: string;
  sla_name: string;
  escalation_window_min: number;
  stop_rule_ids: string[];
  state: DrillSummary['state'];
  started_at: string | null;
  ended_at: string | null;
  steady_before: SteadyState | null;
  steady_after: SteadyState | null;
  outcome: 'passed' | 'failed' | null;
  outcome_reasons: string[];
  end_reason: string | null;
  recovery_ms: string | null;
  data_loss_ms: string | null;
  incident_id: string | null;
  incident_number: number | null;
  evidence_id: string | null;
  created_at: string;
}

export interface StepRow {
  position: number;
  kind: 'drain' | 'simulate' | 'restore';
  state: 'pending' | 'done' | 'skipped';
  started_at: string | null;
  ended_at: string | null;
  result: Record<string, unknown> & { summary?: string[] };
  audit_seq: string | null;
}

const SELECT = `SELECT d.*, p.name AS sla_name, p.escalation_window_min, i.number AS incident_number
                  FROM mc.drills d
                  JOIN mc.sla_policies p ON p.org_id = d.org_id AND p.id = d.sla_policy_id
                  LEFT JOIN mc.incidents i ON i.org_id = d.org_id AND i.id = d.incident_id`;

const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

function toSummary(r: DrillRow): DrillSummary {
  return {
    id: r.id,
    hypothesis: r.hypothesis,
    scopeKind: r.scope_kind,
    scopeTarget: r.scope_target,
    scopeName: r.scope_name,
    state: r.state,
    outcome: r.outcome,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    incidentId: r.incident_id,
    incidentRef: r.incident_number === null ? null : incidentRef(r.incident_number),
  };
}

/**
 * The SLA policy has no recovery-time or data-loss field of its own: a drill holds recovery to the
 * policy's escalation window (an outage not recovered by then is escalated, so the SLA already
 * treats it as a breach) and reports the data-loss window without a target.
 */
export function targetsOf(r: Pick<DrillRow, 'escalation_window_min' | 'sla_name'>): DrillTargets & { basis: string } {
  return {
    recoveryMs: r.escalation_window_min * 60_000,
    dataLossMs: null,
    basis: `Recovery is held to ${r.sla_name}'s escalation window (${r.escalation_window_min} min); the policy sets no data-loss target, so the window is reported, not judged.`,
  };
}

export async function drillRow(sql: Sql, id: string, lock = false): Promise<DrillRow> {
  const r = await sql.maybeOne<DrillRow>(`${SELECT} WHERE d.id = $1${lock ? ' FOR UPDATE OF d' : ''}`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That drill does not exist in this org.');
  return r;
}

export async function stepRows(sql: Sql, drillId: string): Promise<StepRow[]> {
  return sql.query<StepRow>('SELECT position, kind, state, started_at, ended_at, result, audit_seq FROM mc.drill_steps WHERE drill_id = $1 ORDER BY position', [drillId]);
}

export async function listDrills(sql: Sql): Promise<DrillSummary[]> {
  return (await sql.query<DrillRow>(`${SELECT} ORDER BY d.created_at DESC LIMIT 200`)).map(toSummary);
}

/** Firing state of each stop rule now (a rule firing on any subject counts). */
export async function stopRules(sql: Sql, ruleIds: readonly string[]): Promise<{ id: string; name: string; firing: boolean }[]> {
  if (ruleIds.length === 0) return [];
  return sql.query<{ id: string; name: string; firing: boolean }>(
    `SELECT r.id, r.name, EXISTS (SELECT 1 FROM mc.alert_instances a WHERE a.org_id = r.org_id AND a.rule_id = r.id AND a.state = 'firing') AS firing
       FROM mc.alert_rules r WHERE r.id = ANY ($1::uuid[]) ORDER BY r.name`,
    [ruleIds],
  );
}

export async function getDrill(sql: Sql, id: string): Promise<DrillDetail> {
  const r = await drillRow(sql, id);
  const steps = await stepRows(sql, id);
  const { recoveryMs, dataLossMs, basis } = targetsOf(r);
  return {
    ...toSummary(r),
    slaPolicy: { id: r.sla_policy_id, name: r.sla_name },
    stopRules: await stopRules(sql, r.stop_rule_ids),
    steps: steps.map((s) => {
      const { summary, ...result } = s.result;
      return {
        position: s.position,
        kind: s.kind,
        state: s.state,
        startedAt: iso(s.started_at),
        endedAt: iso(s.ended_at),
        auditSeq: s.audit_seq === null ? null : Number(s.audit_seq),
        summary: summary ?? [],
        result,
      };
    }),
    before: r.steady_before,
    after: r.steady_after,
    recoveryMs: r.recovery_ms === null ? null : Number(r.recovery_ms),
    dataLossMs: r.data_loss_ms === null ? null : Number(r.data_loss_ms),
    targets: { recoveryMs, dataLossMs, basis },
    outcomeReasons: r.outcome_reasons,
    endReason: r.end_reason,
    evidenceId: r.evidence_id,
    timeline: await timelineOf(sql, id),
  };
}

const ACTION_WORDS: Record<string, string> = {
  'drills.created': 'Drill planned',
  'drills.started': 'Drill started: steady state captured, drill incident opened',
  'drills.step_done': 'Step done',
  'drills.stopped': 'Drill stopped by hand',
  'drills.aborted': 'Drill aborted by a stop condition',
  'drills.completed': 'Drill completed',
};

/** The drill's own audit events (the nodes it drained and restored are counted in its step events). */
async function timelineOf(sql: Sql, id: string): Promise<DrillDetail['timeline']> {
  const rows = await sql.query<{ seq: string; at: string; action: string; actor_name: string; data: { step?: string; summary?: string[]; reason?: string; outcome?: string } }>(
    `SELECT seq, at, action, actor_name, data FROM mc.audit_events WHERE target_type = 'drill' AND target_id = $1 ORDER BY seq LIMIT 50`,
    [id],
  );
  return rows.map((r) => {
    const detail = r.data.step ? `${r.data.step}: ${(r.data.summary ?? []).join(' ')}` : (r.data.reason ?? r.data.outcome ?? '');
    return { seq: Number(r.seq), at: new Date(r.at).toISOString(), action: r.action, actor: r.actor_name, summary: [ACTION_WORDS[r.action] ?? r.action, detail].filter(Boolean).join(' — ') };
  });
}

/** The choices of the create dialog, each list bounded. */
export async function drillOptions(sql: Sql) {
  const q = (text: string) => sql.query<{ id: string; name: string }>(`${text} LIMIT 500`);
  return {
    corridors: await q('SELECT id::text, name FROM mc.corridors ORDER BY name'),
    sites: await q(`SELECT s.id::text, s.name || ' (' || c.name || ')' AS name FROM mc.sites s JOIN mc.corridors c ON c.org_id = s.org_id AND c.id = s.corridor_id ORDER BY s.name`),
    runtimeGroups: await q(`SELECT runtime_group AS id, runtime_group || ' (' || count(*) || ' nodes)' AS name FROM mc.nodes GROUP BY runtime_group ORDER BY runtime_group`),
    slaPolicies: await q('SELECT id::text, name FROM mc.sla_policies ORDER BY name'),
    alertRules: await q('SELECT id::text, name FROM mc.alert_rules ORDER BY name'),
  };
}
