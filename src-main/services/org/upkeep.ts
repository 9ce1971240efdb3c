import type { Sql } from '../../db';

/** Trim alert transitions (30 days) and per-minute corridor figures (as long as rollups). */
export async function maintainOps(sql: Sql): Promise<Record<string, number>> {
  return (await sql.one<{ r: Record<string, number> }>('SELECT mc.ops_maintain() AS r')).r;
}
