import type { Sql } from '../../db';

export type ChangeKind = 'deployment' | 'migration' | 'flag';
export interface ChangeWithoutEvidence {
  kind: ChangeKind;
  /** The run's uuid, or the flag change event's id. */
  id: string;
  name: string;
  at: string;
}

/**
 * Every environment change the app records that has no evidence yet (daily checklist item 6):
 * started deployment runs, migration runs that touched the database (applied, or failed while
 * applying), and feature-flag changes. Evidence attached to one closes it. Newest first, with the
 * total per kind (the list itself is bounded).
 */
export async function changesWithoutEvidence(sql: Sql, limit = 200): Promise<{ items: ChangeWithoutEvidence[]; counts: Record<ChangeKind, number> }> {
  const rows = await sql.query<ChangeWithoutEvidence & { n: number }>(
    `WITH open AS (
       SELECT 'deployment' AS kind, id::text, release_name || ' (' || environment || ')' AS name, started_at AS at
         FROM mc.deployment_runs WHERE started_at IS NOT NULL AND evidence_uri IS NULL
       UNION ALL
       SELECT 'migration', id::text, file_name || ' on ' || target_database, coalesce(applied_at, created_at)
         FROM mc.migration_runs WHERE status IN ('applied', 'failed') AND evidence_sha256 IS NULL
       UNION ALL
       SELECT 'flag', id::text, message, at FROM mc.change_events WHERE kind = 'flag.changed' AND evidence_uri IS NULL)
     SELECT kind, id, name, at, count(*) OVER (PARTITION BY kind)::int AS n FROM open ORDER BY at DESC, id LIMIT $1`,
    [limit],
  );
  const counts: Record<ChangeKind, number> = { deployment: 0, migration: 0, flag: 0 };
  for (const r of rows) counts[r.kind] = r.n;
  return { items: rows.map(({ kind, id, name, at }) => ({ kind, id, name, at })), counts };
}
