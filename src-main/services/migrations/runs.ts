import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';

interface RunRow {
  id: string;
  file_name: string;
  sha256: string;
  byte_size: number;
  sql_text: string;
  target_database: string;
  shared_database: boolean;
  lock_timeout_ms: number;
  statement_timeout_ms: number;
  findings: MigrationRun['findings'];
  statements: MigrationRun['statements'];
  status: MigrationRun['status'];
  error: string | null;
  error_line: number | null;
  duration_ms: number | null;
  created_at: string;
  created_by: string;
  created_by_name: string | null;
  approved_at: string | null;
  approved_by: string | null;
  approved_by_name: string | null;
  applied_at: string | null;
  applied_by: string | null;
  applied_by_name: string | null;
  evidence_uri: string | null;
  evidence_sha256: string | null;
  evidence_at: string | null;
  evidence_by: string | null;
  evidence_by_name: string | null;
}

const SELECT = `
  SELECT r.*, cb.display_name AS created_by_name, ab.display_name AS approved_by_name, pb.display_name AS applied_by_name, eb.display_name AS evidence_by_name
    FROM mc.migration_runs r
    LEFT JOIN mc.operators cb ON cb.id = r.created_by
    LEFT JOIN mc.operators ab ON ab.id = r.approved_by
    LEFT JOIN mc.operators pb ON pb.id = r.applied_by
    LEFT JOIN mc.operators eb ON eb.id = r.evidence_by`;

const who = (id: string | null, name: string | null) => (id ? { id, name: name ?? 'former member' } : null);

export function toRun(r: RunRow): MigrationRun {
  return {
    id: r.id,
    fileName: r.file_name,
    sha256: r.sha256,
    byteSize: r.byte_size,
    targetDatabase: r.target_database,
    sharedDatabase: r.shared_database,
    lockTimeoutMs: r.lock_timeout_ms,
    statementTimeoutMs: r.statement_timeout_ms,
    findings: r.findings,
    statements: r.statements,
    status: r.status,
    error: r.error,
    errorLine: r.error_line,
    durationMs: r.duration_ms,
    createdAt: r.created_at,
    createdBy: who(r.created_by, r.created_by_name)!,
    approvedAt: r.approved_at,
    approvedBy: who(r.approved_by, r.approved_by_name),
    appliedAt: r.applied_at,
    appliedBy: who(r.applied_by, r.applied_by_name),
    evidence:
      r.evidence_uri && r.evidence_sha256 && r.evidence_at
        ? { uri: r.evidence_uri, sha256: r.evidence_sha256, at: r.evidence_at, by: who(r.evidence_by, r.evidence_by_name) }
        : null,
  };
}

export async function listMigrationRuns(sql: Sql, limit = 200): Promise<MigrationRun[]> {
  return (await sql.query<RunRow>(`${SELECT} ORDER BY r.created_at DESC LIMIT $1`, [limit])).map(toRun);
}

export async function getMigrationRun(sql: Sql, id: string, lock = false): Promise<MigrationRun & { sqlText: string }> {
  if (lock) await sql.query('SELECT 1 FROM mc.migration_runs WHERE id = $1 FOR UPDATE', [id]);
  const row = await sql.maybeOne<RunRow>(`${SELECT} WHERE r.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That migration run does not exist in this org.');
  return { ...toRun(row), sqlText: row.sql_text };
}

/** A file name that was applied stays bound to its content: a changed file needs a new name. */
export async function refuseReuse(sql: Sql, fileName: string, sha256: string, database: string): Promise<void> {
  const applied = await sql.maybeOne<{ sha256: string; applied_at: string }>(
    `SELECT sha256, applied_at FROM mc.migration_runs WHERE file_name = $1 AND target_database = $2 AND status = 'applied' ORDER BY applied_at DESC LIMIT 1`,
    [fileName, database],
  );
  if (!applied) return;
  if (applied.sha256 === sha256) throw new McError('CONFLICT', `${fileName} was applied to ${database} already (at ${applied.applied_at}); it is not applied twice.`, { fileName: 'Applied already.' });
  throw new McError('CONFLICT', `${fileName} was applied to ${database} with different content (sha256 ${applied.sha256.slice(0, 12)}…). A changed file is not re-run under the same name: give the change a new file name.`, {
    fileName: 'Changed after it was applied.',
  });
}
