import type { AlertInstance } from '../../../src-shared/contract/alerts';
import { type AlertMetric, EVALUATION_INTERVAL_MS, formatValue } from '../../../src-shared/domain/alert-rules';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import { namesOf, subjectKindOf } from '../incidents';
import { opsSettings } from '../org';

/** Subject keys in words, in one query per kind. */
async function subjectNames(sql: Sql, keys: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>([['all', 'whole grid']]);
  const grid = keys.map(subjectKindOf).filter((s) => s.type === 'corridor' || s.type === 'site' || s.type === 'node');
  for (const n of await namesOf(sql, grid.map((s) => ({ kind: s.type as 'corridor' | 'site' | 'node', id: s.id! })))) out.set(`${n.kind}:${n.id}`, n.name);
  const components = keys.map(subjectKindOf).filter((s) => s.type === 'component');
  if (components.length > 0) {
    const rows = await sql.query<{ id: string; name: string }>('SELECT id, name FROM mc.components WHERE id = ANY ($1::uuid[])', [components.map((c) => c.id)]);
    for (const r of rows) out.set(`component:${r.id}`, r.name);
  }
  return out;
}

interface Row {
  rule_id: string;
  rule_name: string;
  severity: AlertInstance['severity'];
  metric: AlertMetric;
  subject_key: string;
  subject_type: AlertInstance['subjectType'];
  subject_id: string | null;
  state: AlertInstance['state'];
  pending_since: string | null;
  firing_since: string | null;
  resolved_at: string | null;
  last_value: number | null;
  last_observed_at: string | null;
  incident_id: string | null;
  incident_number: number | null;
}

/** Alerts that are pending or firing, and those resolved in the last day; firing and worst first. */
export async function listInstances(sql: Sql, only?: 'firing'): Promise<AlertInstance[]> {
  const rows = await sql.query<Row>(
    `SELECT a.rule_id, r.name AS rule_name, r.severity, r.metric, a.subject_key, a.subject_type, a.subject_id, a.state, a.pending_since,
            a.firing_since, a.resolved_at, a.last_value, a.last_observed_at, a.incident_id, i.number AS incident_number
       FROM mc.alert_instances a
       JOIN mc.alert_rules r ON r.id = a.rule_id
       LEFT JOIN mc.incidents i ON i.org_id = a.org_id AND i.id = a.incident_id
      WHERE ${only === 'firing' ? `a.state = 'firing'` : `a.state <> 'resolved' OR a.resolved_at > now() - interval '1 day'`}
      ORDER BY CASE a.state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
               CASE r.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
               coalesce(a.firing_since, a.pending_since, a.resolved_at) DESC
      LIMIT 1000`,
  );
  const names = await subjectNames(sql, rows.map((r) => r.subject_key));
  return rows.map((r) => ({
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    severity: r.severity,
    subjectKey: r.subject_key,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    subjectName: names.get(r.subject_key) ?? '(deleted)',
    state: r.state,
    pendingSince: r.pending_since,
    firingSince: r.firing_since,
    resolvedAt: r.resolved_at,
    lastValue: r.last_value,
    lastValueText: r.last_value === null ? null : formatValue(r.metric, r.last_value),
    lastObservedAt: r.last_observed_at,
    incident: r.incident_id && r.incident_number !== null ? { id: r.incident_id, ref: incidentRef(r.incident_number) } : null,
  }));
}

export async function alertHistory(sql: Sql, ruleId: string | undefined, limit: number) {
  const rows = await sql.query<{ id: number; rule_id: string; rule_name: string; subject_key: string; from_state: AlertInstance['state']; to_state: AlertInstance['state']; reason: string; at: string }>(
    `SELECT e.id, e.rule_id, r.name AS rule_name, e.subject_key, e.from_state, e.to_state, e.reason, e.at
       FROM mc.alert_events e JOIN mc.alert_rules r ON r.id = e.rule_id
      WHERE ($1::uuid IS NULL OR e.rule_id = $1)
      ORDER BY e.at DESC, e.id DESC LIMIT $2`,
    [ruleId ?? null, limit],
  );
  const names = await subjectNames(sql, rows.map((r) => r.subject_key));
  return rows.map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    subjectKey: r.subject_key,
    subjectName: names.get(r.subject_key) ?? '(deleted)',
    from: r.from_state,
    to: r.to_state,
    reason: r.reason,
    at: r.at,
  }));
}

/** When rules were last evaluated, and whether that is too long ago (nobody is watching). */
export async function evaluationStatus(sql: Sql, now = Date.now()) {
  const s = await opsSettings(sql);
  const at = s.alertsEvaluatedAt;
  return { at, by: s.alertsEvaluatedBy, stale: at === null || now - new Date(at).getTime() > 4 * EVALUATION_INTERVAL_MS };
}
