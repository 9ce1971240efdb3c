import type pg from 'pg';
import { ARCHIVE_SCHEMAS } from './archive-format';

/** One table to back up, as the catalog describes it. */
export interface TableInfo {
  schema: string;
  table: string;
  columns: string[];
  partitionOf: { schema: string; table: string; bound: string } | null;
}

export interface SequenceInfo {
  schema: string;
  name: string;
  value: string;
  isCalled: boolean;
}

/**
 * Every plain table of the app's schemas (partitions included, partitioned parents excluded: their
 * rows live in the partitions). Generated columns are left out: COPY neither writes nor reads them.
 */
export async function tablesOf(client: pg.ClientBase, schemas: readonly string[] = ARCHIVE_SCHEMAS): Promise<TableInfo[]> {
  const r = await client.query<{ schema: string; table: string; columns: string[] | null; partition_of: TableInfo['partitionOf'] }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
            CASE WHEN c.relispartition THEN (
              SELECT json_build_object('schema', pn.nspname, 'table', p.relname, 'bound', pg_get_expr(c.relpartbound, c.oid))
                FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
               WHERE i.inhrelid = c.oid) END AS partition_of
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r'
      ORDER BY 1, 2`,
    [schemas],
  );
  return r.rows.filter((t) => t.columns && t.columns.length > 0).map((t) => ({ schema: t.schema, table: t.table, columns: t.columns as string[], partitionOf: t.partition_of }));
}

export async function sequencesOf(client: pg.ClientBase, schemas: readonly string[] = ARCHIVE_SCHEMAS): Promise<SequenceInfo[]> {
  const r = await client.query<SequenceInfo>(
    `SELECT schemaname::text AS schema, sequencename::text AS name, COALESCE(last_value, start_value)::text AS value, last_value IS NOT NULL AS "isCalled"
       FROM pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2`,
    [schemas],
  );
  return r.rows;
}

/** The migration files applied, in order (the ledger of src-main/db/migrations.ts). */
export async function appliedMigrations(client: pg.ClientBase): Promise<string[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('mc_meta.migrations')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  return (await client.query<{ name: string }>('SELECT name FROM mc_meta.migrations ORDER BY name')).rows.map((r) => r.name);
}

export async function serverVersionOf(client: pg.ClientBase): Promise<{ text: string; num: number }> {
  const r = await client.query<{ v: string; n: string }>(`SELECT version() AS v, current_setting('server_version_num') AS n`);
  return { text: r.rows[0]?.v ?? 'unknown', num: Number(r.rows[0]?.n ?? 0) };
}
