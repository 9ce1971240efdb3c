import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ARCHIVE_MAGIC, type ArchiveHeader, type ArchiveTable, type ArchiveToc, END_OF_DATA, qualified, quoteIdent } from './archive-format';
import { appliedMigrations, sequencesOf, serverVersionOf, tablesOf } from './snapshot';
import { BackupCancelled, type ProgressFn } from './progress';

export interface ArchiveResult {
  header: ArchiveHeader;
  toc: ArchiveToc;
}

/**
 * Write the built-in archive of the database `client` is connected to (as a superuser) into
 * `file`: one REPEATABLE READ READ ONLY snapshot, COPY TO STDOUT per table, streamed through gzip
 * to the file with constant memory (the COPY stream waits whenever gzip or the disk does).
 */
export async function writeArchive(client: pg.ClientBase, file: string, opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<ArchiveResult> {
  const gz = createGzip({ level: 6 });
  const out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
  gz.pipe(out);
  let failed: Error | null = null;
  gz.on('error', (e) => (failed ??= e));
  out.on('error', (e) => (failed ??= e));
  const write = async (data: Buffer | string) => {
    if (failed) throw failed;
    if (!gz.write(data)) await Promise.race([once(gz, 'drain'), once(out, 'error').then(([e]) => Promise.reject(e as Error))]);
  };
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  // A COPY stopped half-way leaves the connection unusable: the caller ends it instead.
  let broken = false;
  try {
    const version = await serverVersionOf(client);
    const header: ArchiveHeader = {
      format: 'mc_archive',
      version: 1,
      createdAt: new Date().toISOString(),
      serverVersion: version.text,
      serverVersionNum: version.num,
      migrations: await appliedMigrations(client),
    };
    const tables = await tablesOf(client);
    await write(`${ARCHIVE_MAGIC}\nHEADER ${JSON.stringify(header)}\n`);
    const done: ArchiveTable[] = [];
    for (const t of tables) {
      if (opts.signal?.aborted) throw new BackupCancelled();
      opts.onProgress?.({ phase: 'tables', done: done.length, total: tables.length, table: `${t.schema}.${t.table}` });
      await write(`TABLE ${JSON.stringify({ schema: t.schema, table: t.table, columns: t.columns })}\n`);
      const hash = createHash('sha256');
      let rows = 0;
      const stream = client.query(copyTo(`COPY ${qualified(t.schema, t.table)} (${t.columns.map(quoteIdent).join(', ')}) TO STDOUT`));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (opts.signal?.aborted) {
          broken = true;
          stream.destroy();
          throw new BackupCancelled();
        }
        hash.update(chunk);
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
        await write(chunk);
      }
      await write(`${END_OF_DATA}\n`);
      done.push({ schema: t.schema, table: t.table, columns: t.columns, rows, sha256: hash.digest('hex'), partitionOf: t.partitionOf });
    }
    const toc: ArchiveToc = { tables: done, sequences: await sequencesOf(client) };
    await write(`TOC ${JSON.stringify(toc)}\nEND\n`);
    gz.end();
    await finished(out);
    if (failed) throw failed;
    opts.onProgress?.({ phase: 'tables', done: done.length, total: tables.length });
    return { header, toc };
  } catch (e) {
    gz.destroy();
    out.destroy();
    throw e;
  } finally {
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
  }
}
