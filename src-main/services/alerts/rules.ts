import type { AlertRule } from '../../../src-shared/contract/alerts';
import { McError } from '../../../src-shared/contract/errors';
import { type AlertRuleDef, DEFAULT_RULES, describeRule, ruleProblems } from '../../../src-shared/domain/alert-rules';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

export interface RuleRow {
  id: string;
  name: string;
  metric: AlertRuleDef['metric'];
  aggregation: AlertRuleDef['aggregation'];
  comparison: AlertRuleDef['comparison'];
  threshold: number;
  for_seconds: number;
  keep_firing_for_seconds: number;
  severity: AlertRuleDef['severity'];
  scope_kind: AlertRuleDef['scopeKind'];
  scope_id: string | null;
  open_incident: boolean;
  incident_severity: AlertRuleDef['incidentSeverity'];
  enabled: boolean;
  updated_at: string;
  updated_by: string | null;
  updated_by_name: string | null;
  version: number;
}

export const SELECT_RULES = `
  SELECT r.id, r.name, r.metric, r.aggregation, r.comparison, r.threshold, r.for_seconds, r.keep_firing_for_seconds, r.severity,
         r.scope_kind, r.scope_id, r.open_incident, r.incident_severity, r.enabled, r.updated_at, r.updated_by,
         o.display_name AS updated_by_name, r.version
    FROM mc.alert_rules r LEFT JOIN mc.operators o ON o.id = r.updated_by`;

export function toDef(r: RuleRow): AlertRuleDef {
  return {
    name: r.name,
    metric: r.metric,
    aggregation: r.aggregation,
    comparison: r.comparison,
    threshold: r.threshold,
    forSeconds: r.for_seconds,
    keepFiringForSeconds: r.keep_firing_for_seconds,
    severity: r.severity,
    scopeKind: r.scope_kind,
    scopeId: r.scope_id,
    openIncident: r.open_incident,
    incidentSeverity: r.incident_severity,
  };
}

/** The name of a rule's one subject (a corridor, site, node or component), if it has one. */
async function scopeName(sql: Sql, kind: AlertRuleDef['scopeKind'], id: string | null): Promise<string | null> {
  if (!id) return null;
  const table = { node: 'mc.nodes', site: 'mc.sites', corridor: 'mc.corridors', component: 'mc.components', all: null }[kind];
  if (!table) return null;
  const col = kind === 'node' ? 'hostname' : 'name';
  return (await sql.maybeOne<{ name: string }>(`SELECT ${col} AS name FROM ${table} WHERE id = $1`, [id]))?.name ?? null;
}

export async function listRules(sql: Sql): Promise<AlertRule[]> {
  const rows = await sql.query<RuleRow>(`${SELECT_RULES} ORDER BY CASE r.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, r.name`);
  const counts = await sql.query<{ rule_id: string; firing: number; pending: number }>(
    `SELECT rule_id, count(*) FILTER (WHERE state = 'firing')::int AS firing, count(*) FILTER (WHERE state = 'pending')::int AS pending
       FROM mc.alert_instances GROUP BY rule_id`,
  );
  const byRule = new Map(counts.map((c) => [c.rule_id, c]));
  const out: AlertRule[] = [];
  for (const r of rows) {
    const name = await scopeName(sql, r.scope_kind, r.scope_id);
    out.push({
      id: r.id,
      name: r.name,
      metric: r.metric,
      aggregation: r.aggregation,
      comparison: r.comparison,
      threshold: r.threshold,
      forSeconds: r.for_seconds,
      keepFiringForSeconds: r.keep_firing_for_seconds,
      severity: r.severity,
      scopeKind: r.scope_kind,
      scopeId: r.scope_id,
      scopeName: name,
      openIncident: r.open_incident,
      incidentSeverity: r.incident_severity,
      enabled: r.enabled,
      description: describeRule(toDef(r), name ?? undefined),
      firing: byRule.get(r.id)?.firing ?? 0,
      pending: byRule.get(r.id)?.pending ?? 0,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by ? { id: r.updated_by, name: r.updated_by_name ?? 'former member' } : null,
      version: r.version,
    });
  }
  return out;
}

export type RuleInput = AlertRuleDef & { id?: string | undefined; enabled: boolean; expectedVersion?: number | undefined };

/** Fields whose change makes earlier alert states meaningless: they start afresh. */
const CONDITION = ['metric', 'aggregation', 'comparison', 'threshold', 'for_seconds', 'scope_kind', 'scope_id'] as const;

