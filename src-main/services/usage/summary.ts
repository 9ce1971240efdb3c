import type { Response } from '../../../src-shared/contract';
import { McError } from '../../../src-shared/contract/errors';
import { resolvePeriod } from '../../../src-shared/domain/usage';
import type { Sql } from '../../db';

type Summary = Response<'usage.summary'>;

/** The period asked for, or a VALIDATION error naming the field. */
export function periodOrThrow(input: { from?: string | undefined; to?: string | undefined }, now: Date, kind: 'summary' | 'reconcile'): { from: Date; to: Date } {
  const p = resolvePeriod(input, now, kind);
  if (!p.ok) throw new McError('VALIDATION', p.message, { [p.field]: p.message });
  return p;
}

interface MeteredRow {
  requests: number;
  prompt: number;
  completion: number;
  estimated: number;
  simulated: number;
}

const METERED = `count(*)::int AS requests, coalesce(sum(prompt_tokens), 0)::bigint AS prompt, coalesce(sum(completion_tokens), 0)::bigint AS completion,
                 count(*) FILTER (WHERE estimated)::int AS estimated, count(*) FILTER (WHERE simulated)::int AS simulated`;
/** Usage events of the period ($1 ≤ occurred_at < $2), simulated ones only when $3. */
const EVENTS = `SELECT * FROM mc.usage_events WHERE occurred_at >= $1 AND occurred_at < $2 AND ($3 OR NOT simulated)`;

/** Bounds the answer: a catalog has dozens of models; past this many, the smallest are left out (and the view says so through the totals). */
const MAX_MODELS = 2000;

const metered = (r: MeteredRow) => ({
  requests: r.requests,
  promptTokens: r.prompt,
  completionTokens: r.completion,
  totalTokens: r.prompt + r.completion,
  estimated: r.estimated,
  simulated: r.simulated,
});

/**
 * Totals per customer, corridor, model and UTC day, from the usage events (what was metered).
 * Committed against used: a customer's committed requests and tokens per minute next to its
 * busiest minute and its average minute. Customers with a commitment are listed even when they
 * used nothing: an idle commitment is worth seeing.
 *
 * The average is over the minutes of the period the customer could have used: from when it was
 * added (or its first metered request, if older: imported traffic) and not past now. Over the
 * whole period, a customer added yesterday showed 0 req/min next to a peak of 11 on the first of
 * the month, and a month that is not over yet divided by minutes that have not happened.
 *
 * Those minutes are counted as the peak counts them: UTC calendar minutes (each one the customer
 * existed in, the first and the current one included). Elapsed time rounded to whole minutes
 * showed an average above the busiest minute: 4 requests 50 s after being added, 3 in one minute
 * and 1 in the next, averaged 4 a minute beside a peak of 3.
 */
