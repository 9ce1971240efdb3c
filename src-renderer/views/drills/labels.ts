import type { DrillSummary } from '../../../src-shared/contract/drills';
import { canWrite } from '../../stores/system-store';

export const STATE_LABELS: Record<DrillSummary['state'], string> = {
  planned: 'Planned',
  running: 'Running',
  stopped: 'Stopped',
  completed: 'Completed',
  aborted: 'Aborted',
};

export const SCOPE_LABELS: Record<DrillSummary['scopeKind'], string> = { corridor: 'Corridor', site: 'Site', runtime_group: 'Runtime group' };

/** Drills are run by incident commanders and admins (the server refuses the others too). */
export function canRunDrills(info: Parameters<typeof canWrite>[0]): { ok: boolean; why: string | null } {
  const w = canWrite(info);
  if (!w.ok) return w;
  const role = info?.session?.role;
  if (role !== 'admin' && role !== 'incident_commander') return { ok: false, why: 'Failover drills are run by incident commanders and admins.' };
  return { ok: true, why: null };
}

/** A duration in words an operator reads at a glance: 850 ms, 12.4 s, 3 min 5 s. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
