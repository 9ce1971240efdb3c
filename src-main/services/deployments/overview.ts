import type { Response } from '../../../src-shared/contract';
import { doraFigures } from '../../../src-shared/domain/change';
import type { Sql } from '../../db';
import { recentChangeEvents } from './events';
import { listRuns } from './runs';
import { changesWithoutEvidence } from './without-evidence';

export async function deploymentsOverview(sql: Sql, days: number, now = new Date()): Promise<Response<'deployments.list'>> {
  const runs = await listRuns(sql);
  const from = new Date(now.getTime() - days * 86_400_000);
  const names = new Map(runs.map((r) => [r.corridorId, r.corridorName]));
  const dora = doraFigures(
    runs.map((r) => ({ environment: r.environment, corridorId: r.corridorId, status: r.status, createdAt: new Date(r.createdAt), finishedAt: r.finishedAt ? new Date(r.finishedAt) : null })),
    from,
    now,
  ).map((d) => ({ ...d, corridorName: names.get(d.corridorId) ?? null }));
  // Daily checklist item 6: every environment change without evidence stays listed until it has some.
  const withoutEvidence = (await changesWithoutEvidence(sql)).items;
  return { runs, dora, period: { from: from.toISOString(), to: now.toISOString() }, withoutEvidence, events: await recentChangeEvents(sql) };
}