export async function saveRule(sql: Sql, input: RuleInput, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<AlertRule> {
  const problems = ruleProblems(input);
  if (Object.keys(problems).length > 0) throw new McError('VALIDATION', Object.values(problems)[0]!, problems);
  if (input.scopeId && (await scopeName(sql, input.scopeKind, input.scopeId)) === null) {
    throw new McError('VALIDATION', `That ${input.scopeKind} does not exist in this org.`, { scopeId: `Choose a ${input.scopeKind} of this org.` });
  }
  const clash = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.alert_rules WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2::uuid', [input.name, input.id ?? null]);
  if (clash) throw new McError('CONFLICT', `A rule named “${input.name}” exists already.`, { name: 'Choose another name.' });
  const values = [
    input.name,
    input.metric,
    input.aggregation,
    input.comparison,
    input.threshold,
    input.forSeconds,
    input.keepFiringForSeconds,
    input.severity,
    input.scopeKind,
    input.scopeId,
    input.openIncident,
    input.incidentSeverity,
    input.enabled,
  ];
  let id = input.id;
  let reset = false;
  if (id) {
    const before = await sql.maybeOne<RuleRow>(`${SELECT_RULES} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
    if (!before) throw new McError('NOT_FOUND', 'That alert rule does not exist in this org.');
    if (input.expectedVersion !== undefined && before.version !== input.expectedVersion) {
      throw new McError('CONFLICT', `${before.updated_by_name ?? 'Someone'} changed this rule while you were editing it. Reload to see their change.`);
    }
    const after = { metric: input.metric, aggregation: input.aggregation, comparison: input.comparison, threshold: input.threshold, for_seconds: input.forSeconds, scope_kind: input.scopeKind, scope_id: input.scopeId };
    reset = CONDITION.some((k) => before[k] !== after[k]) || (before.enabled && !input.enabled);
    await sql.query(
      `UPDATE mc.alert_rules SET name = $2, metric = $3, aggregation = $4, comparison = $5, threshold = $6, for_seconds = $7,
              keep_firing_for_seconds = $8, severity = $9, scope_kind = $10, scope_id = $11, open_incident = $12,
              incident_severity = $13, enabled = $14, updated_at = now(), updated_by = mc.current_operator_id(), version = version + 1
        WHERE id = $1`,
      [id, ...values],
    );
    // A changed condition (or a rule switched off) starts its alerts afresh; their history stays.
    if (reset) await sql.query('DELETE FROM mc.alert_instances WHERE rule_id = $1', [id]);
  } else {
    id = (
      await sql.one<{ id: string }>(
        `INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, keep_firing_for_seconds, severity,
                                     scope_kind, scope_id, open_incident, incident_severity, enabled, created_by, updated_by)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, mc.current_operator_id(), mc.current_operator_id())
         RETURNING id`,
        values,
      )
    ).id;
  }
  await audit({
    action: input.id ? 'alerts.rule_changed' : 'alerts.rule_created',
    target: { type: 'alert_rule', id },
    data: {
      name: input.name,
      metric: input.metric,
      aggregation: input.aggregation,
      comparison: input.comparison,
      threshold: input.threshold,
      forSeconds: input.forSeconds,
      keepFiringForSeconds: input.keepFiringForSeconds,
      severity: input.severity,
      scopeKind: input.scopeKind,
      scopeId: input.scopeId,
      openIncident: input.openIncident,
      incidentSeverity: input.incidentSeverity,
      enabled: input.enabled,
      alertsReset: reset,
    },
  });
  return (await listRules(sql)).find((r) => r.id === id)!;
}

export async function deleteRule(sql: Sql, id: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<void> {
  const row = await sql.maybeOne<{ name: string }>('DELETE FROM mc.alert_rules WHERE id = $1 RETURNING name', [id]);
  if (!row) throw new McError('NOT_FOUND', 'That alert rule does not exist in this org.');
  await audit({ action: 'alerts.rule_deleted', target: { type: 'alert_rule', id }, data: { name: row.name } });
}

/** The production readme's rules, except those whose names the org uses already. */
export async function installDefaultRules(sql: Sql): Promise<number> {
  let added = 0;
  for (const r of DEFAULT_RULES) {
    const rows = await sql.query(
      `INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, keep_firing_for_seconds, severity,
                                   scope_kind, scope_id, open_incident, incident_severity)
       VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (org_id, name) DO NOTHING RETURNING id`,
      [r.name, r.metric, r.aggregation, r.comparison, r.threshold, r.forSeconds, r.keepFiringForSeconds, r.severity, r.scopeKind, r.scopeId, r.openIncident, r.incidentSeverity],
    );
    added += rows.length;
  }
  return added;
}
