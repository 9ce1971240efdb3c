import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { resolveEvidence } from '../deployments/evidence';
import { getMigrationRun } from './runs';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

/** Evidence for a migration run that touched the database (applied, or failed while applying). */
export async function attachMigrationEvidence(sql: Sql, input: { id: string; uri: string; sha256: string | null; operatorId: string }, audit: Audit): Promise<MigrationRun> {
  const { sha256 } = await resolveEvidence(input.uri, input.sha256);
  const before = await getMigrationRun(sql, input.id, true);
  // A checked run changed nothing yet: evidence belongs to the apply, so it waits for it.
  if (before.status === 'checked') throw new McError('CONFLICT', 'This run is only checked, not applied: attach evidence once it has been applied.');
  await sql.query('UPDATE mc.migration_runs SET evidence_uri = $2, evidence_sha256 = $3, evidence_at = now(), evidence_by = $4 WHERE id = $1', [input.id, input.uri, sha256, input.operatorId]);
  const { sqlText: _sql, ...run } = await getMigrationRun(sql, input.id);
  await audit({ action: 'migrations.attachEvidence', target: { type: 'migration_run', id: input.id }, data: { before: before.evidence, after: run.evidence } });
  return run;
}
