/**
 * /usage on a real Postgres: totals per customer, corridor, model and day from seeded traffic
 * (written as the owner, the way the gateway's definer functions write it); the hourly
 * reconciliation flagging each kind of discrepancy with its cause and passing clean data, counter
 * resets included; the prober keeping a fake vLLM's counters; daily checklist item 5 answered from
 * the newest record; and bad periods refused with nothing stored.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { dayStart } from '../../../src-shared/domain/usage';
import { startFakeVllm } from '../../runtimes/fake/vllm';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.skipIf(!ok)('usage and reconciliation', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let vllm: Awaited<ReturnType<typeof startFakeVllm>>;
  const customer: Record<'acme' | 'globex' | 'idle', string> = { acme: '', globex: '', idle: '' };
  /** R1: a vLLM with counters; R2: a runtime without counters; R3: a vLLM that restarts. */
  const rt = { r1: '', r2: '', r3: '' };
  const today = dayStart(new Date()).getTime();
  const totalsDay = today - 3 * 24 * H;
  const reconDay = today - 2 * 24 * H;
  const resetDay = today - 1 * 24 * H;

  interface Traffic {
    customer?: string;
    runtime?: string | null;
    prompt?: number;
    completion?: number;
    model?: string;
    simulated?: boolean;
    estimated?: boolean;
    /** false: the request log only; 'only': the usage event only; a number: the usage event's completion tokens instead. */
    usage?: boolean | 'only' | number;
    status?: number;
  }
  /** One request as the gateway records it: the log row, and its usage event when it reached a runtime. */
  async function traffic(atMs: number, t: Traffic = {}): Promise<string> {
    const id = `req_${randomBytes(6).toString('hex')}`;
    const runtime = t.runtime === undefined ? rt.r2 : t.runtime;
    const c = t.customer ?? customer.acme;
    const prompt = t.prompt ?? 100;
    const completion = t.completion ?? 200;
    const model = t.model ?? 'llama-3.1-8b';
    await asOwner(db, org.orgId, async (db) => {
      if (t.usage !== 'only') {
        await db.query(
          `INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, corridor_id, node_id, runtime_id, status, outcome,
                                        latency_ms, prompt_tokens, completion_tokens, simulated, gateway_instance)
           VALUES ($1, $2, $3::timestamptz - interval '1 second', $3, $4, 'ume_live_AAAAAA', 'chat.completions', $5, $6, $7, $8, $9, $10, 900, $11, $12, $13, 'gw-test')`,
          [org.orgId, id, iso(atMs), c, model, grid.corridorId, grid.nodeId, runtime, t.status ?? (runtime ? 200 : 429), runtime ? 'served' : 'rate_limited', runtime ? prompt : 0, runtime ? completion : 0, t.simulated ?? false],
        );
      }
      if (runtime && t.usage !== false) {
        await db.query(
          `INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, corridor_id, node_id, runtime_id, prompt_tokens, completion_tokens, estimated, simulated)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [org.orgId, id, iso(atMs), c, model, grid.corridorId, grid.nodeId, runtime, prompt, typeof t.usage === 'number' ? t.usage : completion, t.estimated ?? false, t.simulated ?? false],
        );
      }
    });
    return id;
  }
  const counter = (runtime: string, atMs: number, prompt: number | null, generation: number | null) =>
    asOwner(db, org.orgId, (c) =>
      c.query('INSERT INTO mc.runtime_token_counters (org_id, runtime_id, observed_at, prompt_tokens_total, generation_tokens_total) VALUES ($1, $2, $3, $4, $5)', [org.orgId, runtime, iso(atMs), prompt, generation]),
    );
  const records = () => asOwner(db, null, async (c) => (await c.query('SELECT id FROM mc.usage_reconciliations WHERE org_id = $1 ORDER BY created_at', [org.orgId])).rows.map((r) => r.id as string));
  const item5 = async () => {
    const { run } = await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'daily' });
    const got = await call<Response<'checklists.get'>>(operator, 'checklists.get', { runId: run.id });
    return got.items.find((i) => i.key === 'usage')!;
  };

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'usage');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    for (const [key, name, tier] of [['acme', 'Acme Health', 'enterprise'], ['globex', 'Globex', 'pilot'], ['idle', 'Idle Corp', 'enterprise']] as const) {
      customer[key] = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key, name, tier, homeCorridorId: grid.corridorId })).customer.id;
    }
    await asOwner(db, org.orgId, async (c) => {
      await c.query('UPDATE mc.customers SET committed_requests_per_min = 10, committed_tokens_per_min = 2000 WHERE id = $1', [customer.acme]);
      await c.query('UPDATE mc.customers SET committed_requests_per_min = 5 WHERE id = $1', [customer.idle]);
    });
    // R1 through the real path: connected, its first probe keeps the fake vLLM's counters.
    vllm = await startFakeVllm({ generatedTokens: 5000, promptTokens: 1000 });
    rt.r1 = (await call<Response<'runtimes.connect'>>(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'fra vLLM', baseUrl: vllm.url })).runtime.id;
    await asOwner(db, org.orgId, async (c) => {
      for (const [k, name] of [['r2', 'fra Ollama'], ['r3', 'fra vLLM 2']] as const) {
        rt[k] = (
          await c.query<{ id: string }>(`INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group) VALUES ($1, $2, $3, 'vllm', $4, 'vllm') RETURNING id`, [
            org.orgId,
            grid.nodeId,
            name,
            `http://10.0.0.${k === 'r2' ? 2 : 3}:8000`,
          ])
        ).rows[0]!.id;
      }
      // The connect probe's sample lies after every test period; these tests place their own samples.
      await c.query('DELETE FROM mc.runtime_token_counters WHERE runtime_id = $1', [rt.r1]);
    });
  });
  afterAll(async () => {
    await vllm?.close();
    for (const c of [auditor, operator, admin]) await c?.cleanup();
    await db?.drop();
  });

  it('the prober keeps a vLLM runtime’s cumulative prompt and generation counters per probe', async () => {
    vllm.options.generatedTokens = 7000;
    vllm.options.promptTokens = 1500;
    await call(operator, 'runtimes.probe', { runtimeId: rt.r1 });
    const rows = await asOwner(db, null, async (c) => (await c.query('SELECT prompt_tokens_total, generation_tokens_total FROM mc.runtime_token_counters WHERE runtime_id = $1', [rt.r1])).rows);
    expect(rows).toEqual([{ prompt_tokens_total: 1500, generation_tokens_total: 7000 }]);
    await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.runtime_token_counters WHERE runtime_id = $1', [rt.r1]));
  });

  it('totals per customer (committed against used), corridor, model and day; simulated traffic can be left out', async () => {
    const at = totalsDay + 10 * 60_000;
    for (let i = 0; i < 3; i++) await traffic(at + i * 1000, { customer: customer.acme, prompt: 100, completion: 50, model: 'llama-3.1-8b' });
    await traffic(at + 5 * 60_000, { customer: customer.acme, runtime: null });
    await traffic(totalsDay + 2 * H, { customer: customer.globex, prompt: 40, completion: 10, model: 'qwen2.5-7b' });
    await traffic(totalsDay + 2 * H + 5 * 60_000, { customer: customer.globex, prompt: 60, completion: 20, model: 'qwen2.5-7b', simulated: true, estimated: true });
    const period = { from: iso(totalsDay), to: iso(totalsDay + 24 * H) };

    const s = await call<Response<'usage.summary'>>(auditor, 'usage.summary', period);
    expect(s.totals).toEqual({ requests: 5, promptTokens: 400, completionTokens: 180, totalTokens: 580, estimated: 1, simulated: 1, refused: 1, answered: 6 });
    expect(s.customers.map((c) => c.name)).toEqual(['Acme Health', 'Globex', 'Idle Corp']);
    expect(s.customers[0]).toMatchObject({
      requests: 3,
      totalTokens: 450,
      refused: 1,
      committedRequestsPerMin: 10,
      committedTokensPerMin: 2000,
      peakRequestsPerMin: 3,
      peakTokensPerMin: 450,
      // Over the minutes from its first request (older than its record here: imported traffic) to the period's end.
      avgRequestsPerMin: Math.round((3 / 1430) * 100) / 100,
      avgTokensPerMin: Math.round((450 / 1430) * 100) / 100,
      avgOverMinutes: 1430,
    });
    // Added after this period ended: no minute of it to average over.
    expect(s.customers[2]).toMatchObject({ name: 'Idle Corp', requests: 0, committedRequestsPerMin: 5, peakRequestsPerMin: 0, avgRequestsPerMin: 0, avgOverMinutes: 0 });
    expect(s.corridors).toEqual([{ corridorId: grid.corridorId, name: 'EU', requests: 5, promptTokens: 400, completionTokens: 180, totalTokens: 580, estimated: 1, simulated: 1 }]);
    expect(s.models.map((m) => [m.model, m.totalTokens])).toEqual([
      ['llama-3.1-8b', 450],
      ['qwen2.5-7b', 130],
    ]);
    expect(s.days.map((d) => [d.day, d.requests])).toEqual([[iso(totalsDay).slice(0, 10), 5]]);

    const real = await call<Response<'usage.summary'>>(auditor, 'usage.summary', { ...period, includeSimulated: false });
    expect(real.totals).toMatchObject({ requests: 4, simulated: 0, totalTokens: 500 });
    expect(real.customers.find((c) => c.name === 'Globex')).toMatchObject({ requests: 1, totalTokens: 50 });
  });

  it('averages a customer over the minutes it existed in the period, up to now: not the days before it was added, not the rest of the month', async () => {
    const fresh = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'fresh', name: 'Fresh Co', tier: 'pilot', homeCorridorId: grid.corridorId })).customer.id;
    // Its record says it was added 30 minutes ago; it has sent 60 requests since.
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.customers SET created_at = now() - interval '30 minutes' WHERE id = $1`, [fresh]));
    for (let i = 0; i < 60; i++) await traffic(Date.now() - 20 * 60_000 + i * 1000, { customer: fresh, prompt: 10, completion: 10 });
    // A period of two days around now: a day before the customer existed, and a day not yet lived.
    const s = await call<Response<'usage.summary'>>(auditor, 'usage.summary', { from: iso(Date.now() - 24 * H), to: iso(Date.now() + 24 * H) });
    const row = s.customers.find((c) => c.customerId === fresh)!;
    expect(row.requests).toBe(60);
    // 30 minutes (31 if a minute turns over during the test), not the period's 2,880.
    expect(row.avgOverMinutes).toBeGreaterThanOrEqual(30);
    expect(row.avgOverMinutes).toBeLessThanOrEqual(31);
    expect(row.avgRequestsPerMin).toBe(Math.round((60 / row.avgOverMinutes) * 100) / 100);
    expect(row.avgTokensPerMin).toBe(Math.round((1200 / row.avgOverMinutes) * 100) / 100);
    // Today's traffic is what daily item 5 reads below: this test's is taken back out.
    await asOwner(db, org.orgId, async (c) => {
      await c.query('DELETE FROM mc.usage_events WHERE customer_id = $1', [fresh]);
      await c.query('DELETE FROM mc.api_requests WHERE customer_id = $1', [fresh]);
    });
  });

  it('counts the minutes to average over as the peak counts them (calendar minutes), so the average minute is never above the busiest one', async () => {
    const late = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'late', name: 'Late Co', tier: 'pilot', homeCorridorId: grid.corridorId })).customer.id;
    // Added 10 s before this minute began: 3 requests in that minute, 1 in this one. Under a minute
    // and a bit has elapsed (which rounded to 1 minute and averaged 4 beside a peak of 3), but the
    // customer has been there in 2 calendar minutes.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await asOwner(db, org.orgId, (c) => c.query('UPDATE mc.customers SET created_at = $2 WHERE id = $1', [late, iso(minute - 10_000)]));
    for (const at of [minute - 9000, minute - 8000, minute - 7000, minute]) await traffic(at, { customer: late, prompt: 10, completion: 10 });
    const s = await call<Response<'usage.summary'>>(auditor, 'usage.summary', { from: iso(today - 24 * H), to: iso(today + 24 * H) });
    const row = s.customers.find((c) => c.customerId === late)!;
    expect(row).toMatchObject({ requests: 4, peakRequestsPerMin: 3, peakTokensPerMin: 60 });
    // 2 minutes (3 if a minute turns over during the test).
    expect(row.avgOverMinutes).toBeGreaterThanOrEqual(2);
    expect(row.avgOverMinutes).toBeLessThanOrEqual(3);
    expect(row.avgRequestsPerMin).toBeLessThanOrEqual(row.peakRequestsPerMin);
    expect(row.avgTokensPerMin).toBeLessThanOrEqual(row.peakTokensPerMin);
    await asOwner(db, org.orgId, async (c) => {
      await c.query('DELETE FROM mc.usage_events WHERE customer_id = $1', [late]);
      await c.query('DELETE FROM mc.api_requests WHERE customer_id = $1', [late]);
    });
  });

  it('refuses a period that ends before it starts, is too long or lies in the future, saying which field', async () => {
    const backwards = await refused(auditor, 'usage.summary', { from: iso(totalsDay + H), to: iso(totalsDay) });
    expect(backwards).toMatchObject({ code: 'VALIDATION', fields: { from: expect.stringMatching(/start before it ends/) } });
    const long = await refused(auditor, 'usage.summary', { from: iso(today - 100 * 24 * H), to: iso(today) });
    expect(long).toMatchObject({ code: 'VALIDATION', fields: { to: expect.stringMatching(/at most 93 days/) } });
    const future = await refused(auditor, 'usage.summary', { from: iso(Date.now() + 24 * H), to: iso(Date.now() + 48 * H) });
    expect(future).toMatchObject({ code: 'VALIDATION', fields: { from: expect.stringMatching(/future/) } });
    expect(await refused(auditor, 'usage.summary', { from: 'yesterday' })).toMatchObject({ code: 'VALIDATION' });

    const before = await records();
    expect(await refused(operator, 'usage.reconcile', { from: iso(today - 8 * 24 * H), to: iso(today) })).toMatchObject({ code: 'VALIDATION', fields: { to: expect.stringMatching(/at most 7 days/) } });
    expect(await refused(operator, 'usage.reconcile', { from: iso(reconDay + H), to: iso(reconDay) })).toMatchObject({ code: 'VALIDATION' });
    // Auditors read and export; they do not write records.
    expect(await refused(auditor, 'usage.reconcile', { from: iso(reconDay), to: iso(reconDay + H) })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await records()).toEqual(before);
    expect(await refused(auditor, 'usage.reconciliation', { id: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('flags each kind of discrepancy in its hour with its likely cause, and passes clean data', async () => {
    const t = (h: number, m: number) => reconDay + h * H + m * 60_000;
    // Hour 0, clean: two requests on R1, metered, and R1's counters grew by exactly what was metered.
    await counter(rt.r1, t(0, 0), 1000, 5000);
    await traffic(t(0, 10), { runtime: rt.r1 });
    await counter(rt.r1, t(0, 30), 1100, 5200);
    await traffic(t(0, 40), { runtime: rt.r1 });
    await counter(rt.r1, t(1, 0), 1200, 5400);
    // Hour 1: served, never metered.
    const lost = await traffic(t(1, 20), { usage: false });
    // Hour 2: metered, no request log row.
    const orphan = await traffic(t(2, 15), { usage: 'only' });
    // Hour 3: the two records disagree (200 completion tokens logged, 150 metered).
    const differ = await traffic(t(3, 5), { usage: 150 });
    // Hour 4: R1 counted 5,000 generation tokens more than the one request metered on it.
    await counter(rt.r1, t(2, 0), 1200, 5400);
    await counter(rt.r1, t(3, 0), 1200, 5400);
    await traffic(t(4, 10), { runtime: rt.r1 });
    await counter(rt.r1, t(4, 30), 1300, 10600);
    // Hour 5: a stream cut before usage (estimated), and R3 restarting mid-hour with nothing lost.
    const cut = await traffic(t(5, 10), { estimated: true });
    await counter(rt.r3, t(5, 0), null, 1000);
    await traffic(t(5, 10), { runtime: rt.r3, prompt: 0, completion: 300 });
    await counter(rt.r3, t(5, 20), null, 1300);
    await traffic(t(5, 30), { runtime: rt.r3, prompt: 0, completion: 100 });
    await counter(rt.r3, t(5, 40), null, 100);
    await traffic(t(5, 50), { runtime: rt.r3, prompt: 0, completion: 200 });
    await counter(rt.r3, t(6, 0), null, 300);

    const clean = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', { from: iso(t(0, 0)), to: iso(t(1, 0)) });
    expect(clean.reconciliation).toMatchObject({ outcome: 'clean', unexplained: 0, explained: 0, windowsTotal: 1 });
    expect(clean.windows[0]).toMatchObject({ status: 'clean', servedRequests: 2, usageEvents: 2, matched: 2, logTokens: 600, meteredTokens: 600, counterTokens: 600, counterMeteredTokens: 600, findings: [] });

    const r = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', { from: iso(t(0, 0)), to: iso(t(6, 0)) });
    expect(r.reconciliation).toMatchObject({ outcome: 'discrepancy', windowsTotal: 6, windowsFlagged: 5, unexplained: 4, explained: 1 });
    const kinds = r.windows.map((w) => w.findings.map((f) => f.kind));
    expect(kinds).toEqual([[], ['request_without_usage'], ['usage_without_request'], ['token_mismatch'], ['runtime_above_metered'], ['estimated_usage']]);
    expect(r.windows.map((w) => w.status)).toEqual(['clean', 'discrepancy', 'discrepancy', 'discrepancy', 'discrepancy', 'explained']);
    expect(r.windows[1]!.findings[0]).toMatchObject({ requestIds: [lost], count: 1, tokens: 300, explained: false, cause: expect.stringMatching(/spool has not drained|gateway crashed/) });
    expect(r.windows[2]!.findings[0]).toMatchObject({ requestIds: [orphan], cause: expect.stringMatching(/request log row was lost/) });
    expect(r.windows[3]!.findings[0]).toMatchObject({ requestIds: [differ], tokens: 50 });
    expect(r.windows[4]!.findings[0]).toMatchObject({ runtimeId: rt.r1, runtimeName: 'fra vLLM', tokens: 5000, cause: expect.stringMatching(/bypassed the gateway|another client/) });
    expect(r.windows[5]!.findings[0]).toMatchObject({ requestIds: [cut], explained: true, cause: expect.stringMatching(/stream cut/) });
    // R3's restart: its counter went from 1,300 to 100, and the deltas still add up to what was metered.
    expect(r.windows[5]).toMatchObject({ counterTokens: 600, counterMeteredTokens: 600 });

    // Kept as a record, audited, listed, and read back exactly as computed.
    const list = await call<Response<'usage.reconciliations'>>(auditor, 'usage.reconciliations', {});
    expect(list.reconciliations.map((x) => x.id)).toEqual([r.reconciliation.id, clean.reconciliation.id]);
    const again = await call<Response<'usage.reconciliation'>>(auditor, 'usage.reconciliation', { id: r.reconciliation.id });
    expect(again).toEqual(r);
    expect(r.reconciliation.sha256).toMatch(/^[0-9a-f]{64}$/);
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 3 });
    expect(audit.events[0]).toMatchObject({ action: 'usage.reconciled', data: { outcome: 'discrepancy', unexplained: 4, sha256: r.reconciliation.sha256 } });
    // The app may not change or delete a record (no grant): it is evidence.
    await expect(operator.db.tx(operator.db.session!, (sql) => sql.query(`UPDATE mc.usage_reconciliations SET outcome = 'clean'`))).rejects.toThrow(/permission denied/);
    await expect(operator.db.tx(operator.db.session!, (sql) => sql.query('DELETE FROM mc.usage_reconciliations'))).rejects.toThrow(/permission denied/);
  });

  it('a counter reset that loses tokens is explained by the reset; one the probes did not see is not', async () => {
    const t = (h: number, m: number) => resetDay + h * H + m * 60_000;
    // Hour 0: R3 served 2,000 tokens, restarted after 1,000 of them were counted: its counter shows 1,000 less.
    await counter(rt.r3, t(0, 0), null, 50_000);
    await traffic(t(0, 10), { runtime: rt.r3, prompt: 0, completion: 1000 });
    await counter(rt.r3, t(0, 20), null, 51_000);
    await traffic(t(0, 30), { runtime: rt.r3, prompt: 0, completion: 2000 });
    await counter(rt.r3, t(0, 40), null, 1000);
    // Hour 1: 3,000 metered, but the counter only rose 500: a restart between two probes that climbed back past the old value, or a gap.
    await traffic(t(1, 10), { runtime: rt.r3, prompt: 0, completion: 3000 });
    await counter(rt.r3, t(1, 30), null, 1500);

    const r = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', { from: iso(t(0, 0)), to: iso(t(2, 0)) });
    expect(r.windows[0]!.findings).toEqual([expect.objectContaining({ kind: 'counter_reset', explained: true, runtimeId: rt.r3, tokens: -1000 })]);
    expect(r.windows[1]!.findings).toEqual([expect.objectContaining({ kind: 'runtime_below_metered', explained: false, tokens: -2500, cause: expect.stringMatching(/probe gap/) })]);
    expect(r.reconciliation).toMatchObject({ outcome: 'discrepancy', unexplained: 1, explained: 1 });
  });

  it('daily item 5 passes only on a clean record covering today, and links the record either way', async () => {
    const first = await item5();
    expect(first.live).toMatchObject({ ok: false, summary: expect.stringMatching(/No gateway traffic today yet/), record: { type: 'view', id: 'usage' } });

    const idle = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', {});
    expect(idle.reconciliation).toMatchObject({ outcome: 'no_traffic', from: iso(today) });
    expect((await item5()).live).toMatchObject({ ok: null, summary: expect.stringMatching(/no gateway traffic/), record: { type: 'usage_reconciliation', id: idle.reconciliation.id } });

    // Today: one request served and metered, one served and not metered (yet).
    const at = Math.max(today, Date.now() - 60_000);
    await traffic(at, { runtime: rt.r2 });
    const pending = await traffic(at, { runtime: rt.r2, usage: false });
    const bad = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', {});
    expect(bad.reconciliation).toMatchObject({ outcome: 'discrepancy', unexplained: 1 });
    const failing = await item5();
    expect(failing.live).toMatchObject({ ok: false, summary: expect.stringMatching(/1 unexplained discrepancy/), record: { type: 'usage_reconciliation', id: bad.reconciliation.id } });
    const tick = { itemId: failing.id, status: 'done', expectedVersion: failing.version };
    expect(await refused(operator, 'checklists.setItem', tick)).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/live check says: Today’s reconciliation found 1 unexplained/) });

    // The spool drains: the usage event arrives; a new reconciliation is clean and the item passes with it as its evidence.
    await asOwner(db, org.orgId, (c) =>
      c.query(
        `INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, runtime_id, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, $4, 'llama-3.1-8b', $5, 100, 200)`,
        [org.orgId, pending, iso(at), customer.acme, rt.r2],
      ),
    );
    const good = await call<Response<'usage.reconcile'>>(operator, 'usage.reconcile', {});
    expect(good.reconciliation).toMatchObject({ outcome: 'clean', totals: { servedRequests: 2, usageEvents: 2 } });
    const passing = await item5();
    expect(passing.live).toMatchObject({ ok: true, summary: expect.stringMatching(/2 served requests today, each with one usage event/), record: { type: 'usage_reconciliation', id: good.reconciliation.id } });
    const done = await call<Response<'checklists.setItem'>>(operator, 'checklists.setItem', { itemId: passing.id, status: 'done', expectedVersion: passing.version });
    expect(done.item).toMatchObject({ status: 'done', recordedAnswer: { ok: true, record: { type: 'usage_reconciliation', id: good.reconciliation.id } } });
  });
});
