import type { Sql } from '../../db';
import { evaluationStatus, listInstances } from '../alerts';
import { listAudit } from '../audit';
import { currentRun } from '../checklists';
import { blockingIncidents } from '../incidents';
import { corridorHealth } from './overview';

/** /operator: what a NOC operator needs on one screen at the start of a shift, in one snapshot. */
export async function operatorSummary(sql: Sql, now: Date) {
  return {
    at: now.toISOString(),
    incidents: await blockingIncidents(sql),
    firing: await listInstances(sql, 'firing'),
    evaluation: await evaluationStatus(sql, now.getTime()),
    corridors: await corridorHealth(sql, now),
    checklist: await currentRun(sql, 'daily', now),
    audit: (await listAudit(sql, 15)).events,
  };
}
