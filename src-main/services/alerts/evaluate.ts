import type { Session } from '../../../src-shared/contract/system';
import { aggregate, type AlertRuleDef, describeRule, INITIAL, type InstanceState, type NodeWindow, step, type Transition, WINDOW_SECONDS } from '../../../src-shared/domain/alert-rules';
import { type ComponentState, stateRank } from '../../../src-shared/domain/component-status';
import { isOpen, type IncidentState } from '../../../src-shared/domain/incident-lifecycle';
import { METRIC_BY_NAME } from '../../../src-shared/domain/metrics';
import type { Sql } from '../../db';
import { createIncident, linkAlert, namesOf, subjectKindOf } from '../incidents';
import { appendTimeline } from '../incidents/timeline';
import { stampEvaluation, systemRecorder } from '../org';
import { type RuleRow, SELECT_RULES, toDef } from './rules';

interface WindowRow extends NodeWindow {
  node_id: string;
  site_id: string;
  corridor_id: string;
  metric: number;
}

interface InstanceRow {
  rule_id: string;
  subject_key: string;
  state: InstanceState['state'];
  pending_since: string | null;
  firing_since: string | null;
  resolved_at: string | null;
  last_true_at: string | null;
  last_observed_at: string | null;
  last_value: number | null;
  incident_id: string | null;
  incident_state: IncidentState | null;
}

function toState(r: InstanceRow): InstanceState {
  return {
    state: r.state,
    pendingSince: r.pending_since,
    firingSince: r.firing_since,
    resolvedAt: r.resolved_at,
    lastTrueAt: r.last_true_at,
    lastObservedAt: r.last_observed_at,
    lastValue: r.last_value,
  };
}

/** Each subject's figure for one rule: per node first, then across the subject's nodes. */
function figures(def: AlertRuleDef, windows: readonly WindowRow[], components: readonly { id: string; state: ComponentState }[]): Map<string, number | null> {
  const out = new Map<string, number | null>();
  if (def.scopeKind === 'component') {
    for (const c of components) if (!def.scopeId || c.id === def.scopeId) out.set(`component:${c.id}`, stateRank(c.state));
    return out;
  }
  const metric = METRIC_BY_NAME.get(def.metric)!.id;
  const groups = new Map<string, NodeWindow[]>();
  for (const w of windows) {
    if (w.metric !== metric) continue;
    const subjectId = def.scopeKind === 'node' ? w.node_id : def.scopeKind === 'site' ? w.site_id : def.scopeKind === 'corridor' ? w.corridor_id : null;
    if (def.scopeId && subjectId !== def.scopeId) continue;
    const key = subjectId ? `${def.scopeKind}:${subjectId}` : 'all';
    const list = groups.get(key) ?? [];
    list.push(w);
    groups.set(key, list);
  }
  for (const [key, list] of groups) out.set(key, aggregate(list, def.aggregation));
  return out;
}

export interface EvaluationResult {
  rules: number;
  subjects: number;
  transitions: (Transition & { rule: string; subjectKey: string })[];
  opened: string[];
}

/**
 * One evaluation of every enabled rule at `now` (passed in, so tests control the clock): read the
 * latest window of rollups and component states, step each subject's state, keep what is not
 * plainly inactive, record transitions, and open (or annotate) incidents where rules say so.
 * The caller holds the org's ops lock, so two workstations never evaluate at once.
 */
