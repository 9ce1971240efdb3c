import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Admission, AdmissionRequest, Limiter, Refusal } from './admission';
import { Batcher } from './batcher';
import { refusalMessage } from './limit-messages';

/**
 * The gateway's limits, kept in Postgres (sql/0046_gateway_limits.sql) so that every gateway
 * instance on one database shares them: one call of mc.limit_admit per request checks and counts
 * every limit atomically; mc.limit_settle replaces the estimate with the real token count and
 * frees the concurrency slot. Leases this instance holds are renewed while it lives, so the slots
 * of a killed instance come back within one lease time-to-live.
 */

/** A call the database refused as malformed or unknown: a bug in the caller, never a customer's limit. */
export class LimitInputError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid' | 'unknown',
  ) {
    super(message);
    this.name = 'LimitInputError';
  }
}

export interface PgLimiterOptions {
  /** Connected as a member of mc_gateway. */
  pool: Pool;
  /** How long a concurrency slot outlives its gateway (seconds, 1–3600). Default 60. */
  leaseTtlS?: number;
  /** How often held leases are renewed. Default a third of the time-to-live. */
  renewEveryMs?: number;
  /** How often this instance trims old windows and leases (mc.limit_upkeep); null: never. Default every minute. */
  upkeepEveryMs?: number | null;
  log?: Logger;
}

const uuid = z.string().uuid();
const requestShape = z.object({
  orgId: uuid,
  customerId: uuid,
  requestId: z.string().regex(/^[0-9A-Za-z_-]{8,64}$/, 'request id must be 8 to 64 letters, digits, _ or -'),
  estimatedTokens: z.number().int().min(0).max(1e12),
});
const settleShape = requestShape.extend({ lease: uuid.nullable(), tokens: z.number().int().min(0).max(1e12) });
type AdmitIn = z.infer<typeof requestShape>;
type SettleIn = z.infer<typeof settleShape>;
const admitJson = (x: AdmitIn) => ({ org_id: x.orgId, customer_id: x.customerId, request_id: x.requestId, estimated_tokens: x.estimatedTokens });
const settleJson = (x: SettleIn) => ({ org_id: x.orgId, customer_id: x.customerId, request_id: x.requestId, lease: x.lease, tokens: x.tokens });

interface AdmitRow {
  ok: boolean;
  refusal: Refusal | null;
  retry_after_s: number;
  lease: string | null;
  // Typed loosely on purpose: the project's pools parse int8 to numbers and timestamptz to ISO
  // strings (db/pg-config.ts), node-postgres' defaults give strings and Dates.
  limit_value: string | number | null;
  used: string | number | null;
  resets_at: Date | string | null;
}

function parse<T>(shape: z.ZodType<T>, value: unknown): T {
  const r = shape.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new LimitInputError(`limits: ${first?.path.join('.') || 'request'}: ${first?.message ?? 'invalid'}`, 'invalid');
  }
  return r.data;
}

/** The database's own refusals of bad input (sql/0046 raises 22023 and P0002) in the caller's terms. */
function mapError(err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code === '22023') throw new LimitInputError(e.message ?? 'limits: invalid input', 'invalid');
  if (e.code === 'P0002') throw new LimitInputError(e.message ?? 'limits: unknown customer or request', 'unknown');
  throw err;
}

export class PgLimiter implements Limiter {
  private readonly pool: Pool;
  private readonly leaseTtlS: number;
  private readonly log: Logger | undefined;
  private readonly held = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Admissions and settles that arrive while the previous call runs go together in the next (sql/0056). */
  private readonly admits: Batcher<AdmitIn, AdmitRow | undefined>;
  private readonly settles: Batcher<SettleIn, void>;

