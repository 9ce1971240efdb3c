import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import type { Recorder } from '../org/recorder';
import { recordEvidence } from '../evidence/records';
import type { BackupFile } from './backup';
import type { DrillResult, DrillSubject } from './drill';

export interface BackupRow {
  id: string;
  format: BackupFile['format'];
  formatReason: string;
  path: string;
  sizeBytes: number;
  sha256: string;
  serverVersion: string;
  migrationLevel: string;
  tables: BackupFile['tables'];
  auditEvents: number;
  trigger: 'manual' | 'scheduled';
  durationMs: number;
  removedAt: string | null;
  createdAt: string;
  createdBy: string | null;
}

export interface DrillRow {
  id: string;
  backupId: string;
  ok: boolean;
  countsOk: boolean;
  chainOk: boolean;
  chainMessage: string;
  tables: DrillResult['tables'];
  scratch: DrillResult['scratch'];
  startedAt: string;
  durationMs: number;
  evidenceId: string;
  createdAt: string;
  createdBy: string | null;
}

const BACKUP_COLUMNS = `b.id, b.format, b.format_reason AS "formatReason", b.file_path AS path, b.size_bytes::float8 AS "sizeBytes", b.sha256,
  b.server_version AS "serverVersion", b.migration_level AS "migrationLevel", b.tables, b.audit_events::float8 AS "auditEvents", b.trigger,
  b.duration_ms::float8 AS "durationMs", b.removed_at AS "removedAt", b.created_at AS "createdAt", o.display_name AS "createdBy"`;

const DRILL_COLUMNS = `d.id, d.backup_id AS "backupId", d.ok, d.counts_ok AS "countsOk", d.chain_ok AS "chainOk", d.chain_message AS "chainMessage", d.tables,
  d.scratch, d.started_at AS "startedAt", d.duration_ms::float8 AS "durationMs", d.evidence_id AS "evidenceId", d.created_at AS "createdAt", o.display_name AS "createdBy"`;

function iso<T extends { createdAt: unknown; removedAt?: unknown; startedAt?: unknown }>(r: T): T {
  const out = { ...r } as Record<string, unknown>;
  for (const k of ['createdAt', 'removedAt', 'startedAt']) if (out[k] instanceof Date) out[k] = (out[k] as Date).toISOString();
  return out as T;
}

export async function listBackups(sql: Sql, limit = 200): Promise<BackupRow[]> {
  const rows = await sql.query<BackupRow>(`SELECT ${BACKUP_COLUMNS} FROM mc.backups b LEFT JOIN mc.operators o ON o.id = b.created_by ORDER BY b.created_at DESC LIMIT $1`, [limit]);
  return rows.map(iso);
}

export async function listDrills(sql: Sql, limit = 200): Promise<DrillRow[]> {
  const rows = await sql.query<DrillRow>(`SELECT ${DRILL_COLUMNS} FROM mc.restore_drills d LEFT JOIN mc.operators o ON o.id = d.created_by ORDER BY d.created_at DESC LIMIT $1`, [limit]);
  return rows.map(iso);
}

export async function getBackup(sql: Sql, id: string): Promise<BackupRow> {
  const r = await sql.maybeOne<BackupRow>(`SELECT ${BACKUP_COLUMNS} FROM mc.backups b LEFT JOIN mc.operators o ON o.id = b.created_by WHERE b.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'There is no such backup in this org.');
  return iso(r);
}

export function drillSubject(b: BackupRow): DrillSubject {
  if (b.removedAt) throw new McError('CONFLICT', `That backup's file was removed by retention on ${b.removedAt}; drill a newer backup.`);
  return { path: b.path, format: b.format, sha256: b.sha256, sizeBytes: b.sizeBytes, serverVersion: b.serverVersion, migrationLevel: b.migrationLevel, tables: b.tables };
}

/** The record of a finished backup file, with its audit event, in the caller's transaction. */
export async function recordBackup(sql: Sql, rec: Recorder, file: BackupFile, trigger: 'manual' | 'scheduled'): Promise<BackupRow> {
  const proof = await rec.audit({
    action: 'backup.created',
    target: { type: 'backup', id: null },
    data: { file: file.path, format: file.format, sha256: file.sha256, bytes: file.sizeBytes, tables: file.tables.length, trigger },
  });
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.backups (org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [file.format, file.formatReason, file.path, file.sizeBytes, file.sha256, file.serverVersion.slice(0, 200), file.migrationLevel, JSON.stringify(file.tables), file.auditEvents, trigger, file.durationMs, proof.seq, rec.actor.id],
  );
  return getBackup(sql, row.id);
}

/** The drill's record and its evidence (kind restore_drill), both pointing at its audit event. */
export async function recordDrill(sql: Sql, rec: Recorder, session: Session, backup: BackupRow, r: DrillResult): Promise<DrillRow> {
  const mismatched = r.tables.filter((t) => t.expected !== t.restored);
  const proof = await rec.audit({
    action: 'backup.restore_drill',
    target: { type: 'backup', id: backup.id },
    data: { ok: r.ok, countsOk: r.countsOk, chainOk: r.chainOk, durationMs: r.durationMs, scratch: r.scratch, mismatched: mismatched.slice(0, 20) },
  });
  const evidence = await recordEvidence(
    sql,
    {
      kind: 'restore_drill',
      title: `Restore drill of the backup of ${backup.createdAt.slice(0, 16).replace('T', ' ')} UTC: ${r.ok ? 'passed' : 'failed'}`,
      subjectType: 'backup',
      subjectId: backup.id,
      outcome: r.ok ? 'passed' : 'failed',
      data: { backup: { id: backup.id, file: backup.path, sha256: backup.sha256, format: backup.format }, ...r },
      operatorId: session.operatorId,
    },
    proof,
  );
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [backup.id, r.ok, r.countsOk, r.chainOk, r.chainMessage.slice(0, 2000), JSON.stringify(r.tables), r.scratch, r.startedAt, r.durationMs, evidence.id, proof.seq, rec.actor.id],
  );
  const d = await sql.one<DrillRow>(`SELECT ${DRILL_COLUMNS} FROM mc.restore_drills d LEFT JOIN mc.operators o ON o.id = d.created_by WHERE d.id = $1`, [row.id]);
  return iso(d);
}
