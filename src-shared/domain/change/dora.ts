/**
 * The four DORA figures, computed from deployment run records, per environment and corridor.
 * Mission Control does not know when the code of a release was committed, so lead time here runs
 * from the moment the run was recorded to its success, and says so.
 */
export interface RunRecord {
  environment: string;
  corridorId: string | null;
  status: 'planned' | 'in_progress' | 'canary' | 'succeeded' | 'failed' | 'rolled_back';
  createdAt: Date;
  finishedAt: Date | null;
}

export interface DoraFigures {
  environment: string;
  corridorId: string | null;
  /** Succeeded runs finished in the period. */
  deployments: number;
  perWeek: number;
  /** Failed or rolled back, over every finished run; null when nothing finished. */
  changeFailureRate: number | null;
  /** Median minutes from a failed run to the next success in the same place; null when none restored. */
  medianRestoreMinutes: number | null;
  /** Failures not yet followed by a success. */
  unrestored: number;
  /** Median minutes from record to success; null when nothing succeeded. */
  medianLeadMinutes: number | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const failed = (r: RunRecord) => r.status === 'failed' || r.status === 'rolled_back';

export function doraFigures(runs: readonly RunRecord[], from: Date, to: Date): DoraFigures[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.environment}|${r.corridorId ?? ''}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  const weeks = Math.max((to.getTime() - from.getTime()) / (7 * 86_400_000), 1 / 7);
  const out: DoraFigures[] = [];
  for (const list of groups.values()) {
    const finished = list.filter((r) => r.finishedAt && r.finishedAt >= from && r.finishedAt <= to).sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
    const succeeded = finished.filter((r) => r.status === 'succeeded');
    const failures = finished.filter(failed);
    const restores: number[] = [];
    let unrestored = 0;
    for (const f of failures) {
      const next = list
        .filter((r) => r.status === 'succeeded' && r.finishedAt && r.finishedAt > f.finishedAt!)
        .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime())[0];
      if (next) restores.push((next.finishedAt!.getTime() - f.finishedAt!.getTime()) / 60_000);
      else unrestored++;
    }
    const first = list[0]!;
    out.push({
      environment: first.environment,
      corridorId: first.corridorId,
      deployments: succeeded.length,
      perWeek: Math.round((succeeded.length / weeks) * 100) / 100,
      changeFailureRate: finished.length ? failures.length / finished.length : null,
      medianRestoreMinutes: median(restores),
      unrestored,
      medianLeadMinutes: median(succeeded.map((r) => (r.finishedAt!.getTime() - r.createdAt.getTime()) / 60_000)),
    });
  }
  return out.sort((a, b) => a.environment.localeCompare(b.environment) || (a.corridorId ?? '').localeCompare(b.corridorId ?? ''));
}
