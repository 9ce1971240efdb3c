import type { Sql } from '../../db';

/** An info alert of change control (the feed beside the audit chain). */
export async function recordChangeEvent(
  sql: Sql,
  e: { kind: string; subjectId: string | null; actorId: string | null; message: string; severity?: 'info' | 'warning' | 'critical' },
): Promise<void> {
  await sql.query(`INSERT INTO mc.change_events (org_id, kind, severity, subject_id, message, actor_id) VALUES (mc.current_org_id(), $1, $2, $3, $4, $5)`, [
    e.kind,
    e.severity ?? 'info',
    e.subjectId,
    e.message.slice(0, 500),
    e.actorId,
  ]);
}

export async function recentChangeEvents(sql: Sql, limit = 100) {
  const rows = await sql.query<{ id: number; at: string; kind: string; severity: 'info' | 'warning' | 'critical'; subject_id: string | null; message: string }>(
    'SELECT id, at, kind, severity, subject_id, message FROM mc.change_events ORDER BY at DESC, id DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, at: r.at, kind: r.kind, severity: r.severity, subjectId: r.subject_id, message: r.message }));
}
