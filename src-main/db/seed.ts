import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientBase } from 'pg';
import { checksumOf } from './migrations';

/**
 * The demo org is loaded once per database, recorded in mc_meta.seeds so a later start (or an
 * operator who deleted demo rows on purpose) is not overridden.
 */
export async function loadDemoSeed(owner: ClientBase, sqlDirPath: string): Promise<boolean> {
  const sql = readFileSync(join(sqlDirPath, 'seed-demo.sql'), 'utf8');
  await owner.query(`CREATE TABLE IF NOT EXISTS mc_meta.seeds (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = await owner.query(`SELECT 1 FROM mc_meta.seeds WHERE name = 'seed-demo.sql'`);
  if ((done.rowCount ?? 0) > 0) return false;
  await owner.query('BEGIN');
  try {
    await owner.query(sql);
    await owner.query(`INSERT INTO mc_meta.seeds (name, checksum) VALUES ('seed-demo.sql', $1)`, [checksumOf(sql)]);
    await owner.query('COMMIT');
    return true;
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
