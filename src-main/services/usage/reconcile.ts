import { createHash } from 'node:crypto';
import type { Finding, Reconciliation, ReconWindow } from '../../../src-shared/contract/usage';
import { McError } from '../../../src-shared/contract/errors';
import { canonicalJson } from '../../../src-shared/domain/canonical-json';
import {
  counterDelta,
  counterTolerance,
  EXPLAINED_KINDS,
  FINDING_CAUSES,
  type FindingKind,
  intervalWindow,
  WINDOW_MINUTES,
  windowStatus,
} from '../../../src-shared/domain/usage';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { periodOrThrow } from './summary';

/**
 * A request and its usage event are matched wherever they fall, so a pair split by a window
 * boundary (answered at 10:59:59, metered at 11:00:01) is one pair: rows this far outside the
 * period are read for matching, and a pair belongs to the window of its request's end.
 */
const MATCH_MARGIN = `interval '15 minutes'`;

interface LogWindowRow {
  w: number;
  served: number;
  events: number;
  matched: number;
  log_tokens: number;
  metered_tokens: number;
  simulated: number;
  no_usage: number;
  no_usage_tokens: number;
  no_usage_ids: string[] | null;
  no_request: number;
  no_request_tokens: number;
  no_request_ids: string[] | null;
  mismatch: number;
  mismatch_tokens: number;
  mismatch_ids: string[] | null;
  estimated: number;
  estimated_tokens: number;
  estimated_ids: string[] | null;
}

interface IntervalRow {
  runtime_id: string;
  name: string;
  prev_at: string;
  at: string;
  p: number | null;
  prev_p: number | null;
  g: number | null;
  prev_g: number | null;
  prompt: number;
  completion: number;
}

const finding = (kind: FindingKind, count: number, tokens: number, ids: readonly string[] | null, runtime: { id: string; name: string } | null = null): Finding => ({
  kind,
  cause: FINDING_CAUSES[kind],
  explained: EXPLAINED_KINDS.has(kind),
  count,
  tokens,
  runtimeId: runtime?.id ?? null,
  runtimeName: runtime?.name ?? null,
  requestIds: (ids ?? []).slice(0, 5),
});

/** The request log against metering, per window: counts, tokens and the unmatched on either side. */
async function logWindows(sql: Sql, from: Date, to: Date, windowS: number): Promise<Map<number, LogWindowRow>> {
  const rows = await sql.query<LogWindowRow>(
    `WITH r AS (SELECT request_id, finished_at, runtime_id, prompt_tokens, completion_tokens, simulated FROM mc.api_requests
                 WHERE finished_at >= $1::timestamptz - ${MATCH_MARGIN} AND finished_at < $2::timestamptz + ${MATCH_MARGIN}),
          u AS (SELECT request_id, occurred_at, prompt_tokens, completion_tokens, estimated, simulated FROM mc.usage_events
                 WHERE occurred_at >= $1::timestamptz - ${MATCH_MARGIN} AND occurred_at < $2::timestamptz + ${MATCH_MARGIN}),
          j AS (SELECT coalesce(r.finished_at, u.occurred_at) AS at, r.request_id AS rid, u.request_id AS uid,
                       coalesce(r.runtime_id IS NOT NULL, false) AS served,
                       r.prompt_tokens + r.completion_tokens AS rt, u.prompt_tokens + u.completion_tokens AS ut,
                       (r.prompt_tokens, r.completion_tokens) IS DISTINCT FROM (u.prompt_tokens, u.completion_tokens) AS differ,
                       coalesce(u.estimated, false) AS estimated, coalesce(r.simulated, u.simulated) AS simulated
                  FROM r FULL JOIN u ON u.request_id = r.request_id
                 WHERE r.runtime_id IS NOT NULL OR u.request_id IS NOT NULL)
     SELECT floor(extract(epoch FROM at - $1::timestamptz) / $3)::int AS w,
            count(*) FILTER (WHERE served)::int AS served,
            count(uid)::int AS events,
            count(*) FILTER (WHERE served AND uid IS NOT NULL)::int AS matched,
            coalesce(sum(rt) FILTER (WHERE served), 0)::bigint AS log_tokens,
            coalesce(sum(ut), 0)::bigint AS metered_tokens,
            count(*) FILTER (WHERE simulated)::int AS simulated,
            count(*) FILTER (WHERE served AND uid IS NULL)::int AS no_usage,
            coalesce(sum(rt) FILTER (WHERE served AND uid IS NULL), 0)::bigint AS no_usage_tokens,
            (array_agg(rid ORDER BY rid) FILTER (WHERE served AND uid IS NULL))[1:5] AS no_usage_ids,
            count(*) FILTER (WHERE uid IS NOT NULL AND NOT served)::int AS no_request,
            coalesce(sum(ut) FILTER (WHERE uid IS NOT NULL AND NOT served), 0)::bigint AS no_request_tokens,
            (array_agg(uid ORDER BY uid) FILTER (WHERE uid IS NOT NULL AND NOT served))[1:5] AS no_request_ids,
            count(*) FILTER (WHERE served AND uid IS NOT NULL AND differ)::int AS mismatch,
            coalesce(sum(abs(rt - ut)) FILTER (WHERE served AND uid IS NOT NULL AND differ), 0)::bigint AS mismatch_tokens,
            (array_agg(rid ORDER BY rid) FILTER (WHERE served AND uid IS NOT NULL AND differ))[1:5] AS mismatch_ids,
            count(*) FILTER (WHERE uid IS NOT NULL AND estimated)::int AS estimated,
            coalesce(sum(ut) FILTER (WHERE uid IS NOT NULL AND estimated), 0)::bigint AS estimated_tokens,
            (array_agg(uid ORDER BY uid) FILTER (WHERE uid IS NOT NULL AND estimated))[1:5] AS estimated_ids
       FROM j WHERE at >= $1::timestamptz AND at < $2::timestamptz
      GROUP BY 1`,
    [from.toISOString(), to.toISOString(), windowS],
  );
  return new Map(rows.map((r) => [r.w, r]));
}

