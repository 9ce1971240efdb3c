import type { Response } from '../../../src-shared/contract';
import { MAX_SQL_BYTES } from '../../../src-shared/contract/migrations';
import type { MigrationFile, Sql } from '../../db';
import { listMigrationRuns } from './runs';

/** The app's own ledger beside this build's files (drift, pending, unknown) and the operator runs. */
export async function migrationsOverview(sql: Sql, files: readonly MigrationFile[], database: string, shared: boolean): Promise<Response<'migrations.overview'>> {
  const ledger = await sql.query<{ name: string; checksum: string; applied_at: string; applied_by: string }>(
    'SELECT name, checksum, applied_at, applied_by FROM mc_meta.migrations ORDER BY name',
  );
  const byName = new Map(files.map((f) => [f.name, f]));
  const recorded = new Set(ledger.map((l) => l.name));
  return {
    database,
    sharedDatabase: shared,
    ledger: ledger.map((l) => ({ name: l.name, checksum: l.checksum, appliedAt: l.applied_at, appliedBy: l.applied_by, drift: byName.has(l.name) && byName.get(l.name)!.checksum !== l.checksum })),
    pending: files.filter((f) => !recorded.has(f.name)).map((f) => f.name),
    unknown: ledger.filter((l) => !byName.has(l.name)).map((l) => l.name),
    runs: await listMigrationRuns(sql),
    defaults: { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000, maxBytes: MAX_SQL_BYTES },
  };
}
