import type { Sql } from '../../db';

/** How recent the org's last backup and restore drill are (the runbooks' and advisories' seam). */
export interface LastBackupStatus {
  lastBackupAt: string | null;
  lastBackupId: string | null;
  lastBackupFormat: 'pg_dump_custom' | 'mc_archive' | null;
  lastDrillAt: string | null;
  lastDrillId: string | null;
  lastDrillOk: boolean | null;
  /** The drill's evidence record: the proof a checklist or runbook links to. */
  lastDrillEvidenceId: string | null;
  lastDrillDurationMs: number | null;
  /** Backups whose file retention has not removed. */
  backupsKept: number;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

export async function lastBackupStatus(sql: Sql, orgId: string): Promise<LastBackupStatus> {
  const r = await sql.one<{
    b_at: unknown; b_id: string | null; b_format: LastBackupStatus['lastBackupFormat']; kept: number;
    d_at: unknown; d_id: string | null; d_ok: boolean | null; d_evidence: string | null; d_ms: number | null;
  }>(
    `SELECT b.created_at AS b_at, b.id AS b_id, b.format AS b_format,
            (SELECT count(*)::int FROM mc.backups k WHERE k.org_id = $1 AND k.removed_at IS NULL) AS kept,
            d.created_at AS d_at, d.id AS d_id, d.ok AS d_ok, d.evidence_id AS d_evidence, d.duration_ms::float8 AS d_ms
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT created_at, id, format FROM mc.backups WHERE org_id = $1 ORDER BY created_at DESC LIMIT 1) b ON true
       LEFT JOIN LATERAL (SELECT created_at, id, ok, evidence_id, duration_ms FROM mc.restore_drills WHERE org_id = $1 ORDER BY created_at DESC LIMIT 1) d ON true`,
    [orgId],
  );
  return {
    lastBackupAt: iso(r.b_at),
    lastBackupId: r.b_id,
    lastBackupFormat: r.b_format,
    lastDrillAt: iso(r.d_at),
    lastDrillId: r.d_id,
    lastDrillOk: r.d_ok,
    lastDrillEvidenceId: r.d_evidence,
    lastDrillDurationMs: r.d_ms,
    backupsKept: r.kept,
  };
}

export const DRILL_WEEK_MS = 7 * 24 * 3600_000;