export async function evaluateAlerts(sql: Sql, session: Session, now: Date, evaluator: string): Promise<EvaluationResult> {
  const rules = await sql.query<RuleRow>(`${SELECT_RULES} WHERE r.enabled ORDER BY r.name`);
  const result: EvaluationResult = { rules: rules.length, subjects: 0, transitions: [], opened: [] };
  if (rules.length > 0) {
    const metricIds = [...new Set(rules.filter((r) => r.metric !== 'component_state' && r.metric !== 'dead_letters').map((r) => METRIC_BY_NAME.get(r.metric)!.id))];
    const from = new Date(Math.floor((now.getTime() - WINDOW_SECONDS * 1000) / 60_000) * 60_000);
    const windows =
      metricIds.length === 0
        ? []
        : await sql.query<WindowRow>(
            `SELECT r.node_id, n.site_id, s.corridor_id, r.metric, sum(r.n)::int AS n, sum(r.sum) AS sum, min(r.min) AS min, max(r.max) AS max
               FROM mc.telemetry_rollups_1m r
               JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
               JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
              WHERE r.org_id = mc.current_org_id() AND r.metric = ANY ($1::smallint[]) AND r.minute >= $2 AND r.minute <= $3
                AND n.lifecycle IN ('active', 'draining')
              GROUP BY r.node_id, n.site_id, s.corridor_id, r.metric`,
            [metricIds, from.toISOString(), now.toISOString()],
          );
    const components = rules.some((r) => r.scope_kind === 'component') ? await sql.query<{ id: string; state: ComponentState }>('SELECT id, state FROM mc.components') : [];
    // The org's dead letters now (row-level security counts this org's only).
    const deadLetters = rules.some((r) => r.metric === 'dead_letters') ? (await sql.one<{ n: number }>('SELECT count(*)::int AS n FROM mc.ingest_dead_letters')).n : 0;
    const instances = await sql.query<InstanceRow>(
      `SELECT a.rule_id, a.subject_key, a.state, a.pending_since, a.firing_since, a.resolved_at, a.last_true_at, a.last_observed_at, a.last_value,
              a.incident_id, i.state AS incident_state
         FROM mc.alert_instances a LEFT JOIN mc.incidents i ON i.org_id = a.org_id AND i.id = a.incident_id
        WHERE a.rule_id = ANY ($1::uuid[])`,
      [rules.map((r) => r.id)],
    );
    const byRule = new Map<string, Map<string, InstanceRow>>();
    for (const i of instances) {
      const m = byRule.get(i.rule_id) ?? new Map<string, InstanceRow>();
      m.set(i.subject_key, i);
      byRule.set(i.rule_id, m);
    }
    for (const rule of rules) {
      const def = toDef(rule);
      const values = def.metric === 'dead_letters' ? new Map([['all', deadLetters]]) : figures(def, windows, components);
      const existing = byRule.get(rule.id) ?? new Map<string, InstanceRow>();
      const keys = new Set([...values.keys(), ...existing.keys()]);
      result.subjects += keys.size;
      for (const key of keys) {
        const row = existing.get(key);
        const prev = row ? toState(row) : INITIAL;
        const { next, transition } = step(def, prev, now, values.get(key) ?? null);
        let incidentId = row?.incident_id ?? null;
        if (transition) {
          result.transitions.push({ ...transition, rule: rule.name, subjectKey: key });
          await sql.query(
            `INSERT INTO mc.alert_events (org_id, rule_id, subject_key, from_state, to_state, value, reason, at)
             VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7)`,
            [rule.id, key, transition.from, transition.to, next.lastValue, transition.reason.slice(0, 500), now.toISOString()],
          );
        }
        if (next.state === 'inactive') {
          if (row) await sql.query('DELETE FROM mc.alert_instances WHERE rule_id = $1 AND subject_key = $2', [rule.id, key]);
          continue;
        }
        const subject = subjectKindOf(key);
        await sql.query(
          `INSERT INTO mc.alert_instances (org_id, rule_id, subject_key, subject_type, subject_id, state, pending_since, firing_since, resolved_at,
                                           last_true_at, last_observed_at, last_value, incident_id, updated_at)
           VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (rule_id, subject_key) DO UPDATE SET state = excluded.state, pending_since = excluded.pending_since,
             firing_since = excluded.firing_since, resolved_at = excluded.resolved_at, last_true_at = excluded.last_true_at,
             last_observed_at = excluded.last_observed_at, last_value = excluded.last_value, updated_at = excluded.updated_at`,
          [rule.id, key, subject.type, subject.id, next.state, next.pendingSince, next.firingSince, next.resolvedAt, next.lastTrueAt, next.lastObservedAt, next.lastValue, incidentId, now.toISOString()],
        );
        if (!transition) continue;
        const rec = systemRecorder(sql, session, `Alert rule “${rule.name}”`.slice(0, 200));
        const incidentOpen = incidentId !== null && row?.incident_state !== null && row?.incident_state !== undefined && isOpen(row.incident_state);
        if (transition.to === 'firing' && def.openIncident && !incidentOpen) {
          const subjectName = await nameOf(sql, key);
          const { incident } = await createIncident(sql, rec, {
            title: `${rule.name}: ${subjectName}`.slice(0, 200),
            severity: def.incidentSeverity,
            summary: `Opened by the alert rule “${rule.name}” (${describeRule(def)}): ${transition.reason}.`,
            drill: false,
            affected: [],
          });
          await linkAlert(sql, rec, { incidentId: incident.id, ruleId: rule.id, subjectKey: key }, false);
          await sql.query('UPDATE mc.alert_instances SET incident_id = $3 WHERE rule_id = $1 AND subject_key = $2', [rule.id, key, incident.id]);
          incidentId = incident.id;
          result.opened.push(incident.ref);
        } else if (incidentOpen && (transition.to === 'resolved' || transition.to === 'firing')) {
          const subjectName = await nameOf(sql, key);
          const entry = await appendTimeline(sql, rec, incidentId!, {
            kind: transition.to === 'resolved' ? 'alert_resolved' : 'alert_fired',
            action: transition.to === 'resolved' ? 'incidents.alert_resolved' : 'incidents.alert_fired_again',
            body: `${rule.name} (${subjectName}) ${transition.to === 'resolved' ? 'resolved' : 'fired again'}: ${transition.reason}.`,
            data: { ruleId: rule.id, subjectKey: key, to: transition.to },
          });
          await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [incidentId, entry.at]);
        }
      }
    }
  }
  await stampEvaluation(sql, now, evaluator);
  return result;
}

/** A subject in words: a node's host name, a site's or corridor's name, a component's name. */
export async function nameOf(sql: Sql, subjectKey: string): Promise<string> {
  const s = subjectKindOf(subjectKey);
  if (s.type === 'all') return 'whole grid';
  if (s.type === 'component') return (await sql.maybeOne<{ name: string }>('SELECT name FROM mc.components WHERE id = $1', [s.id]))?.name ?? '(deleted component)';
  return (await namesOf(sql, [{ kind: s.type as 'corridor' | 'site' | 'node', id: s.id! }]))[0]?.name ?? '(deleted)';
}

