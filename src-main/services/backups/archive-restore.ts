import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { applyMigrations, type MigrationFile } from '../../db/migrations';
import { ARCHIVE_SCHEMAS, qualified, quoteIdent } from './archive-format';
import { ArchiveError, readArchive, type ReadResult } from './archive-read';
import { tablesOf } from './snapshot';
import type { ProgressFn } from './progress';

/**
 * Restore a built-in archive into an empty database (`client` is its superuser): migrate it to
 * exactly the archive's migrations, then in one transaction empty every table, load each block
 * with COPY (triggers and foreign-key checks off for the load: session_replication_role =
 * replica), create the day partitions the archive had, and set the sequences. Any failure rolls
 * the whole load back.
 */
export async function restoreArchive(client: pg.ClientBase, file: string, migrations: readonly MigrationFile[], opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<ReadResult> {
  let loaded = 0;
  let began = false;
  // The COPY under way (between a block's start and end), and the partitions to create first.
  let open: { stream: NodeJS.WritableStream & { end(): void }; done: Promise<void> } | null = null;
  const pendingPartitions = new Set<string>();
  try {
    return await readArchive(file, {
      header: async (h) => {
        const byName = new Map(migrations.map((m) => [m.name, m]));
        const missing = h.migrations.filter((n) => !byName.has(n));
        if (missing.length) throw new ArchiveError(`The backup was made at migration ${h.migrations.at(-1)}, which this app does not have (${missing.slice(0, 3).join(', ')}): restore it with the app version that made it.`);
        await applyMigrations(client, h.migrations.map((n) => byName.get(n)!));
        await client.query('BEGIN');
        began = true;
        await client.query(`SET LOCAL session_replication_role = replica`);
        const existing = await tablesOf(client);
        const names = existing.filter((t) => ARCHIVE_SCHEMAS.includes(t.schema as (typeof ARCHIVE_SCHEMAS)[number])).map((t) => qualified(t.schema, t.table));
        // Rows the migrations seeded are in the archive too: the archive's copy is the one kept.
        if (names.length) await client.query(`TRUNCATE ${names.join(', ')} CASCADE`);
        opts.onProgress?.({ phase: 'restoring', done: 0, total: null });
      },
      table: async (t) => {
        if (opts.signal?.aborted) throw new ArchiveError('The restore drill was cancelled.');
        opts.onProgress?.({ phase: 'restoring', done: loaded, total: null, table: `${t.schema}.${t.table}` });
        // The TOC (at the end) says which tables are partitions; the catalog of the migrated
        // database says whether this one exists yet.
        const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified(t.schema, t.table)]);
        if (!exists.rows[0]?.t) pendingPartitions.add(`${t.schema}.${t.table}`);
        if (pendingPartitions.has(`${t.schema}.${t.table}`)) return null;
        return copyInto(client, qualified(t.schema, t.table), t.columns);
      },
      tableEnd: async (t) => {
        loaded++;
        await closeCopy(`${t.schema}.${t.table}`);
      },
    }).then(async (r) => {
      // Partitions the scratch database did not have are created now, then loaded from a second
      // pass over the file (only those tables).
      if (pendingPartitions.size) {
        for (const t of r.toc.tables) {
          if (!pendingPartitions.has(`${t.schema}.${t.table}`)) continue;
          if (!t.partitionOf) throw new ArchiveError(`The archive holds ${t.schema}.${t.table}, which the migrations do not create: it was made by another app version.`);
          await client.query(`CREATE TABLE ${qualified(t.schema, t.table)} PARTITION OF ${qualified(t.partitionOf.schema, t.partitionOf.table)} ${t.partitionOf.bound}`);
        }
        await readArchive(file, {
          table: async (t) => (pendingPartitions.has(`${t.schema}.${t.table}`) ? copyInto(client, qualified(t.schema, t.table), t.columns) : null),
          tableEnd: async (t) => closeCopy(`${t.schema}.${t.table}`),
        });
      }
      for (const s of r.toc.sequences) {
        await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(s.schema, s.name), s.value, s.isCalled]);
      }
      await client.query('COMMIT');
      began = false;
      return r;
    });
  } finally {
    if (began) await client.query('ROLLBACK').catch(() => undefined);
  }

  function copyInto(c: pg.ClientBase, table: string, columns: string[]): (data: Buffer) => Promise<void> {
    const stream = c.query(copyFrom(`COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    done.catch(() => undefined);
    open = { stream, done };
    return async (data) => {
      if (!stream.write(data)) await Promise.race([once(stream, 'drain'), done]);
    };
  }
  async function closeCopy(name: string): Promise<void> {
    const o = open;
    open = null;
    if (!o) return;
    o.stream.end();
    try {
      await o.done;
    } catch (e) {
      throw new ArchiveError(`Loading ${name} failed: ${(e as Error).message}`);
    }
  }
}