/**
 * Every probe interval (previous probe, this probe] that ends in the period, per runtime with
 * recorded counters, with what was metered on that runtime over exactly that interval. The
 * interval before the period's first probe starts at the last probe before the period.
 */
async function counterIntervals(sql: Sql, from: Date, to: Date): Promise<IntervalRow[]> {
  return sql.query<IntervalRow>(
    `WITH base AS (SELECT b.* FROM mc.runtimes rt
                    CROSS JOIN LATERAL (SELECT runtime_id, observed_at, prompt_tokens_total, generation_tokens_total FROM mc.runtime_token_counters c
                                         WHERE c.runtime_id = rt.id AND c.observed_at <= $1 ORDER BY c.observed_at DESC LIMIT 1) b),
          s AS (SELECT * FROM base
                UNION ALL
                SELECT runtime_id, observed_at, prompt_tokens_total, generation_tokens_total FROM mc.runtime_token_counters WHERE observed_at > $1 AND observed_at <= $2),
          l AS (SELECT s.*, lag(observed_at) OVER w AS prev_at, lag(prompt_tokens_total) OVER w AS prev_p, lag(generation_tokens_total) OVER w AS prev_g
                  FROM s WINDOW w AS (PARTITION BY runtime_id ORDER BY observed_at))
     SELECT l.runtime_id, coalesce(rt.name, 'removed runtime') AS name, l.prev_at, l.observed_at AS at,
            l.prompt_tokens_total AS p, l.prev_p, l.generation_tokens_total AS g, l.prev_g, m.prompt, m.completion
       FROM l LEFT JOIN mc.runtimes rt ON rt.id = l.runtime_id
      CROSS JOIN LATERAL (SELECT coalesce(sum(u.prompt_tokens), 0)::bigint AS prompt, coalesce(sum(u.completion_tokens), 0)::bigint AS completion
                            FROM mc.usage_events u WHERE u.runtime_id = l.runtime_id AND u.occurred_at > l.prev_at AND u.occurred_at <= l.observed_at) m
      WHERE l.prev_at IS NOT NULL AND l.observed_at > $1
      ORDER BY l.runtime_id, l.observed_at`,
    [from.toISOString(), to.toISOString()],
  );
}

interface RuntimeWindow {
  id: string;
  name: string;
  counter: number;
  metered: number;
  resets: number;
  intervals: number;
}

