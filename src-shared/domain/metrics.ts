/**
 * The telemetry a node may send. The same catalogue is a table in the database
 * (mc.telemetry_metrics, migration 0006); a test keeps the two identical. Ranges are hard
 * physical or logical bounds: a sample outside them is refused, not clamped.
 */
export interface MetricDef {
  id: number;
  name: MetricName;
  label: string;
  unit: string;
  min: number;
  max: number;
}

export const METRIC_NAMES = [
  'gpu_util_pct',
  'gpu_mem_used_mb',
  'gpu_temp_c',
  'power_w',
  'energy_wh',
  'tokens_per_s',
  'p95_latency_ms',
  'queue_depth',
  'error_rate',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const METRICS: readonly MetricDef[] = [
  { id: 1, name: 'gpu_util_pct', label: 'GPU utilisation', unit: '%', min: 0, max: 100 },
  { id: 2, name: 'gpu_mem_used_mb', label: 'GPU memory used', unit: 'MB', min: 0, max: 8_388_608 },
  { id: 3, name: 'gpu_temp_c', label: 'GPU temperature', unit: '°C', min: -40, max: 150 },
  { id: 4, name: 'power_w', label: 'Power draw', unit: 'W', min: 0, max: 100_000 },
  { id: 5, name: 'energy_wh', label: 'Energy since last sample', unit: 'Wh', min: 0, max: 10_000_000 },
  { id: 6, name: 'tokens_per_s', label: 'Tokens per second', unit: 'tok/s', min: 0, max: 10_000_000 },
  { id: 7, name: 'p95_latency_ms', label: 'P95 latency', unit: 'ms', min: 0, max: 3_600_000 },
  { id: 8, name: 'queue_depth', label: 'Queue depth', unit: 'requests', min: 0, max: 10_000_000 },
  { id: 9, name: 'error_rate', label: 'Error rate', unit: 'ratio', min: 0, max: 1 },
];

export const METRIC_BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRICS.map((m) => [m.name, m]));

/** Ingest limits (also enforced by mc.ingest_telemetry; a test keeps them in step). */
export const INGEST_LIMITS = {
  maxBatchSamples: 10_000,
  maxFutureSkewSeconds: 300,
} as const;