export async function usageSummary(sql: Sql, input: { from?: string | undefined; to?: string | undefined; includeSimulated: boolean }, now = new Date()): Promise<Summary> {
  const { from, to } = periodOrThrow(input, now, 'summary');
  const args = [from.toISOString(), to.toISOString(), input.includeSimulated];
  /** Calendar minutes from the later of the period's start and the customer's to the earlier of the period's end and now (or its last event, on a database clock ahead of ours); 0 if the customer came after. */
  const minutesOf = (since: string, lastAt: string | null) => {
    const start = Math.max(from.getTime(), new Date(since).getTime());
    const end = Math.min(to.getTime(), Math.max(now.getTime(), lastAt ? new Date(lastAt).getTime() + 1 : 0));
    if (end <= start) return 0;
    return Math.floor((end - 1) / 60_000) - Math.floor(start / 60_000) + 1;
  };

  const customers = await sql.query<
    MeteredRow & { id: string; name: string; tier: string; committed_rpm: number; committed_tpm: number; peak_req: number; peak_tok: number; refused: number; since: string; last_at: string | null }
  >(
    `WITH u AS (${EVENTS}),
          agg AS (SELECT customer_id, ${METERED}, min(occurred_at) AS first_at, max(occurred_at) AS last_at FROM u GROUP BY customer_id),
          peak AS (SELECT customer_id, max(n)::int AS peak_req, max(t)::bigint AS peak_tok
                     FROM (SELECT customer_id, count(*) AS n, sum(prompt_tokens + completion_tokens) AS t FROM u GROUP BY customer_id, date_trunc('minute', occurred_at)) m
                    GROUP BY customer_id),
          refused AS (SELECT customer_id, count(*)::int AS refused FROM mc.api_requests
                       WHERE started_at >= $1 AND started_at < $2 AND ($3 OR NOT simulated) AND runtime_id IS NULL GROUP BY customer_id)
     SELECT c.id, c.name, c.tier, c.committed_requests_per_min AS committed_rpm, c.committed_tokens_per_min AS committed_tpm,
            coalesce(a.requests, 0) AS requests, coalesce(a.prompt, 0)::bigint AS prompt, coalesce(a.completion, 0)::bigint AS completion,
            coalesce(a.estimated, 0) AS estimated, coalesce(a.simulated, 0) AS simulated,
            coalesce(p.peak_req, 0) AS peak_req, coalesce(p.peak_tok, 0)::bigint AS peak_tok, coalesce(r.refused, 0) AS refused,
            least(c.created_at, a.first_at) AS since, a.last_at
       FROM mc.customers c
       LEFT JOIN agg a ON a.customer_id = c.id LEFT JOIN peak p ON p.customer_id = c.id LEFT JOIN refused r ON r.customer_id = c.id
      WHERE a.customer_id IS NOT NULL OR r.customer_id IS NOT NULL OR c.committed_requests_per_min > 0 OR c.committed_tokens_per_min > 0
      ORDER BY coalesce(a.prompt, 0) + coalesce(a.completion, 0) DESC, c.name`,
    args,
  );
  const corridors = await sql.query<MeteredRow & { corridor_id: string | null; name: string | null }>(
    `WITH u AS (${EVENTS})
     SELECT a.*, k.name FROM (SELECT corridor_id, ${METERED} FROM u GROUP BY corridor_id) a
       LEFT JOIN mc.corridors k ON k.id = a.corridor_id
      ORDER BY a.prompt + a.completion DESC, k.name NULLS LAST`,
    args,
  );
  const models = await sql.query<MeteredRow & { model: string }>(
    `WITH u AS (${EVENTS}) SELECT model, ${METERED} FROM u GROUP BY model ORDER BY sum(prompt_tokens + completion_tokens) DESC, model LIMIT ${MAX_MODELS}`,
    args,
  );
  const days = await sql.query<MeteredRow & { day: string }>(
    `WITH u AS (${EVENTS}) SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${METERED} FROM u GROUP BY 1 ORDER BY 1`,
    args,
  );
  const answered = await sql.one<{ answered: number; refused: number }>(
    `SELECT count(*)::int AS answered, count(*) FILTER (WHERE runtime_id IS NULL)::int AS refused FROM mc.api_requests
      WHERE started_at >= $1 AND started_at < $2 AND ($3 OR NOT simulated)`,
    args,
  );
  const total = days.reduce<MeteredRow>(
    (t, d) => ({ requests: t.requests + d.requests, prompt: t.prompt + d.prompt, completion: t.completion + d.completion, estimated: t.estimated + d.estimated, simulated: t.simulated + d.simulated }),
    { requests: 0, prompt: 0, completion: 0, estimated: 0, simulated: 0 },
  );
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    includeSimulated: input.includeSimulated,
    totals: { ...metered(total), refused: answered.refused, answered: answered.answered },
    customers: customers.map((c) => {
      const minutes = minutesOf(c.since, c.last_at);
      return {
        customerId: c.id,
        name: c.name,
        tier: c.tier,
        ...metered(c),
        refused: c.refused,
        committedRequestsPerMin: c.committed_rpm,
        committedTokensPerMin: c.committed_tpm,
        peakRequestsPerMin: c.peak_req,
        peakTokensPerMin: c.peak_tok,
        avgRequestsPerMin: minutes ? round(c.requests / minutes) : 0,
        avgTokensPerMin: minutes ? round((c.prompt + c.completion) / minutes) : 0,
        avgOverMinutes: minutes,
      };
    }),
    corridors: corridors.map((c) => ({ corridorId: c.corridor_id, name: c.name ?? (c.corridor_id ? 'Unknown corridor' : 'No corridor recorded'), ...metered(c) })),
    models: models.map((m) => ({ model: m.model, ...metered(m) })),
    days: days.map((d) => ({ day: d.day, ...metered(d) })),
  };
}