/** Compute the windows of a period from the records (nothing is stored here). */
export async function computeReconciliation(sql: Sql, from: Date, to: Date): Promise<{ windows: ReconWindow[]; totals: Reconciliation['totals'] }> {
  const windowMs = WINDOW_MINUTES * 60_000;
  const log = await logWindows(sql, from, to, windowMs / 1000);
  const intervals = await counterIntervals(sql, from, to);
  const perWindow = new Map<number, Map<string, RuntimeWindow>>();
  for (const iv of intervals) {
    const w = intervalWindow(Date.parse(iv.at), from.getTime(), to.getTime(), windowMs);
    if (w < 0) continue;
    const byRuntime = perWindow.get(w) ?? new Map<string, RuntimeWindow>();
    perWindow.set(w, byRuntime);
    const rw = byRuntime.get(iv.runtime_id) ?? { id: iv.runtime_id, name: iv.name, counter: 0, metered: 0, resets: 0, intervals: 0 };
    byRuntime.set(iv.runtime_id, rw);
    const p = counterDelta(iv.prev_p, iv.p);
    const g = counterDelta(iv.prev_g, iv.g);
    // Only what the runtime counts is compared: a runtime without a prompt counter is compared on generation alone.
    if (p.delta !== null) {
      rw.counter += p.delta;
      rw.metered += iv.prompt;
    }
    if (g.delta !== null) {
      rw.counter += g.delta;
      rw.metered += iv.completion;
    }
    if (p.reset || g.reset) rw.resets += 1;
    rw.intervals += 1;
  }
  const unprobed = await sql.one<{ tokens: number; runtimes: number }>(
    `WITH last AS (SELECT runtime_id, max(observed_at) AS at FROM mc.runtime_token_counters WHERE observed_at <= $2 GROUP BY runtime_id)
     SELECT coalesce(sum(u.prompt_tokens + u.completion_tokens), 0)::bigint AS tokens, (SELECT count(*) FROM last)::int AS runtimes
       FROM mc.usage_events u JOIN last ON last.runtime_id = u.runtime_id
      WHERE u.occurred_at > greatest(last.at, $1::timestamptz) AND u.occurred_at < $2`,
    [from.toISOString(), to.toISOString()],
  );

  const count = Math.ceil((to.getTime() - from.getTime()) / windowMs);
  const windows: ReconWindow[] = [];
  const totals = { servedRequests: 0, usageEvents: 0, logTokens: 0, meteredTokens: 0, counterTokens: 0, runtimesWithCounters: unprobed.runtimes, unprobedTokens: unprobed.tokens };
  for (let i = 0; i < count; i++) {
    const r = log.get(i);
    const findings: Finding[] = [];
    if (r) {
      if (r.no_usage > 0) findings.push(finding('request_without_usage', r.no_usage, r.no_usage_tokens, r.no_usage_ids));
      if (r.no_request > 0) findings.push(finding('usage_without_request', r.no_request, r.no_request_tokens, r.no_request_ids));
      if (r.mismatch > 0) findings.push(finding('token_mismatch', r.mismatch, r.mismatch_tokens, r.mismatch_ids));
      if (r.estimated > 0) findings.push(finding('estimated_usage', r.estimated, r.estimated_tokens, r.estimated_ids));
    }
    let counterTokens: number | null = null;
    let counterMetered: number | null = null;
    for (const rw of perWindow.get(i)?.values() ?? []) {
      counterTokens = (counterTokens ?? 0) + rw.counter;
      counterMetered = (counterMetered ?? 0) + rw.metered;
      const diff = rw.counter - rw.metered;
      const runtime = { id: rw.id, name: rw.name };
      if (diff > counterTolerance(rw.metered)) findings.push(finding('runtime_above_metered', rw.intervals, diff, null, runtime));
      else if (diff < -counterTolerance(rw.metered)) findings.push(finding(rw.resets > 0 ? 'counter_reset' : 'runtime_below_metered', rw.intervals, diff, null, runtime));
    }
    const start = new Date(from.getTime() + i * windowMs);
    const end = new Date(Math.min(to.getTime(), start.getTime() + windowMs));
    const traffic = (r?.served ?? 0) + (r?.events ?? 0) + (counterTokens ?? 0) > 0;
    windows.push({
      from: start.toISOString(),
      to: end.toISOString(),
      status: windowStatus(traffic, findings),
      servedRequests: r?.served ?? 0,
      usageEvents: r?.events ?? 0,
      matched: r?.matched ?? 0,
      logTokens: r?.log_tokens ?? 0,
      meteredTokens: r?.metered_tokens ?? 0,
      counterTokens,
      counterMeteredTokens: counterMetered,
      simulated: r?.simulated ?? 0,
      findings,
    });
    totals.servedRequests += r?.served ?? 0;
    totals.usageEvents += r?.events ?? 0;
    totals.logTokens += r?.log_tokens ?? 0;
    totals.meteredTokens += r?.metered_tokens ?? 0;
    totals.counterTokens += counterTokens ?? 0;
  }
  return { windows, totals };
}

