import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../db/pg-config';
import { limitMinutes, LimitMinutesInputError } from '../../services/limits';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import type { Admission, AdmissionRequest } from './admission';
import { LimitInputError, PgLimiter } from './limits';

interface Limits {
  requests_per_min?: number | null;
  tokens_per_min?: number | null;
  monthly_token_quota?: number | null;
  max_concurrency?: number | null;
  committed_requests_per_min?: number;
  committed_tokens_per_min?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testServers().map((s) => [s.label, s] as const))('gateway limits on %s', (_label, server) => {
  let db: TestDatabase;
  let a: TestOrg;
  let b: TestOrg;
  const loginRoles: string[] = [];
  const pools: pg.Pool[] = [];
  const limiters: PgLimiter[] = [];
  let app: pg.Pool;

  /** A login that is a member of mc_gateway, as a gateway instance connects; its own pool. */
  async function gatewayPool(max = 8): Promise<pg.Pool> {
    const role = `gw_limits_${randomBytes(6).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await asOwner(db, null, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE mc_gateway`);
      // Bound to every org the test made (sql/0058), as an operator binds a gateway's login.
      await c.query(`INSERT INTO mc.login_orgs (role_name, org_id, purpose) SELECT $1, id, 'gateway' FROM mc.orgs`, [role]);
    });
    loginRoles.push(role);
    const pool = new pg.Pool({ ...clientConfig({ ...db.target, user: role }, password), max });
    pool.on('error', () => undefined);
    pools.push(pool);
    // Open every connection first, as a running gateway's pool is: a burst on a cold pool would
    // be spread out by connection set-up and hide races.
    const clients = await Promise.all(Array.from({ length: max }, () => pool.connect()));
    for (const c of clients) c.release();
    return pool;
  }

  function limiter(pool: pg.Pool, opts: { leaseTtlS?: number; renewEveryMs?: number } = {}): PgLimiter {
    const l = new PgLimiter({ pool, upkeepEveryMs: null, ...opts });
    limiters.push(l);
    return l;
  }

  const corridors = new Map<string, string>();
  async function customer(org: TestOrg, limits: Limits = {}): Promise<string> {
    return asOwner(db, org.orgId, async (c) => {
      let corridor = corridors.get(org.orgId);
      if (!corridor) {
        corridor = (await c.query<{ id: string }>(`INSERT INTO mc.corridors (org_id, key, name, region) VALUES ($1, 'eu', 'EU', 'eu') RETURNING id`, [org.orgId])).rows[0]!.id;
        corridors.set(org.orgId, corridor);
      }
      const key = `c-${randomBytes(4).toString('hex')}`;
      const r = await c.query<{ id: string }>(
        `INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, requests_per_min, tokens_per_min, monthly_token_quota, max_concurrency,
                                   committed_requests_per_min, committed_tokens_per_min)
         VALUES ($1, $2, $2, 'enterprise', $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          org.orgId,
          key,
          corridor,
          limits.requests_per_min ?? null,
          limits.tokens_per_min ?? null,
          limits.monthly_token_quota ?? null,
          limits.max_concurrency ?? null,
          limits.committed_requests_per_min ?? 0,
          limits.committed_tokens_per_min ?? 0,
        ],
      );
      return r.rows[0]!.id;
    });
  }

  const req = (org: TestOrg, customerId: string, estimatedTokens = 10): AdmissionRequest => ({
    orgId: org.orgId,
    customerId,
    requestId: `req_${randomBytes(8).toString('hex')}`,
    estimatedTokens,
  });

  /** What the counters hold for a customer (as the owner: every row, RLS aside). */
  async function counted(customerId: string) {
    return asOwner(db, null, async (c) => {
      const m = await c.query<{ requests: string; tokens: string }>(
        `SELECT coalesce(sum(requests), 0)::text AS requests, coalesce(sum(tokens), 0)::text AS tokens FROM mc.limit_minutes WHERE customer_id = $1`,
        [customerId],
      );
      const mo = await c.query<{ tokens: string }>(`SELECT coalesce(sum(tokens), 0)::text AS tokens FROM mc.limit_months WHERE customer_id = $1`, [customerId]);
      const ad = await c.query<{ n: number; leases: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE lease IS NOT NULL)::int AS leases FROM mc.limit_admissions WHERE customer_id = $1`,
        [customerId],
      );
      return { requests: Number(m.rows[0]!.requests), tokens: Number(m.rows[0]!.tokens), monthTokens: Number(mo.rows[0]!.tokens), admissions: ad.rows[0]!.n, leases: ad.rows[0]!.leases };
    });
  }

  /**
   * The windows are the database's UTC minutes: a burst that straddled a minute's end would be
   * counted in two windows. Start bursts well inside a minute.
   */
  async function awayFromMinuteEdge(needS = 15): Promise<void> {
    const s = await asOwner(db, null, async (c) => Number((await c.query<{ s: string }>(`SELECT extract(second FROM now())::text AS s`)).rows[0]!.s));
    if (s > 60 - needS) await sleep((60 - s + 0.3) * 1000);
  }

  const refused = (x: Admission) => (x.ok ? null : x);

  beforeAll(async () => {
    db = await migratedDatabase(server);
    a = await createOrg(db, 'limits-a');
    b = await createOrg(db, 'limits-b');
    app = await appPool(db);
  });
  // Each test's gateways end with it: their warm pools would otherwise hold the server's slots.
  afterEach(async () => {
    for (const l of limiters.splice(0)) l.close();
    for (const p of pools.splice(0)) await p.end().catch(() => undefined);
  });
  afterAll(async () => {
    await app?.end();
    await db?.drop();
    if (loginRoles.length) {
      const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
      await admin.connect();
      for (const r of loginRoles) await admin.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('200 concurrent admissions against 100 a minute: exactly 100 admitted, the rest refused with Retry-After', async () => {
    const cust = await customer(a, { requests_per_min: 100 });
    const l = limiter(await gatewayPool(20));
    await awayFromMinuteEdge();
    const results = await Promise.all(Array.from({ length: 200 }, () => l.admit(req(a, cust))));
    const ok = results.filter((r) => r.ok);
    const no = results.map(refused).filter((r) => r !== null);
    expect(ok).toHaveLength(100);
    expect(no).toHaveLength(100);
    for (const r of no) {
      expect(r.refusal).toBe('requests_per_min');
      expect(r.retryAfterS).toBeGreaterThanOrEqual(1);
      expect(r.retryAfterS).toBeLessThanOrEqual(60);
      expect(r.message).toMatch(/100 requests per minute.*Try again in \d+ seconds?\./);
    }
    // No concurrency cap: no lease to hold or give back.
    expect(ok.every((r) => r.ok && r.lease === null)).toBe(true);
    // Sent in batches (sql/0056), not one round trip each; every one was answered.
    expect(l.batching.admitted).toBe(200);
    expect(l.batching.admitCalls).toBeLessThan(20);
    expect(await counted(cust)).toMatchObject({ requests: 100, tokens: 1000, admissions: 100 });
  });

  it('a batch with one bad element: the others are admitted and settled, only that request gets the error', async () => {
    const cust = await customer(a, { requests_per_min: 100, tokens_per_min: 10_000 });
    const l = limiter(await gatewayPool(4));
    await awayFromMinuteEdge();
    const good = Array.from({ length: 6 }, () => req(a, cust, 50));
    const stranger = req(a, '00000000-0000-4000-8000-00000000dead', 50);
    // The first goes alone; the rest arrive while it runs and go together, the unknown customer among them.
    const all = [good[0]!, ...good.slice(1, 3), stranger, ...good.slice(3)];
    const answers = await Promise.allSettled(all.map((r) => l.admit(r)));
    expect(answers.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const err = (answers[3] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(LimitInputError);
    expect((err as LimitInputError).code).toBe('unknown');
    expect(await counted(cust)).toMatchObject({ requests: 6, tokens: 300 });
    await Promise.all(good.map((r) => l.settle({ ...r, lease: null, tokens: 20 })));
    expect(await counted(cust)).toMatchObject({ requests: 6, tokens: 120 });
    expect(l.batching.settled).toBe(6);
    // The first alone, the batch of six refused as a whole, then each of the six alone.
    expect(l.batching.admitCalls).toBe(8);
    // The batch functions refuse what is not a batch, before touching any counter.
    const pool = await gatewayPool(1);
    await expect(pool.query(`SELECT mc.limit_admit_many('{}'::jsonb, 60)`)).rejects.toMatchObject({ code: '22023' });
    await expect(pool.query(`SELECT mc.limit_settle_many('[]'::jsonb)`)).rejects.toMatchObject({ code: '22023' });
    expect(await counted(cust)).toMatchObject({ requests: 6, tokens: 120 });
  });

  it('two gateway instances (two pools) sharing one limit admit exactly the limit between them', async () => {
    const cust = await customer(a, { requests_per_min: 60 });
    const one = limiter(await gatewayPool(6));
    const two = limiter(await gatewayPool(6));
    await awayFromMinuteEdge();
    // Each instance admits 10 first (so both really count against the one limit), then a burst on both.
    for (let i = 0; i < 10; i++) {
      expect((await one.admit(req(a, cust))).ok).toBe(true);
      expect((await two.admit(req(a, cust))).ok).toBe(true);
    }
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => (i % 2 ? one : two).admit(req(a, cust))));
    // A burst goes in batches (sql/0056): whichever instance's batch runs first may take the rest.
    expect(results.filter((r) => r.ok)).toHaveLength(40);
    expect(await counted(cust)).toMatchObject({ requests: 60 });
  });

  it('tokens per minute: admits on the estimate, settles with the real count, refuses once the window is full', async () => {
    const cust = await customer(a, { tokens_per_min: 1000 });
    const l = limiter(await gatewayPool(2));
    await awayFromMinuteEdge();
    const r1 = req(a, cust, 300);
    const first = await l.admit(r1);
    expect(first).toEqual({ ok: true, lease: null });
    expect(await counted(cust)).toMatchObject({ tokens: 300, monthTokens: 300 });
    await l.settle({ ...r1, lease: null, tokens: 600 });
    expect(await counted(cust)).toMatchObject({ tokens: 600, monthTokens: 600 });
    const r2 = req(a, cust, 300);
    expect((await l.admit(r2)).ok).toBe(true);
    await l.settle({ ...r2, lease: null, tokens: 400 });
    expect(await counted(cust)).toMatchObject({ tokens: 1000, requests: 2 });
    const third = await l.admit(req(a, cust, 1));
    expect(third).toMatchObject({ ok: false, refusal: 'tokens_per_min' });
    expect(refused(third)!.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refused(third)!.retryAfterS).toBeLessThanOrEqual(60);
    expect(refused(third)!.message).toMatch(/1,000 tokens per minute \(1,000 used this minute/);
    // The refusal counted nothing.
    expect(await counted(cust)).toMatchObject({ tokens: 1000, requests: 2, admissions: 2 });
    // Settling again changes nothing.
    await l.settle({ ...r2, lease: null, tokens: 900 });
    expect(await counted(cust)).toMatchObject({ tokens: 1000 });
  });

  it('a request larger than the whole token limit is refused and told to shrink', async () => {
    const cust = await customer(a, { tokens_per_min: 500 });
    const l = limiter(await gatewayPool(1));
    const r = await l.admit(req(a, cust, 501));
    expect(r).toMatchObject({ ok: false, refusal: 'tokens_per_min' });
    expect(refused(r)!.message).toMatch(/more than your limit of 500 tokens per minute; lower max_tokens/);
    expect(await counted(cust)).toMatchObject({ requests: 0, tokens: 0, admissions: 0 });
  });

  it('the monthly quota refuses with Retry-After to the end of the UTC month', async () => {
    const cust = await customer(a, { monthly_token_quota: 500 });
    const l = limiter(await gatewayPool(1));
    const r1 = req(a, cust, 200);
    expect((await l.admit(r1)).ok).toBe(true);
    await l.settle({ ...r1, lease: null, tokens: 450 });
    const refusedAt = await asOwner(db, null, async (c) =>
      (
        await c.query<{ s: number; end: string }>(
          `SELECT ceil(extract(epoch FROM (date_trunc('month', now(), 'UTC') AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC' - now()))::int AS s,
                  (date_trunc('month', now(), 'UTC') AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC' AS end`,
        )
      ).rows[0]!,
    );
    const r = await l.admit(req(a, cust, 100));
    expect(r).toMatchObject({ ok: false, refusal: 'monthly_quota' });
    expect(Math.abs(refused(r)!.retryAfterS - refusedAt.s)).toBeLessThanOrEqual(2);
    // Well past any minute window: the quota's wait is the month's.
    expect(refused(r)!.retryAfterS).toBeGreaterThan(60);
    expect(refused(r)!.message).toContain('450 of 500 tokens used');
    expect(refused(r)!.message).toContain(`It resets at ${new Date(refusedAt.end).toISOString().replace('.000Z', 'Z')} (UTC)`);
    // A request that fits what is left is still admitted.
    expect((await l.admit(req(a, cust, 50))).ok).toBe(true);
    expect(await counted(cust)).toMatchObject({ monthTokens: 500, requests: 2 });
  });

  it('concurrency: N leases held refuse the next; settling frees one', async () => {
    const cust = await customer(a, { max_concurrency: 3 });
    const l = limiter(await gatewayPool(4));
    const reqs = [req(a, cust), req(a, cust), req(a, cust)];
    const held = await Promise.all(reqs.map((r) => l.admit(r)));
    expect(held.every((h) => h.ok && typeof h.lease === 'string')).toBe(true);
    expect(l.leasesHeld).toBe(3);
    const fourth = await l.admit(req(a, cust));
    expect(fourth).toMatchObject({ ok: false, refusal: 'concurrency', retryAfterS: 1 });
    expect(refused(fourth)!.message).toMatch(/3 requests in progress/);
    const lease = held[0]!.ok ? held[0]!.lease : null;
    // A lease that is not the request's is refused and frees nothing.
    const wrong = await l.settle({ ...reqs[0]!, lease: randomUUID(), tokens: 5 }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(LimitInputError);
    expect(await counted(cust)).toMatchObject({ leases: 3 });
    await l.settle({ ...reqs[0]!, lease, tokens: 5 });
    expect(await counted(cust)).toMatchObject({ leases: 2 });
    expect((await l.admit(req(a, cust))).ok).toBe(true);
    expect((await l.admit(req(a, cust))).ok).toBe(false);
  });

  it('concurrency under a burst: never more leases than the cap, across two instances', async () => {
    const cust = await customer(a, { max_concurrency: 7 });
    const one = limiter(await gatewayPool(5));
    const two = limiter(await gatewayPool(5));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).admit(req(a, cust))));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    expect(results.filter((r) => !r.ok && r.refusal === 'concurrency')).toHaveLength(33);
  });

  it('a killed gateway’s leases stop counting when they expire; a live one keeps its own', async () => {
    const cust = await customer(a, { max_concurrency: 2 });
    const killed = limiter(await gatewayPool(2), { leaseTtlS: 1 });
    const live = limiter(await gatewayPool(2), { leaseTtlS: 2, renewEveryMs: 250 });
    expect((await killed.admit(req(a, cust))).ok).toBe(true);
    expect((await killed.admit(req(a, cust))).ok).toBe(true);
    killed.close(); // no settle, no renewal: what kill -9 leaves behind
    expect(await live.admit(req(a, cust))).toMatchObject({ ok: false, refusal: 'concurrency' });
    await sleep(1300);
    const l1 = req(a, cust);
    const l2 = req(a, cust);
    expect((await live.admit(l1)).ok).toBe(true);
    expect((await live.admit(l2)).ok).toBe(true);
    // The live instance renews its leases past their time-to-live: still full.
    await sleep(2600);
    expect(await live.admit(req(a, cust))).toMatchObject({ ok: false, refusal: 'concurrency' });
  });

  it('the org limit applies across the org’s customers and never touches another org', async () => {
    // An org of its own: its window holds only this test's requests.
    const c = await createOrg(db, 'limits-c');
    await asOwner(db, c.orgId, (x) => x.query(`INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES ($1, 5)`, [c.orgId]));
    const x = await customer(c);
    const y = await customer(c, { requests_per_min: 100 });
    const other = await customer(b, { requests_per_min: 1 });
    const l = limiter(await gatewayPool(3));
    await awayFromMinuteEdge();
    const xs = await Promise.all([l.admit(req(c, x)), l.admit(req(c, x)), l.admit(req(c, x))]);
    const ys = await Promise.all([l.admit(req(c, y)), l.admit(req(c, y))]);
    expect([...xs, ...ys].every((r) => r.ok)).toBe(true);
    const sixth = await l.admit(req(c, y));
    expect(sixth).toMatchObject({ ok: false, refusal: 'org_requests_per_min' });
    expect(refused(sixth)!.message).toMatch(/5 requests per minute across all its customers/);
    // Customer x (no limit of its own) is held by the org's 5 as well.
    expect(await l.admit(req(c, x))).toMatchObject({ ok: false, refusal: 'org_requests_per_min' });
    // Org B: its own customer limit, untouched by org C's full window.
    expect((await l.admit(req(b, other))).ok).toBe(true);
    expect(await l.admit(req(b, other))).toMatchObject({ ok: false, refusal: 'requests_per_min' });
    // ...and org B's traffic took nothing from org C's counters.
    expect(await counted(x)).toMatchObject({ requests: 3 });
    expect(await counted(y)).toMatchObject({ requests: 2 });
  });

  it('null limits mean the org default: 10,000 requests a minute, no token cap, no quota, no concurrency cap', async () => {
    const d = await createOrg(db, 'limits-d');
    const cust = await customer(d);
    const l = limiter(await gatewayPool(2));
    await awayFromMinuteEdge();
    // A huge estimate passes (no token cap, no quota) and takes no lease (no concurrency cap).
    const big = req(d, cust, 1_000_000_000);
    expect(await l.admit(big)).toEqual({ ok: true, lease: null });
    await l.settle({ ...big, lease: null, tokens: 999_999_999 });
    // The org's request count this minute at 9,999 of the default 10,000 (as if 9,998 more had come).
    await asOwner(db, null, (c) =>
      c.query(`UPDATE mc.limit_org_minutes SET requests = 9999 WHERE org_id = $1 AND minute = date_trunc('minute', now(), 'UTC')`, [d.orgId]),
    );
    expect((await l.admit(req(d, cust))).ok).toBe(true);
    const r = await l.admit(req(d, cust));
    expect(r).toMatchObject({ ok: false, refusal: 'org_requests_per_min' });
    expect(refused(r)!.message).toContain('10,000 requests per minute');
  });

  it('bad input is refused with a clear error and counts nothing', async () => {
    const cust = await customer(a, { max_concurrency: 5, tokens_per_min: 10_000 });
    const pool = await gatewayPool(2);
    const l = limiter(pool);
    const ok = req(a, cust, 100);
    const admitted = await l.admit(ok);
    expect(admitted.ok).toBe(true);
    const lease = admitted.ok ? admitted.lease : null;
    expect(lease).not.toBeNull();
    const before = await counted(cust);

    const unknown = await l.admit(req(a, randomUUID())).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(LimitInputError);
    expect(unknown).toMatchObject({ code: 'unknown', message: expect.stringMatching(/no customer/) });
    // A real customer named with another org is unknown too: the org comes from the key, never the body.
    expect(await l.admit(req(b, cust)).catch((e: unknown) => e)).toMatchObject({ code: 'unknown' });
    expect(await l.admit({ ...req(a, cust), estimatedTokens: -5 }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid', message: expect.stringMatching(/estimatedTokens/) });
    expect(await l.admit({ ...req(a, cust), estimatedTokens: 1.5 }).catch((e: unknown) => e)).toBeInstanceOf(LimitInputError);
    expect(await l.admit({ ...req(a, cust), requestId: 'x' }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid' });
    expect(await l.admit({ ...req(a, cust), customerId: 'not-a-uuid' }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid' });
    // The same request id twice: refused, and the second attempt counted nothing.
    expect(await l.admit({ ...ok }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid', message: expect.stringMatching(/already admitted/) });
    // The database refuses bad input on its own too (a gateway that skipped the checks).
    const raw = await pool.query(`SELECT * FROM mc.limit_admit($1, $2, 'req_rawnegative', -1, 60)`, [a.orgId, cust]).catch((e: { code?: string }) => e);
    expect(raw).toMatchObject({ code: '22023' });
    expect(await counted(cust)).toEqual(before);

    // Settling: negative tokens, an unknown request, another customer's request.
    expect(await l.settle({ ...ok, lease, tokens: -1 }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid' });
    const rawSettle = await pool.query(`SELECT mc.limit_settle($1, $2, $3, $4, -1)`, [a.orgId, cust, ok.requestId, lease]).catch((e: { code?: string }) => e);
    expect(rawSettle).toMatchObject({ code: '22023' });
    expect(await l.settle({ ...req(a, cust), lease: null, tokens: 1 }).catch((e: unknown) => e)).toMatchObject({ code: 'unknown' });
    const otherCust = await customer(a);
    expect(await l.settle({ ...ok, customerId: otherCust, lease, tokens: 1 }).catch((e: unknown) => e)).toMatchObject({ code: 'unknown' });
    expect(await counted(cust)).toEqual(before);
    // The gateway's role may only call the functions: no direct writes to the counters.
    const direct = await pool.query(`UPDATE mc.limit_minutes SET requests = 0`).catch((e: { code?: string }) => e);
    expect(direct).toMatchObject({ code: '42501' });
  });

  it('the usage view reads used vs committed per minute for its own org only', async () => {
    const cust = await customer(a, { committed_requests_per_min: 2, committed_tokens_per_min: 1000 });
    const idle = await customer(a, { committed_requests_per_min: 10 });
    const l = limiter(await gatewayPool(2));
    await awayFromMinuteEdge();
    for (let i = 0; i < 3; i++) {
      const r = req(a, cust, 100);
      expect((await l.admit(r)).ok).toBe(true);
      await l.settle({ ...r, lease: null, tokens: 50 });
    }
    const rows = await asApp(app, a.operator, (sql) => limitMinutes(sql, { minutes: 5 }));
    const mine = rows.find((r) => r.customerId === cust)!;
    expect(mine).toMatchObject({ committedRequestsPerMin: 2, committedTokensPerMin: 1000, peakRequests: 3, peakTokens: 150, minutesOverCommitted: 1 });
    expect(mine.minutes).toHaveLength(6);
    expect(mine.minutes.at(-1)).toMatchObject({ requests: 3, tokens: 150 });
    expect(mine.minutes.slice(0, 5).every((m) => m.requests === 0 && m.tokens === 0)).toBe(true);
    // A committed customer with no traffic is listed with zeros (under-use is an answer too).
    expect(rows.find((r) => r.customerId === idle)).toMatchObject({ peakRequests: 0, minutesOverCommitted: 0 });
    const one = await asApp(app, a.operator, (sql) => limitMinutes(sql, { minutes: 1, customerId: cust }));
    expect(one.map((r) => r.customerId)).toEqual([cust]);
    // Org B sees none of org A's customers or counters.
    const theirs = await asApp(app, b.operator, (sql) => limitMinutes(sql, { minutes: 60 }));
    expect(theirs.some((r) => r.customerId === cust || r.customerId === idle)).toBe(false);
    await expect(asApp(app, a.operator, (sql) => limitMinutes(sql, { minutes: 0 }))).rejects.toBeInstanceOf(LimitMinutesInputError);
    await expect(asApp(app, a.operator, (sql) => limitMinutes(sql, { minutes: 1441 }))).rejects.toBeInstanceOf(LimitMinutesInputError);
  });

  it('upkeep deletes old windows and finished admissions and keeps the current ones', async () => {
    const cust = await customer(a);
    const l = limiter(await gatewayPool(1));
    const live = req(a, cust);
    expect((await l.admit(live)).ok).toBe(true);
    await asOwner(db, null, async (c) => {
      await c.query(`INSERT INTO mc.limit_org_minutes (org_id, minute, requests) VALUES ($1, date_trunc('minute', now()) - interval '2 days', 3)`, [a.orgId]);
      await c.query(`INSERT INTO mc.limit_minutes (org_id, customer_id, minute, requests) VALUES ($1, $2, date_trunc('minute', now()) - interval '2 days', 3)`, [a.orgId, cust]);
      await c.query(`INSERT INTO mc.limit_months (org_id, customer_id, month, tokens) VALUES ($1, $2, date_trunc('month', now())::date - interval '14 months', 7)`, [a.orgId, cust]);
      await c.query(
        `INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, admitted_at, minute, estimated_tokens, settled_at, tokens)
         VALUES ($1, 'req_old_settled', $2, now() - interval '30 minutes', date_trunc('minute', now()) - interval '30 minutes', 1, now() - interval '29 minutes', 1)`,
        [a.orgId, cust],
      );
      await c.query(
        `INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, admitted_at, minute, estimated_tokens, lease, lease_expires_at)
         VALUES ($1, 'req_old_expired', $2, now() - interval '30 minutes', date_trunc('minute', now()) - interval '30 minutes', 1, gen_random_uuid(), now() - interval '20 minutes')`,
        [a.orgId, cust],
      );
    });
    const r = await l.upkeep();
    expect(r.orgMinutes).toBeGreaterThanOrEqual(1);
    expect(r.minutes).toBeGreaterThanOrEqual(1);
    expect(r.months).toBeGreaterThanOrEqual(1);
    expect(r.admissions).toBeGreaterThanOrEqual(2);
    const left = await asOwner(db, null, async (c) =>
      (
        await c.query<{ request_id: string }>(`SELECT request_id FROM mc.limit_admissions WHERE customer_id = $1 ORDER BY request_id`, [cust])
      ).rows.map((x) => x.request_id),
    );
    expect(left).toEqual([live.requestId]);
    expect(await counted(cust)).toMatchObject({ requests: 1 });
  });
});
