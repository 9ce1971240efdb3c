/**
 * Usage and reconciliation (issue 13, /usage): the period rules and the pure part of a
 * reconciliation, shared by the service (which computes it from records) and the view (which
 * names what it found).
 *
 * Three records of the same served traffic are compared per window:
 * - the API request log (mc.api_requests): one row per answered request; a row that names a
 *   runtime reached one, so it must have been metered;
 * - metering (mc.usage_events): one per request that reached a runtime, tokens from the runtime's
 *   own `usage` (or counted by the gateway and marked estimated);
 * - the runtimes' cumulative token counters (vLLM's vllm:prompt_tokens_total and
 *   vllm:generation_tokens_total, recorded per probe): their deltas between probes.
 */

export const DAY_MS = 86_400_000;
/** Totals can be asked for up to a quarter; a reconciliation, which works per request, a week. */
export const SUMMARY_MAX_DAYS = 93;
export const RECONCILE_MAX_DAYS = 7;
export const WINDOW_MINUTES = 60;
/**
 * How far a runtime's counter delta may stray from what was metered over the same probe interval
 * before it is a finding: requests in flight at a probe are counted by the runtime as they
 * generate and metered when they end, so the two differ at the edges by what was in flight.
 */
export const COUNTER_TOLERANCE_TOKENS = 256;
export const COUNTER_TOLERANCE_SHARE = 0.02;

export function counterTolerance(metered: number): number {
  return Math.max(COUNTER_TOLERANCE_TOKENS, Math.ceil(metered * COUNTER_TOLERANCE_SHARE));
}

/** The first instant of this UTC month and day. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
export const dayStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

/** "2026-12-10 00:00", for a message a person reads (the wire keeps ISO). */
const utcMinute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

/**
 * What is wrong with a period as the view's inputs hold it (UTC days, the last one included), in
 * those terms, before anything is asked: the server's answer speaks of the instant after the last
 * day, which is not what was typed. Null when the server may be asked.
 */
export function dayPeriodProblem(fromDay: string, toDay: string, now: Date): string | null {
  const today = dayStart(now).toISOString().slice(0, 10);
  if (fromDay && fromDay > today) return `From (${fromDay}) is in the future: there is nothing to show yet. Pick a day up to today (${today}).`;
  if (fromDay && toDay && fromDay > toDay) return `From (${fromDay}) is after To (${toDay}): the period must start on or before its last day.`;
  return null;
}

export type PeriodResult = { ok: true; from: Date; to: Date } | { ok: false; message: string; field: 'from' | 'to' };

/**
 * The period asked for, with the defaults filled in (from: the start of this month, or of today
 * for a reconciliation; to: now) and the rules checked: from before to, not longer than the
 * maximum, not starting in the future.
 */
export function resolvePeriod(input: { from?: string | undefined; to?: string | undefined }, now: Date, kind: 'summary' | 'reconcile'): PeriodResult {
  const max = kind === 'summary' ? SUMMARY_MAX_DAYS : RECONCILE_MAX_DAYS;
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : kind === 'summary' ? monthStart(to) : dayStart(to);
  // The future first: a start after now with the default end (now) is not "after its end" to the person who chose only a start.
  if (from.getTime() > now.getTime()) return { ok: false, field: 'from', message: 'The period starts in the future: there is nothing to show yet.' };
  if (from.getTime() >= to.getTime()) {
    return { ok: false, field: 'from', message: `The period must start before it ends: it starts ${utcMinute(from)} and ends ${utcMinute(to)} (UTC).` };
  }
  if (to.getTime() - from.getTime() > max * DAY_MS) {
    const what = kind === 'summary' ? 'Usage totals' : 'A reconciliation';
    return { ok: false, field: 'to', message: `${what} can cover at most ${max} days; this period is ${Math.ceil((to.getTime() - from.getTime()) / DAY_MS)} days. Choose a shorter one.` };
  }
  return { ok: true, from, to };
}

export const FINDING_KINDS = [
  'request_without_usage',
  'usage_without_request',
  'token_mismatch',
  'runtime_above_metered',
  'runtime_below_metered',
  'counter_reset',
  'estimated_usage',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** The likely cause of each kind, as the view and the record say it. */
export const FINDING_CAUSES: Record<FindingKind, string> = {
  request_without_usage: 'Served request without a usage event: the metering spool has not drained yet, or the gateway crashed between answering and metering.',
  usage_without_request: 'Usage event without a served request in the log: the request log row was lost or not drained, or something other than the gateway metered it.',
  token_mismatch: 'The request log and its usage event disagree on tokens: one of the two writers recorded something else than the runtime reported.',
  runtime_above_metered: 'The runtime counted more tokens than were metered: traffic that bypassed the gateway, or another client using the runtime directly.',
  runtime_below_metered: 'The runtime counted fewer tokens than were metered: a counter reset the probes did not see (the runtime restarted between two probes), or a probe gap.',
  counter_reset: 'The runtime’s counter went down (it restarted): tokens served between the last probe before the restart and the restart are not in its counter.',
  estimated_usage: 'The runtime gave no usage (a stream cut before its last chunk): the gateway counted the tokens itself.',
};

/**
 * Findings with a known, benign cause: an estimated usage is metered (by the gateway's count)
 * and says so; a shortfall in a probe interval where the counter was seen to reset is what a
 * restart does. Every other kind is unexplained until a person looks.
 */
export const EXPLAINED_KINDS: ReadonlySet<FindingKind> = new Set(['estimated_usage', 'counter_reset']);

export interface CounterSample {
  at: string;
  prompt: number | null;
  generation: number | null;
}

/**
 * A cumulative counter's growth from one probe to the next. A counter that went down was reset
 * (the runtime restarted and counts from zero): what it shows now is what it counted since.
 */
export function counterDelta(prev: number | null, cur: number | null): { delta: number | null; reset: boolean } {
  if (prev === null || cur === null) return { delta: null, reset: false };
  if (cur >= prev) return { delta: cur - prev, reset: false };
  return { delta: cur, reset: true };
}

/** Index of the window [from + i·w, from + (i+1)·w) holding `at`, or -1 outside the period. */
export function windowIndex(at: number, from: number, to: number, windowMs: number): number {
  if (at < from || at >= to) return -1;
  return Math.floor((at - from) / windowMs);
}

/**
 * A probe interval (prev, cur] belongs to the window that holds its end, so consecutive windows
 * split the counters without overlap; a probe exactly on a boundary closes the earlier window.
 */
export function intervalWindow(endAt: number, from: number, to: number, windowMs: number): number {
  if (endAt <= from || endAt > to) return -1;
  return Math.ceil((endAt - from) / windowMs) - 1;
}

export type WindowStatus = 'idle' | 'clean' | 'explained' | 'discrepancy';

export function windowStatus(hasTraffic: boolean, findings: readonly { kind: FindingKind }[]): WindowStatus {
  if (findings.some((f) => !EXPLAINED_KINDS.has(f.kind))) return 'discrepancy';
  if (findings.length > 0) return 'explained';
  return hasTraffic ? 'clean' : 'idle';
}