interface RecordRow {
  id: string;
  created_at: string;
  created_by: string;
  period_from: string;
  period_to: string;
  window_minutes: number;
  outcome: Reconciliation['outcome'];
  windows_total: number;
  windows_flagged: number;
  unexplained: number;
  explained: number;
  totals: Reconciliation['totals'];
  sha256: string;
}

/** A record's summary columns; `extra` adds more (the windows, for one record). */
const selectRecord = (extra = '') => `SELECT r.id, r.created_at, coalesce(o.display_name, 'former member') AS created_by, r.period_from, r.period_to, r.window_minutes, r.outcome,
                              r.windows_total, r.windows_flagged, r.unexplained, r.explained, r.totals, r.sha256${extra}
                         FROM mc.usage_reconciliations r LEFT JOIN mc.operators o ON o.id = r.created_by`;

const toRecord = (r: RecordRow): Reconciliation => ({
  id: r.id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  from: r.period_from,
  to: r.period_to,
  windowMinutes: r.window_minutes,
  outcome: r.outcome,
  windowsTotal: r.windows_total,
  windowsFlagged: r.windows_flagged,
  unexplained: r.unexplained,
  explained: r.explained,
  totals: r.totals,
  sha256: r.sha256,
});

/**
 * Run a reconciliation over a period (default: today so far, UTC) and keep it as a record, with
 * an audit event, in one transaction. A period reaching past now ends now: a record cannot
 * vouch for traffic that has not happened.
 */
export async function reconcile(
  sql: Sql,
  input: { from?: string | undefined; to?: string | undefined; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
  now = new Date(),
): Promise<{ reconciliation: Reconciliation; windows: ReconWindow[] }> {
  const asked = periodOrThrow({ from: input.from, to: input.to && Date.parse(input.to) > now.getTime() ? now.toISOString() : input.to }, now, 'reconcile');
  const { windows, totals } = await computeReconciliation(sql, asked.from, asked.to);
  const all = windows.flatMap((w) => w.findings);
  const unexplained = all.filter((f) => !f.explained).length;
  const explained = all.length - unexplained;
  const anyTraffic = windows.some((w) => w.status !== 'idle');
  const outcome: Reconciliation['outcome'] = unexplained > 0 ? 'discrepancy' : explained > 0 ? 'explained' : anyTraffic ? 'clean' : 'no_traffic';
  const body = { from: asked.from.toISOString(), to: asked.to.toISOString(), windowMinutes: WINDOW_MINUTES, outcome, totals, windows };
  const sha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.usage_reconciliations (org_id, created_by, period_from, period_to, window_minutes, outcome, windows_total, windows_flagged, unexplained, explained, totals, windows, sha256)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      input.operatorId,
      body.from,
      body.to,
      WINDOW_MINUTES,
      outcome,
      windows.length,
      windows.filter((w) => w.findings.length > 0).length,
      unexplained,
      explained,
      JSON.stringify(totals),
      JSON.stringify(windows),
      sha256,
    ],
  );
  await audit({
    action: 'usage.reconciled',
    target: { type: 'usage_reconciliation', id: row.id },
    data: { from: body.from, to: body.to, outcome, unexplained, explained, servedRequests: totals.servedRequests, usageEvents: totals.usageEvents, sha256 },
  });
  return getReconciliation(sql, row.id);
}

export async function listReconciliations(sql: Sql, limit: number): Promise<Reconciliation[]> {
  return (await sql.query<RecordRow>(`${selectRecord()} ORDER BY r.created_at DESC, r.id LIMIT $1`, [limit])).map(toRecord);
}

export async function getReconciliation(sql: Sql, id: string): Promise<{ reconciliation: Reconciliation; windows: ReconWindow[] }> {
  const r = await sql.maybeOne<RecordRow & { windows: ReconWindow[] }>(`${selectRecord(', r.windows')} WHERE r.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That reconciliation record does not exist in this org.', { id: 'No such record.' });
  return { reconciliation: toRecord(r), windows: r.windows };
}

/** The newest record whose period covers today (UTC) from midnight up to at least `since`. */
export async function latestCovering(sql: Sql, dayStart: Date, since: Date): Promise<Reconciliation | null> {
  const r = await sql.maybeOne<RecordRow>(`${selectRecord()} WHERE r.period_from <= $1 AND r.period_to >= $2 ORDER BY r.created_at DESC LIMIT 1`, [dayStart.toISOString(), since.toISOString()]);
  return r ? toRecord(r) : null;
}
