import { z } from 'zod';

/**
 * The built-in consistent archive (docs/formats.md, "Backup archive"): used when no pg_dump at
 * least as new as the server is installed (the embedded PostgreSQL 18 beside Debian's pg_dump 15).
 * A gzip stream of lines:
 *
 *   MC-ARCHIVE 1
 *   HEADER {…ArchiveHeader…}          (server version, the migrations applied)
 *   TABLE {"schema":"mc","table":"orgs","columns":["id",…]}
 *   …COPY text-format rows, one per line…
 *   \.
 *   …(one block per table)…
 *   TOC {…ArchiveToc…}                (per table: row count and sha256; sequences)
 *   END
 *
 * COPY's text format escapes backslashes and newlines, so a data line is never exactly "\.", and
 * every block can be read (and hashed) line by line with constant memory.
 */
export const ARCHIVE_MAGIC = 'MC-ARCHIVE 1';
export const END_OF_DATA = '\\.';
export const ARCHIVE_SCHEMAS = ['mc', 'mc_telemetry', 'mc_routing'] as const;

const ident = z.string().min(1).max(63);

export const archiveTableSchema = z.object({
  schema: ident,
  table: ident,
  columns: z.array(ident).min(1).max(1600),
  rows: z.number().int().min(0),
  /** sha256 of the block's bytes (every data line with its newline, without the end marker). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** A partition the restore must create before loading it (day partitions of telemetry). */
  partitionOf: z.object({ schema: ident, table: ident, bound: z.string().min(1).max(2000) }).nullable(),
});
export type ArchiveTable = z.infer<typeof archiveTableSchema>;

export const archiveHeaderSchema = z.object({
  format: z.literal('mc_archive'),
  version: z.literal(1),
  createdAt: z.string().max(40),
  serverVersion: z.string().max(200),
  serverVersionNum: z.number().int(),
  /** The migration files applied (names, in order): the restore migrates its scratch database to exactly these. */
  migrations: z.array(z.string().max(200)).max(10_000),
});
export type ArchiveHeader = z.infer<typeof archiveHeaderSchema>;

export const archiveTocSchema = z.object({
  tables: z.array(archiveTableSchema).max(100_000),
  sequences: z.array(z.object({ schema: ident, name: ident, value: z.string().regex(/^-?\d{1,20}$/), isCalled: z.boolean() })).max(100_000),
});
export type ArchiveToc = z.infer<typeof archiveTocSchema>;

/** A double-quoted identifier (table names come from the catalog, never from a person). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
