/**
 * A node's health, derived from its latest telemetry. Thresholds follow the production alert
 * defaults (P95 latency > 1000 ms or error rate > 5% is critical; > 500 ms or > 1% is a
 * warning) plus GPU temperature, so the map, the table and the alerts agree.
 */
export const HEALTH_STATES = ['healthy', 'warning', 'critical', 'stale', 'unknown'] as const;
export type Health = (typeof HEALTH_STATES)[number];

export const HEALTH_LABELS: Record<Health, string> = {
  healthy: 'Healthy',
  warning: 'Warning',
  critical: 'Critical',
  stale: 'No recent telemetry',
  unknown: 'Never reported',
};

/** No sample for this long means the node is not telling us anything. */
export const STALE_AFTER_MS = 5 * 60_000;

export interface LatestFigures {
  seenAt: string | null;
  p95LatencyMs: number | null;
  errorRate: number | null;
  gpuTempC: number | null;
}

export function healthOf(f: LatestFigures, now = Date.now()): Health {
  if (!f.seenAt) return 'unknown';
  if (now - new Date(f.seenAt).getTime() > STALE_AFTER_MS) return 'stale';
  if ((f.p95LatencyMs ?? 0) > 1000 || (f.errorRate ?? 0) > 0.05 || (f.gpuTempC ?? 0) >= 90) return 'critical';
  if ((f.p95LatencyMs ?? 0) > 500 || (f.errorRate ?? 0) > 0.01 || (f.gpuTempC ?? 0) >= 83) return 'warning';
  return 'healthy';
}

/** Worst-first order, for roll-ups of a site or corridor. */
export const HEALTH_RANK: Record<Health, number> = { critical: 4, warning: 3, stale: 2, unknown: 1, healthy: 0 };

export function worstHealth(hs: Iterable<Health>): Health {
  let worst: Health = 'healthy';
  for (const h of hs) if (HEALTH_RANK[h] > HEALTH_RANK[worst]) worst = h;
  return worst;
}
