import type { Response } from '../../../src-shared/contract';
import type { MigrationFile, Sql } from '../../db';

/** The tables the app's own migrations create in schema mc: what verification expects to find. */
export function expectedTables(files: readonly MigrationFile[]): string[] {
  const out = new Set<string>();
  for (const f of files) for (const m of f.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?mc\.([a-z_0-9]+)/g)) out.add(m[1]!);
  return [...out].sort();
}

/**
 * Schema verification as the seed's checklist does it: counts of tables, functions and RLS
 * policies per schema; tables of the app without forced RLS; SECURITY DEFINER functions without a
 * fixed search_path. Catalog reads only, so it runs as the app's role.
 */
export async function verifySchema(sql: Sql, files: readonly MigrationFile[]): Promise<Response<'migrations.verify'>> {
  const schemas = await sql.query<{ schema: string; tables: number; functions: number; policies: number }>(
    `SELECT n.nspname AS schema,
            (SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')) AS tables,
            (SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = n.oid) AS functions,
            (SELECT count(*)::int FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid WHERE c.relnamespace = n.oid) AS policies
       FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
      ORDER BY 1`,
  );
  const noForce = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'mc' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY 1`,
  );
  const definers = await sql.query<{ name: string }>(
    `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname IN ('mc', 'public')
        AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) cfg WHERE cfg LIKE 'search_path=%')
      ORDER BY 1`,
  );
  const expected = expectedTables(files);
  const found = new Set((await sql.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mc' AND c.relkind IN ('r', 'p')`)).map((r) => r.name));
  const missingTables = expected.filter((t) => !found.has(t));
  return {
    at: new Date().toISOString(),
    schemas,
    tablesWithoutForcedRls: noForce.map((r) => `mc.${r.name}`),
    definerWithoutSearchPath: definers.map((r) => r.name),
    expected: { appTables: expected.length, missingTables },
    ok: noForce.length === 0 && definers.length === 0 && missingTables.length === 0,
  };
}
