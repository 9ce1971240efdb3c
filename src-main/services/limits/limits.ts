import type { Sql } from '../../db/sql';

/**
 * The gateway's limit counters read back (sql/0046): per customer and UTC minute, what was
 * admitted (requests) and used (tokens, real counts once settled; the estimate while a request is
 * still running) next to what the customer is committed. This is what the usage view's "used vs
 * committed per minute" reads. The counters are kept a day (mc.limit_upkeep).
 */
export interface LimitMinute {
  /** Start of the UTC minute, ISO. */
  minute: string;
  requests: number;
  tokens: number;
}

export interface CustomerMinutes {
  customerId: string;
  key: string;
  name: string;
  committedRequestsPerMin: number;
  committedTokensPerMin: number;
  /** Every minute of the range, oldest first; minutes without traffic are zeros. */
  minutes: LimitMinute[];
  /** Minutes of the range whose requests or tokens exceeded the commitment (a commitment of 0 is never exceeded). */
  minutesOverCommitted: number;
  peakRequests: number;
  peakTokens: number;
}

export const MAX_LIMIT_MINUTES = 1440;

export class LimitMinutesInputError extends Error {}

/**
 * The last `minutes` whole UTC minutes plus the current one, for every customer of the org that
 * has a commitment or traffic in that range (or only `customerId`). Runs under the caller's org
 * (RLS): only the org's own customers and counters are visible.
 */
export async function limitMinutes(sql: Sql, opts: { minutes: number; customerId?: string }): Promise<CustomerMinutes[]> {
  if (!Number.isInteger(opts.minutes) || opts.minutes < 1 || opts.minutes > MAX_LIMIT_MINUTES) {
    throw new LimitMinutesInputError(`minutes must be a whole number from 1 to ${MAX_LIMIT_MINUTES}`);
  }
  const rows = await sql.query<{
    customer_id: string;
    key: string;
    name: string;
    committed_requests_per_min: number;
    committed_tokens_per_min: number;
    minute: string | Date;
    requests: number;
    tokens: string;
  }>(
    `WITH range AS (
       SELECT generate_series(date_trunc('minute', now(), 'UTC') - make_interval(mins => $1::int), date_trunc('minute', now(), 'UTC'), interval '1 minute') AS minute
     ), active AS (
       SELECT c.id, c.key, c.name, c.committed_requests_per_min, c.committed_tokens_per_min FROM mc.customers c
        WHERE ($2::uuid IS NULL OR c.id = $2::uuid)
          AND (c.committed_requests_per_min > 0 OR c.committed_tokens_per_min > 0
               OR EXISTS (SELECT 1 FROM mc.limit_minutes m WHERE m.org_id = c.org_id AND m.customer_id = c.id
                           AND m.minute >= date_trunc('minute', now(), 'UTC') - make_interval(mins => $1::int)))
     )
     SELECT a.id AS customer_id, a.key, a.name, a.committed_requests_per_min, a.committed_tokens_per_min, r.minute,
            coalesce(m.requests, 0) AS requests, coalesce(m.tokens, 0)::text AS tokens
       FROM active a CROSS JOIN range r
       LEFT JOIN mc.limit_minutes m ON m.customer_id = a.id AND m.minute = r.minute
      ORDER BY a.key, r.minute`,
    [opts.minutes, opts.customerId ?? null],
  );
  const out = new Map<string, CustomerMinutes>();
  for (const row of rows) {
    let c = out.get(row.customer_id);
    if (!c) {
      c = {
        customerId: row.customer_id,
        key: row.key,
        name: row.name,
        committedRequestsPerMin: row.committed_requests_per_min,
        committedTokensPerMin: row.committed_tokens_per_min,
        minutes: [],
        minutesOverCommitted: 0,
        peakRequests: 0,
        peakTokens: 0,
      };
      out.set(row.customer_id, c);
    }
    const m = { minute: new Date(row.minute).toISOString(), requests: row.requests, tokens: Number(row.tokens) };
    c.minutes.push(m);
    c.peakRequests = Math.max(c.peakRequests, m.requests);
    c.peakTokens = Math.max(c.peakTokens, m.tokens);
    const over = (c.committedRequestsPerMin > 0 && m.requests > c.committedRequestsPerMin) || (c.committedTokensPerMin > 0 && m.tokens > c.committedTokensPerMin);
    if (over) c.minutesOverCommitted++;
  }
  return [...out.values()];
}

/** The counters' housekeeping (old windows, settled and expired admissions), for the app's hourly upkeep. */
export async function maintainLimits(sql: Sql): Promise<Record<string, number>> {
  const r = await sql.one<{ org_minutes: number; minutes: number; months: number; admissions: number }>('SELECT * FROM mc.limit_upkeep()');
  return { limitOrgMinutes: r.org_minutes, limitMinutes: r.minutes, limitMonths: r.months, limitAdmissions: r.admissions };
}

/** The gateway's idempotency records past their 24-hour window (stored answers are customers' data). */
export async function maintainIdempotency(sql: Sql): Promise<Record<string, number>> {
  const r = await sql.one<{ n: number }>('SELECT mc.idempotency_upkeep() AS n');
  return { idempotencyKeys: r.n };
}
