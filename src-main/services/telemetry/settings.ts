import { INGEST_LIMITS } from '../../../src-shared/domain/metrics';
import type { Sql } from '../../db';

export async function telemetrySettings(sql: Sql) {
  const rows = await sql.query<{ key: string; value: number }>(`SELECT key, (value #>> '{}')::int AS value FROM mc.platform_settings`);
  const get = (k: string) => rows.find((r) => r.key === k)?.value ?? 0;
  return {
    retentionDays: get('telemetry_retention_days'),
    rollupRetentionDays: get('rollup_retention_days'),
    batchWindowHours: get('ingest_batch_window_hours'),
    maxBatchSamples: INGEST_LIMITS.maxBatchSamples,
    maxFutureSkewSeconds: INGEST_LIMITS.maxFutureSkewSeconds,
  };
}

/** Create the coming days' partitions, drop the expired ones, trim rollups and batch ids. */
export async function maintainTelemetry(sql: Sql): Promise<Record<string, number>> {
  return (await sql.one<{ r: Record<string, number> }>('SELECT mc.telemetry_maintain() AS r')).r;
}
