import type pg from 'pg';
import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import { MIGRATION_LOCK_ID } from '../../db/migrations';
import type { AuditDraft, AuditRecord } from '../audit';
import { recordChangeEvent } from '../deployments';
import { ConnectionLost, type Outcome, runStatements, type Timeouts } from './execute';
import { decodeSqlFile } from './file';
import { lintSql } from './lint';
import { getMigrationRun, refuseReuse } from './runs';
import { splitStatements } from './statements';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

/** What the center needs of the connected database: its name, whether it is shared, an owner connection. */
export interface TargetDatabase {
  name: string;
  /** A remote profile is a database others use too: applying needs a second admin. */
  shared: boolean;
  withOwner<T>(fn: (c: pg.Client) => Promise<T>): Promise<T>;
}

export async function checkFile(
  sql: Sql,
  target: TargetDatabase,
  input: { fileName: string; contentBase64: string } & Timeouts,
  operatorId: string,
  audit: Audit,
): Promise<MigrationRun> {
  const file = decodeSqlFile(input.contentBase64);
  await refuseReuse(sql, input.fileName, file.sha256, target.name);
  const statements = await splitStatements(file.text);
  const findings = await lintSql(file.text);
  const outcome = await target.withOwner(async (owner) =>
    target.withOwner(async (observer) => runStatements(owner, observer, statements, input, 'dry-run')),
  );
  const { id } = await sql.one<{ id: string }>(
    `INSERT INTO mc.migration_runs (org_id, file_name, sha256, byte_size, sql_text, target_database, shared_database, lock_timeout_ms, statement_timeout_ms,
                                    findings, statements, error, error_line, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      input.fileName,
      file.sha256,
      file.bytes,
      file.text,
      target.name,
      target.shared,
      input.lockTimeoutMs,
      input.statementTimeoutMs,
      JSON.stringify(findings),
      JSON.stringify(outcome.statements),
      outcome.error ? `Dry run: ${outcome.error}` : null,
      outcome.errorLine,
      operatorId,
    ],
  );
  const run = await getMigrationRun(sql, id);
  await audit({
    action: 'migrations.check',
    target: { type: 'migration_run', id },
    data: { fileName: run.fileName, sha256: run.sha256, database: run.targetDatabase, findings: findings.length, dryRunError: outcome.error },
  });
  return run;
}

export async function approveRun(sql: Sql, id: string, operatorId: string, audit: Audit): Promise<MigrationRun> {
  const run = await getMigrationRun(sql, id, true);
  if (run.createdBy.id === operatorId) throw new McError('FORBIDDEN', 'A second admin must approve: the admin who checked the file cannot approve it.');
  if (run.status !== 'checked') throw new McError('CONFLICT', `This run is ${run.status}; only a checked run is approved.`);
  if (run.error) throw new McError('CONFLICT', 'The dry run failed: fix the file and check it again.');
  if (run.approvedBy) throw new McError('CONFLICT', `${run.approvedBy.name} approved this run already.`);
  await sql.query('UPDATE mc.migration_runs SET approved_by = $2, approved_at = now() WHERE id = $1', [id, operatorId]);
  const after = await getMigrationRun(sql, id);
  await audit({ action: 'migrations.approve', target: { type: 'migration_run', id }, data: { fileName: run.fileName, sha256: run.sha256, database: run.targetDatabase } });
  return after;
}

/**
 * Apply a checked run: the confirmation names the database, a shared database needs a second
 * admin's approval, the migration lock keeps a second apply (or the app's own migrations) out,
 * and one transaction means a failing statement leaves nothing behind. The outcome is recorded
 * either way, so the record says what happened.
 */
export async function applyRun(sql: Sql, target: TargetDatabase, input: { id: string; confirmDatabase: string }, operatorId: string, audit: Audit, now = () => Date.now()): Promise<MigrationRun> {
  const run = await getMigrationRun(sql, input.id, true);
  if (run.status !== 'checked') throw new McError('CONFLICT', `This run is ${run.status} already; check the file again to make a new run.`);
  if (run.error) throw new McError('CONFLICT', 'The dry run failed: fix the file and check it again.');
  if (run.targetDatabase !== target.name) throw new McError('CONFLICT', `This run was checked against ${run.targetDatabase}, but ${target.name} is connected now. Check it again here.`);
  if (input.confirmDatabase !== target.name) {
    throw new McError('VALIDATION', `Type the database's name, ${target.name}, to confirm.`, { confirmDatabase: `Type ${target.name}.` });
  }
  if (run.sharedDatabase && !run.approvedBy) throw new McError('FORBIDDEN', `${target.name} is a shared database: a second admin must approve this run before it is applied.`);
  const flagged = run.statements.filter((s) => s.dryRun === 'flagged');
  if (flagged.length > 0) {
    throw new McError('CONFLICT', `Statement ${flagged[0]!.index + 1} (line ${flagged[0]!.line}) cannot run inside a transaction: ${flagged[0]!.note} Run it on its own, outside the center.`);
  }
  await refuseReuse(sql, run.fileName, run.sha256, target.name);
  const statements = await splitStatements(run.sqlText);
  const started = now();
  let outcome: Outcome;
  try {
    outcome = await target.withOwner(async (owner) => {
      const locked = (await owner.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_ID])).rows[0]?.ok;
      if (!locked) throw new McError('CONFLICT', 'Another migration is being applied to this database right now. Wait for it to finish, then try again.');
      try {
        return await runStatements(owner, null, statements, run, 'apply');
      } finally {
        await owner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      }
    });
  } catch (err) {
    if (!(err instanceof ConnectionLost)) throw err;
    // The record must say what happened even though the session that applied it is gone.
    outcome = {
      statements: run.statements,
      error:
        err.phase === 'commit'
          ? `The connection to ${target.name} was lost while committing (${err.detail}): whether the file was applied is not known. Verify the schema before doing anything else.`
          : `The connection to ${target.name} was lost while applying (${err.detail}); the transaction was never committed.`,
      errorLine: null,
    };
  }
  const status = outcome.error ? 'failed' : 'applied';
  await sql.query(`UPDATE mc.migration_runs SET status = $2, error = $3, error_line = $4, duration_ms = $5, applied_at = now(), applied_by = $6 WHERE id = $1`, [
    input.id,
    status,
    outcome.error ? (/not known/.test(outcome.error) ? outcome.error : `${outcome.error} Nothing of the file was applied.`) : null,
    outcome.errorLine,
    Math.round(now() - started),
    operatorId,
  ]);
  await recordChangeEvent(sql, {
    kind: status === 'applied' ? 'migration.applied' : 'migration.failed',
    subjectId: input.id,
    actorId: operatorId,
    severity: status === 'applied' ? 'info' : 'warning',
    message: status === 'applied' ? `SQL file ${run.fileName} applied to ${target.name}.` : `SQL file ${run.fileName} failed on ${target.name}; nothing was applied.`,
  });
  const after = await getMigrationRun(sql, input.id);
  await audit({
    action: `migrations.${status === 'applied' ? 'apply' : 'applyFailed'}`,
    target: { type: 'migration_run', id: input.id },
    data: { fileName: run.fileName, sha256: run.sha256, database: target.name, approvedBy: run.approvedBy?.id ?? null, error: after.error },
  });
  return after;
}
