import type { IncidentDetail, IncidentSummary } from '../../../src-shared/contract/incidents';
import { allowedIncidentTransitions, incidentRef, type Severity, SEVERITIES } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import { escalationStatus } from './escalation';
import { namesOf, subjectKindOf } from './links';
import { reviewOf } from './review';
import { incidentRow, type IncidentRow, SELECT_INCIDENTS, toSummary } from './rows';
import { timelineOf } from './timeline';

const OPEN = `i.state IN ('triage', 'active', 'monitoring')`;
/** Open first, worst first; then the most recently changed. */
const ORDER = `ORDER BY (${OPEN}) DESC, CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, i.updated_at DESC`;

export async function listIncidents(sql: Sql, filter: 'open' | 'recent' | 'all', limit: number) {
  const where = filter === 'open' ? `WHERE ${OPEN}` : filter === 'recent' ? `WHERE ${OPEN} OR i.updated_at > now() - interval '7 days'` : '';
  const rows = await sql.query<IncidentRow>(`${SELECT_INCIDENTS} ${where} ${ORDER} LIMIT $1`, [limit]);
  const counts = await sql.query<{ severity: Severity; n: number }>(
    `SELECT severity, count(*)::int AS n FROM mc.incidents i WHERE ${OPEN} AND NOT drill GROUP BY severity`,
  );
  const open = Object.fromEntries(SEVERITIES.map((s) => [s, counts.find((c) => c.severity === s)?.n ?? 0])) as Record<Severity, number>;
  return { incidents: rows.map(toSummary), open, blocking: open.critical + open.high };
}

/** Open critical and high incidents (drills excluded): the daily checklist's "before new traffic" rule. */
export async function blockingIncidents(sql: Sql): Promise<IncidentSummary[]> {
  const rows = await sql.query<IncidentRow>(`${SELECT_INCIDENTS} WHERE ${OPEN} AND NOT i.drill AND i.severity IN ('critical', 'high') ${ORDER}`);
  return rows.map(toSummary);
}

/** Open incidents that name the site, one of its nodes, or its corridor (the site's side panel on the map). */
export async function incidentsAffectingSite(sql: Sql, siteId: string): Promise<IncidentSummary[]> {
  const rows = await sql.query<IncidentRow>(
    `${SELECT_INCIDENTS}
      WHERE ${OPEN} AND EXISTS (
        SELECT 1 FROM mc.incident_affected x
         WHERE x.org_id = i.org_id AND x.incident_id = i.id
           AND ((x.kind = 'site' AND x.target_id = $1)
             OR (x.kind = 'node' AND x.target_id IN (SELECT n.id FROM mc.nodes n WHERE n.site_id = $1))
             OR (x.kind = 'corridor' AND x.target_id = (SELECT s.corridor_id FROM mc.sites s WHERE s.id = $1))))
      ${ORDER}`,
    [siteId],
  );
  return rows.map(toSummary);
}

export async function getIncident(sql: Sql, id: string, now: Date): Promise<IncidentDetail> {
  const r = await incidentRow(sql, id);
  const affectedRows = await sql.query<{ kind: 'corridor' | 'site' | 'node'; target_id: string }>(
    'SELECT kind, target_id FROM mc.incident_affected WHERE incident_id = $1 ORDER BY kind, added_at',
    [id],
  );
  const affected = await namesOf(sql, affectedRows.map((a) => ({ kind: a.kind, id: a.target_id })));
  const alertRows = await sql.query<{ rule_id: string; rule_name: string; severity: string; subject_key: string; state: string | null; linked_at: string }>(
    `SELECT l.rule_id, r.name AS rule_name, r.severity, l.subject_key, a.state, l.linked_at
       FROM mc.incident_alerts l
       JOIN mc.alert_rules r ON r.id = l.rule_id
       LEFT JOIN mc.alert_instances a ON a.rule_id = l.rule_id AND a.subject_key = l.subject_key
      WHERE l.incident_id = $1 ORDER BY l.linked_at`,
    [id],
  );
  const subjectNames = await namesOf(
    sql,
    alertRows
      .map((a) => subjectKindOf(a.subject_key))
      .filter((s): s is { type: 'corridor' | 'site' | 'node'; id: string } => ['corridor', 'site', 'node'].includes(s.type))
      .map((s) => ({ kind: s.type, id: s.id })),
  );
  const components = new Map(
    (await sql.query<{ id: string; name: string }>('SELECT id, name FROM mc.components')).map((c) => [c.id, c.name]),
  );
  const nameOfSubject = (key: string) => {
    const s = subjectKindOf(key);
    if (s.type === 'all') return 'whole grid';
    if (s.type === 'component') return components.get(s.id!) ?? '(deleted component)';
    return subjectNames.find((n) => n.id === s.id)?.name ?? '(deleted)';
  };
  const mergedFrom = await sql.query<{ id: string; number: number; title: string }>(
    'SELECT id, number, title FROM mc.incidents WHERE merged_into = $1 ORDER BY number',
    [id],
  );
  return {
    incident: toSummary(r),
    summary: r.summary,
    resolutionNote: r.resolution_note,
    affected: affected.map((a) => ({ kind: a.kind, id: a.id, name: a.name })),
    alerts: alertRows.map((a) => ({
      ruleId: a.rule_id,
      ruleName: a.rule_name,
      subjectKey: a.subject_key,
      subjectName: nameOfSubject(a.subject_key),
      state: a.state ?? 'inactive',
      severity: a.severity,
      linkedAt: a.linked_at,
    })),
    mergedFrom: mergedFrom.map((m) => ({ id: m.id, ref: incidentRef(m.number), title: m.title })),
    timeline: await timelineOf(sql, id),
    review: await reviewOf(sql, id),
    escalation: await escalationStatus(sql, r, now),
    allowedTransitions: [...allowedIncidentTransitions(r.state)],
  };
}
