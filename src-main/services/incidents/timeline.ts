import type { TimelineEntry } from '../../../src-shared/contract/incidents';
import type { TimelineKind } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { AuditRecord } from '../audit';
import type { Recorder } from '../org';

export interface TimelineRow {
  id: string;
  kind: TimelineKind;
  at: string;
  actor_id: string | null;
  actor_name: string;
  body: string | null;
  data: Record<string, unknown>;
  audit_seq: number;
}

export function toEntry(r: TimelineRow): TimelineEntry {
  return { id: r.id, kind: r.kind, at: r.at, actor: { id: r.actor_id, name: r.actor_name }, body: r.body, data: r.data, auditSeq: r.audit_seq };
}

/**
 * One timeline entry and the audit event that proves it, in the caller's transaction: the entry
 * carries the event's time and sequence number, so the timeline and the chain cannot disagree.
 */
export async function appendTimeline(
  sql: Sql,
  rec: Recorder,
  incidentId: string,
  entry: { kind: TimelineKind; action: string; body?: string | null; data?: Record<string, unknown> },
): Promise<TimelineEntry> {
  const data = entry.data ?? {};
  const proof = await rec.audit({
    action: entry.action,
    target: { type: 'incident', id: incidentId },
    data: entry.body ? { ...data, body: entry.body } : data,
  });
  return writeTimelineRow(sql, rec, incidentId, entry, proof);
}

/** The entry row for an audit event already written (when the row it belongs to needs the event's time first). */
export async function writeTimelineRow(
  sql: Sql,
  rec: Recorder,
  incidentId: string,
  entry: { kind: TimelineKind; body?: string | null; data?: Record<string, unknown> },
  proof: AuditRecord,
): Promise<TimelineEntry> {
  const data = entry.data ?? {};
  const row = await sql.one<TimelineRow>(
    `INSERT INTO mc.incident_events (org_id, incident_id, kind, at, actor_id, actor_name, body, data, audit_seq)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id, kind, at, actor_id, actor_name, body, data, audit_seq`,
    [incidentId, entry.kind, proof.at, rec.actor.id, rec.actor.name, entry.body ?? null, JSON.stringify(data), proof.seq],
  );
  return toEntry(row);
}

export async function timelineOf(sql: Sql, incidentId: string): Promise<TimelineEntry[]> {
  const rows = await sql.query<TimelineRow>(
    `SELECT e.id, e.kind, e.at, e.actor_id, coalesce(o.display_name, e.actor_name) AS actor_name, e.body, e.data, e.audit_seq
       FROM mc.incident_events e LEFT JOIN mc.operators o ON o.id = e.actor_id
      WHERE e.incident_id = $1
      ORDER BY e.at, e.audit_seq`,
    [incidentId],
  );
  return rows.map(toEntry);
}
