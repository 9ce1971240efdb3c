import { keepMs, keepText, RETENTION_CLASSES, UPKEEP_EVERY_MS } from '../../../src-shared/domain/retention';
import type { RetentionRow } from '../../../src-shared/contract/retention';
import type { Sql } from '../../db';

const SETTINGS = ['telemetry_retention_days', 'rollup_retention_days', 'ingest_batch_window_hours'];

/** The oldest record still kept, per class the upkeep enforces: to see the period holding. */
const OLDEST: Record<string, string> = {
  // Day partitions are the installation's (every org's samples of a day): the oldest day attached.
  telemetry_samples: `SELECT min(to_date(substr(c.relname, 11), 'YYYYMMDD'))::timestamptz AS at FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                       WHERE i.inhparent = 'mc.telemetry'::regclass AND c.relname ~ '^telemetry_\\d{8}$'`,
  routing_decisions: `SELECT min(to_date(substr(c.relname, 19), 'YYYYMMDD'))::timestamptz AS at FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                       WHERE i.inhparent = 'mc.routing_decisions'::regclass AND c.relname ~ '^routing_decisions_\\d{8}$'`,
  telemetry_rollups: 'SELECT min(minute) AS at FROM mc.telemetry_rollups_1m WHERE org_id = mc.current_org_id()',
  corridor_minutes: 'SELECT min(minute) AS at FROM mc.corridor_minutes WHERE org_id = mc.current_org_id()',
  ingest_batch_ids: 'SELECT min(received_at) AS at FROM mc.ingest_batches WHERE org_id = mc.current_org_id()',
  alert_transitions: 'SELECT min(at) AS at FROM mc.alert_events WHERE org_id = mc.current_org_id()',
  telemetry_dead_letters: 'SELECT min(failed_at) AS at FROM mc.ingest_dead_letters WHERE org_id = mc.current_org_id()',
  runtime_token_counters: 'SELECT min(observed_at) AS at FROM mc.runtime_token_counters WHERE org_id = mc.current_org_id()',
  api_request_logs: 'SELECT min(started_at) AS at FROM mc.api_requests WHERE org_id = mc.current_org_id()',
  idempotency_keys: 'SELECT min(created_at) AS at FROM mc.idempotency_keys WHERE org_id = mc.current_org_id()',
  usage_events: 'SELECT min(occurred_at) AS at FROM mc.usage_events WHERE org_id = mc.current_org_id()',
  usage_reconciliations: 'SELECT min(created_at) AS at FROM mc.usage_reconciliations WHERE org_id = mc.current_org_id()',
  limit_windows: `SELECT least((SELECT min(minute) FROM mc.limit_minutes WHERE org_id = mc.current_org_id()),
                              (SELECT min(minute) FROM mc.limit_org_minutes WHERE org_id = mc.current_org_id())) AS at`,
  limit_months: `SELECT (min(month)::timestamp AT TIME ZONE 'UTC') AS at FROM mc.limit_months WHERE org_id = mc.current_org_id()`,
  limit_admissions: 'SELECT min(admitted_at) AS at FROM mc.limit_admissions WHERE org_id = mc.current_org_id()',
};

/**
 * The retention matrix as it holds in this database now: each class's period (settings read from
 * the database the upkeep reads), how it is enforced, the oldest record still kept, and for the
 * classes the upkeep purges its last run and the next (the last plus the upkeep interval).
 */
export async function retentionMatrix(sql: Sql): Promise<{ rows: RetentionRow[]; lastUpkeepAt: string | null; nextUpkeepAt: string | null }> {
  const settings = Object.fromEntries(
    (await sql.query<{ key: string; value: number }>(`SELECT key, (value #>> '{}')::int AS value FROM mc.platform_settings WHERE key = ANY ($1)`, [SETTINGS])).map((r) => [r.key, r.value]),
  );
  const last = await sql.maybeOne<{ at: string }>(`SELECT updated_at AS at FROM mc.platform_settings WHERE key = 'last_upkeep_at'`);
  const lastUpkeepAt = last ? new Date(last.at).toISOString() : null;
  const nextUpkeepAt = last ? new Date(Date.parse(last.at) + UPKEEP_EVERY_MS).toISOString() : null;
  const rows: RetentionRow[] = [];
  for (const c of RETENTION_CLASSES) {
    const q = OLDEST[c.key];
    const oldest = q ? ((await sql.one<{ at: string | null }>(q)).at ?? null) : null;
    rows.push({
      key: c.key,
      label: c.label,
      holds: c.holds,
      keep: keepText(c.keep, settings),
      keepMs: keepMs(c.keep, settings),
      how: c.how,
      upkeep: c.upkeep,
      oldestAt: oldest ? new Date(oldest).toISOString() : null,
      nextPurgeAt: c.upkeep ? nextUpkeepAt : null,
    });
  }
  return { rows, lastUpkeepAt, nextUpkeepAt };
}
