import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ARCHIVE_MAGIC, type ArchiveHeader, archiveHeaderSchema, type ArchiveToc, archiveTocSchema, END_OF_DATA } from './archive-format';

/** The file is not a whole, readable archive: said plainly, with what was wrong. */
export class ArchiveError extends Error {}

/** A single line longer than this is a corrupted file, not data (guards memory). */
const MAX_LINE = 256 * 1024 * 1024;

export interface TableBlock {
  schema: string;
  table: string;
  columns: string[];
}

/** What the reader hands a consumer while it walks the archive, in file order. */
export interface ArchiveSink {
  header?(h: ArchiveHeader): Promise<void>;
  /** Start of a table's block; the returned writer receives its data bytes (whole lines). */
  table?(t: TableBlock): Promise<((data: Buffer) => Promise<void>) | null>;
  /** End of a table's block, with what was read. */
  tableEnd?(t: TableBlock, read: { rows: number; sha256: string }): Promise<void>;
}

interface Current {
  block: TableBlock;
  writer: ((d: Buffer) => Promise<void>) | null;
  hash: ReturnType<typeof createHash>;
  rows: number;
}

export interface ReadResult {
  header: ArchiveHeader;
  toc: ArchiveToc;
  /** Per table, what the file held (rows and sha256 of the block), in file order. */
  read: Array<TableBlock & { rows: number; sha256: string }>;
}

function parseJson<T>(what: string, text: string, schema: { parse(v: unknown): T }): T {
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new ArchiveError(`The archive's ${what} is malformed: the file is damaged or is not a Mission Control backup.`);
  }
}

/**
 * Walk an archive with constant memory, checking its structure (magic, header, one block per
 * table, TOC, END) and, per table, that the rows and sha256 read match the TOC. A truncated or
 * altered file is an ArchiveError naming what is wrong.
 */
export async function readArchive(file: string, sink: ArchiveSink = {}): Promise<ReadResult> {
  const gz = pipeline(createReadStream(file), createGunzip(), () => undefined);
  // Mutated by control(): kept in one object so the checks below see its changes.
  const st: { state: 'magic' | 'header' | 'between' | 'data' | 'end' | 'done'; header: ArchiveHeader | null; toc: ArchiveToc | null; current: Current | null } = {
    state: 'magic',
    header: null,
    toc: null,
    current: null,
  };
  const read: ReadResult['read'] = [];
  let rest: Buffer = Buffer.alloc(0);

  const control = async (line: string) => {
    if (st.state === 'magic') {
      if (line !== ARCHIVE_MAGIC) throw new ArchiveError('This file is not a Mission Control backup archive (it does not start with “MC-ARCHIVE 1”).');
      st.state = 'header';
    } else if (st.state === 'header') {
      if (!line.startsWith('HEADER ')) throw new ArchiveError('The archive has no header line.');
      st.header = parseJson('header', line.slice(7), archiveHeaderSchema);
      await sink.header?.(st.header);
      st.state = 'between';
    } else if (st.state === 'between') {
      if (line.startsWith('TABLE ')) {
        const b = parseJson('table header', line.slice(6), { parse: (v: unknown) => v as TableBlock });
        if (typeof b?.schema !== 'string' || typeof b.table !== 'string' || !Array.isArray(b.columns)) throw new ArchiveError('The archive has a malformed table header.');
        st.current = { block: b, writer: (await sink.table?.(b)) ?? null, hash: createHash('sha256'), rows: 0 };
        st.state = 'data';
      } else if (line.startsWith('TOC ')) {
        st.toc = parseJson('table of contents', line.slice(4), archiveTocSchema);
        st.state = 'end';
      } else throw new ArchiveError('The archive has an unexpected line between tables: it is damaged.');
    } else if (st.state === 'end') {
      if (line !== 'END') throw new ArchiveError('The archive does not end with END after its table of contents: it is damaged.');
      st.state = 'done';
    } else throw new ArchiveError('The archive has data after its END line: it is damaged.');
  };

  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      const data: Buffer[] = [];
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        const line = buf.subarray(start, nl + 1);
        start = nl + 1;
        const cur = st.current;
        if (st.state === 'data' && cur) {
          if (line.length === 3 && line.toString('latin1') === `${END_OF_DATA}\n`) {
            if (data.length && cur.writer) await cur.writer(Buffer.concat(data));
            data.length = 0;
            const sha256 = cur.hash.digest('hex');
            read.push({ ...cur.block, rows: cur.rows, sha256 });
            await sink.tableEnd?.(cur.block, { rows: cur.rows, sha256 });
            st.current = null;
            st.state = 'between';
          } else {
            cur.hash.update(line);
            cur.rows++;
            data.push(line);
          }
        } else {
          await control(line.subarray(0, line.length - 1).toString('utf8'));
        }
      }
      const cur = st.current;
      if (data.length && cur?.writer) await cur.writer(Buffer.concat(data));
      rest = buf.subarray(start);
      buf = Buffer.alloc(0);
      if (rest.length > MAX_LINE) throw new ArchiveError('The archive holds a line longer than 256 MiB: it is damaged.');
      // Copy the remainder: it must not keep the whole chunk alive.
      rest = Buffer.from(rest);
    }
  } catch (e) {
    gz.destroy();
    if (e instanceof ArchiveError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || /unexpected end|incorrect header|invalid/i.test((e as Error).message)) {
      throw new ArchiveError(`The archive is truncated or corrupted (${(e as Error).message}); it cannot be restored. Use another backup.`);
    }
    throw e;
  }
  const { header, toc } = st;
  if (rest.length > 0 || st.state !== 'done' || !header || !toc) throw new ArchiveError('The archive ends before its END line: the file is truncated. Use another backup.');
  const tocOf: ArchiveToc = toc;
  // Every block must be the TOC's, in rows and bytes.
  if (tocOf.tables.length !== read.length) throw new ArchiveError(`The archive's table of contents lists ${tocOf.tables.length} tables but the file holds ${read.length}.`);
  tocOf.tables.forEach((t, i) => {
    const r = read[i]!;
    if (r.schema !== t.schema || r.table !== t.table) throw new ArchiveError(`The archive's table of contents and its data disagree at ${t.schema}.${t.table}.`);
    if (r.rows !== t.rows || r.sha256 !== t.sha256) throw new ArchiveError(`${t.schema}.${t.table} in the archive does not match its table of contents (${r.rows} rows read, ${t.rows} listed): the file was altered.`);
  });
  return { header, toc: tocOf, read };
}