  constructor(opts: PgLimiterOptions) {
    this.pool = opts.pool;
    this.leaseTtlS = opts.leaseTtlS ?? 60;
    if (!Number.isInteger(this.leaseTtlS) || this.leaseTtlS < 1 || this.leaseTtlS > 3600) throw new RangeError('leaseTtlS must be a whole number of seconds from 1 to 3600');
    this.log = opts.log;
    const ttl = this.leaseTtlS;
    this.admits = new Batcher<AdmitIn, AdmitRow | undefined>(
      async (items) => {
        const r = await this.pool.query<{ r: (AdmitRow & { i: number })[] }>('SELECT mc.limit_admit_many($1::jsonb, $2) AS r', [JSON.stringify(items.map(admitJson)), ttl]).catch(mapError);
        const byIndex = new Map((r.rows[0]?.r ?? []).map((x) => [x.i, x]));
        return items.map((_, i) => byIndex.get(i + 1));
      },
      async (x) =>
        (await this.pool.query<AdmitRow>('SELECT * FROM mc.limit_admit($1, $2, $3, $4, $5)', [x.orgId, x.customerId, x.requestId, x.estimatedTokens, ttl]).catch(mapError)).rows[0],
    );
    this.settles = new Batcher<SettleIn, void>(
      async (items) => {
        await this.pool.query('SELECT mc.limit_settle_many($1::jsonb)', [JSON.stringify(items.map(settleJson))]).catch(mapError);
        return items.map(() => undefined);
      },
      async (x) => {
        await this.pool.query('SELECT mc.limit_settle($1, $2, $3, $4, $5) AS status', [x.orgId, x.customerId, x.requestId, x.lease, x.tokens]).catch(mapError);
      },
    );
    const renewEvery = opts.renewEveryMs ?? Math.max(250, (this.leaseTtlS * 1000) / 3);
    this.timers.push(setInterval(() => void this.renew(), renewEvery));
    const upkeepEvery = opts.upkeepEveryMs === undefined ? 60_000 : opts.upkeepEveryMs;
    if (upkeepEvery !== null) this.timers.push(setInterval(() => void this.upkeep().catch(() => undefined), upkeepEvery));
    for (const t of this.timers) t.unref();
  }

  async admit(req: AdmissionRequest): Promise<Admission> {
    const r = parse(requestShape, req);
    const row = await this.admits.submit(r);
    if (!row) throw new Error('limits: the admission function returned no row');
    if (row.ok) {
      if (row.lease) this.held.add(row.lease);
      return { ok: true, lease: row.lease };
    }
    const refusal = row.refusal as Refusal;
    return {
      ok: false,
      refusal,
      retryAfterS: row.retry_after_s,
      message: refusalMessage({
        refusal,
        retryAfterS: row.retry_after_s,
        limit: Number(row.limit_value),
        used: Number(row.used),
        resetsAt: row.resets_at === null ? null : new Date(row.resets_at),
        estimatedTokens: r.estimatedTokens,
      }),
    };
  }

  async settle(req: AdmissionRequest & { lease: string | null; tokens: number }): Promise<void> {
    const r = parse(settleShape, req);
    try {
      await this.settles.submit(r);
    } finally {
      // Settled or refused, this instance stops renewing it: at worst the slot expires.
      if (r.lease) this.held.delete(r.lease);
    }
  }

  /** Database calls made for admissions and settles, and the requests they carried (for tests and the benchmark). */
  get batching(): { admitCalls: number; admitted: number; settleCalls: number; settled: number } {
    return { admitCalls: this.admits.stats.calls, admitted: this.admits.stats.elements, settleCalls: this.settles.stats.calls, settled: this.settles.stats.elements };
  }

  /** Leases in flight on this instance (for /metrics and tests). */
  get leasesHeld(): number {
    return this.held.size;
  }

  /** Keep this instance's slots: a lease not renewed within its time-to-live stops counting. */
  async renew(): Promise<number> {
    if (this.held.size === 0) return 0;
    const leases = [...this.held];
    try {
      const r = await this.pool.query<{ n: number }>('SELECT mc.limit_renew($1::uuid[], $2) AS n', [leases, this.leaseTtlS]);
      return r.rows[0]?.n ?? 0;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, leases: leases.length }, 'limits: lease renewal failed; slots held here expire unless the next renewal succeeds');
      return 0;
    }
  }

  /** Trim windows older than a day and admissions settled or expired (bounded tables). */
  async upkeep(): Promise<{ orgMinutes: number; minutes: number; months: number; admissions: number }> {
    try {
      const r = await this.pool.query<{ org_minutes: number; minutes: number; months: number; admissions: number }>('SELECT * FROM mc.limit_upkeep()');
      const row = r.rows[0]!;
      return { orgMinutes: row.org_minutes, minutes: row.minutes, months: row.months, admissions: row.admissions };
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'limits: upkeep failed; will retry');
      throw err;
    }
  }

  /**
   * Stop renewing and trimming. Leases still held are left to expire (what a killed gateway
   * leaves); a gateway shutting down cleanly settles its requests first.
   */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
