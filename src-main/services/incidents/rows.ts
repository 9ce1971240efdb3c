import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { McError } from '../../../src-shared/contract/errors';
import { blocksNewTraffic, type IncidentState, incidentRef, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';

export interface IncidentRow {
  id: string;
  number: number;
  title: string;
  summary: string;
  severity: Severity;
  state: IncidentState;
  drill: boolean;
  merged_into: string | null;
  merged_number: number | null;
  commander_id: string | null;
  commander_name: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  acknowledged_at: string | null;
  policy_id: string | null;
  escalation_arm: number;
  escalation_armed_at: string;
  opened_by: string | null;
  opened_by_name: string;
  opened_at: string;
  resolved_at: string | null;
  closed_at: string | null;
  resolution_note: string | null;
  updated_at: string;
  version: number;
  affected_count: number;
}

/** Names are read at display time: an operator renamed is renamed everywhere; one who left keeps the name the row has. */
export const SELECT_INCIDENTS = `
  SELECT i.id, i.number, i.title, i.summary, i.severity, i.state, i.drill, i.merged_into, m.number AS merged_number,
         i.commander_id, c.display_name AS commander_name, i.acknowledged_by, a.display_name AS acknowledged_by_name,
         i.acknowledged_at, i.policy_id, i.escalation_arm, i.escalation_armed_at, i.opened_by,
         coalesce(o.display_name, i.opened_by_name) AS opened_by_name, i.opened_at, i.resolved_at, i.closed_at,
         i.resolution_note, i.updated_at, i.version,
         (SELECT count(*)::int FROM mc.incident_affected x WHERE x.org_id = i.org_id AND x.incident_id = i.id) AS affected_count
    FROM mc.incidents i
    LEFT JOIN mc.incidents m ON m.org_id = i.org_id AND m.id = i.merged_into
    LEFT JOIN mc.operators c ON c.id = i.commander_id
    LEFT JOIN mc.operators a ON a.id = i.acknowledged_by
    LEFT JOIN mc.operators o ON o.id = i.opened_by`;

const FORMER = 'former member';

export function toSummary(r: IncidentRow): IncidentSummary {
  return {
    id: r.id,
    number: r.number,
    ref: incidentRef(r.number),
    title: r.title,
    severity: r.severity,
    state: r.state,
    drill: r.drill,
    openedAt: r.opened_at,
    openedBy: { id: r.opened_by, name: r.opened_by_name },
    updatedAt: r.updated_at,
    acknowledged: r.acknowledged_by && r.acknowledged_at ? { by: { id: r.acknowledged_by, name: r.acknowledged_by_name ?? FORMER }, at: r.acknowledged_at } : null,
    commander: r.commander_id ? { id: r.commander_id, name: r.commander_name ?? FORMER } : null,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    mergedInto: r.merged_into && r.merged_number !== null ? { id: r.merged_into, ref: incidentRef(r.merged_number) } : null,
    blocksTraffic: !r.drill && blocksNewTraffic(r),
    affectedCount: r.affected_count,
    version: r.version,
  };
}

export async function incidentRow(sql: Sql, id: string): Promise<IncidentRow> {
  const row = await sql.maybeOne<IncidentRow>(`${SELECT_INCIDENTS} WHERE i.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That incident does not exist in this org.');
  return row;
}

/** Lock the incident for this transaction (concurrent changes queue) and read it. */
export async function lockIncident(sql: Sql, id: string): Promise<IncidentRow> {
  const locked = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.incidents WHERE id = $1 FOR UPDATE', [id]);
  if (!locked) throw new McError('NOT_FOUND', 'That incident does not exist in this org.');
  return incidentRow(sql, id);
}

export async function summaryOf(sql: Sql, id: string): Promise<IncidentSummary> {
  return toSummary(await incidentRow(sql, id));
}

/** "14:02:07 UTC": a time in an error message, unambiguous whatever the reader's zone. */
export function utcTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(11, 19)} UTC`;
}
