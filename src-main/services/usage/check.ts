import type { CheckAnswer } from '../../../src-shared/domain/checklists';
import { dayStart } from '../../../src-shared/domain/usage';
import type { Sql } from '../../db';
import { latestCovering } from './reconcile';

/** A record answers for today when its period reaches this close to now. */
export const FRESH_WITHIN_MS = 60 * 60_000;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Daily checklist item 5, "Verify metering totals match API logs", answered from the newest
 * reconciliation record that covers today (UTC midnight up to the last hour):
 * - none: no (run one in Usage); the summary says whether there was traffic to reconcile;
 * - one with an unexplained finding: no, linking it;
 * - clean, or only explained findings: yes, linking it (the record is the evidence);
 * - one that found no traffic at all: the app cannot tell whether idle metering is right (a
 *   gateway that is down meters nothing too), so a person confirms it with an attestation.
 */
export async function meteringReconciledAnswer(sql: Sql, now = new Date()): Promise<CheckAnswer> {
  const day = dayStart(now);
  const since = new Date(Math.max(day.getTime(), now.getTime() - FRESH_WITHIN_MS));
  const rec = await latestCovering(sql, day, since);
  if (!rec) {
    const t = await sql.one<{ requests: number; events: number }>(
      `SELECT (SELECT count(*) FROM mc.api_requests WHERE started_at >= $1)::int AS requests, (SELECT count(*) FROM mc.usage_events WHERE occurred_at >= $1)::int AS events`,
      [day.toISOString()],
    );
    const traffic = t.requests + t.events > 0;
    return {
      ok: false,
      summary: traffic
        ? `Today’s ${plural(t.requests, 'API request')} and ${plural(t.events, 'usage event')} are not reconciled yet: run a reconciliation in Usage (its record is the evidence).`
        : 'No gateway traffic today yet, and no reconciliation covers today: run one in Usage to record that metering is idle.',
      record: { type: 'view', id: 'usage', label: 'Usage' },
    };
  }
  const record = { type: 'usage_reconciliation', id: rec.id, label: `Reconciliation to ${rec.to.slice(11, 16)} UTC` };
  const t = rec.totals;
  if (rec.outcome === 'discrepancy') {
    return { ok: false, summary: `Today’s reconciliation found ${plural(rec.unexplained, 'unexplained discrepancy', 'unexplained discrepancies')} in ${plural(rec.windowsFlagged, 'hour')}: see its findings and their likely causes.`, record };
  }
  if (rec.outcome === 'no_traffic') {
    return { ok: null, summary: 'Today’s reconciliation found no gateway traffic at all: nothing to reconcile. Confirm that no traffic is expected (a gateway that is down meters nothing either), in a note.', record };
  }
  return {
    ok: true,
    summary: `${plural(t.servedRequests, 'served request')} today, each with one usage event; ${t.meteredTokens} tokens metered${t.runtimesWithCounters > 0 ? `, runtime counters agree (${t.counterTokens} tokens)` : ''}${rec.explained > 0 ? `; ${plural(rec.explained, 'explained finding')}` : ''}.`,
    record,
  };
}
