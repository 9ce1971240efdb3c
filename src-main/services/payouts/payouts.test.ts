/**
 * Payout estimates through the contract on a real Postgres: an owner with two sites and another
 * with none, figures from seeded telemetry rollups and usage events, the period's edges, simulated
 * traffic apart, rate card versions that never rewrite an estimate, and every refusal with
 * nothing stored changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayoutEstimate, RateCard, SiteEstimate } from '../../../src-shared/contract/payouts';
import { payoutsCsv } from '../../../src-shared/domain/payouts-export';
import type { Sql } from '../../db';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedRollup, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Estimate = { estimate: PayoutEstimate };

const MIN = 60_000;
/** The range under test: one hour, five days into last month (well inside rollup retention). */
const now = new Date();
const T0 = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 6, 10, 0));
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
const RANGE = { kind: 'range', from: T0.toISOString(), to: at(60).toISOString() } as const;
const MONTH = { kind: 'month', month: T0.toISOString().slice(0, 7) } as const;
const POWER_W = 4;
const TOKENS_PER_S = 6;

describe.skipIf(!ok)('payout estimates end to end', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let parNode: string;
  let policyId: string;
  let admin: Core;
  let operator: Core;
  let auditor: Core;

  const stored = () =>
    asOwner(db, null, async (c) => ({
      cards: (await c.query(`SELECT to_jsonb(x) AS row FROM mc.payout_rate_cards x WHERE org_id = $1 ORDER BY version`, [org.orgId])).rows,
      audit: (await c.query(`SELECT count(*)::int AS n FROM mc.audit_events WHERE org_id = $1`, [org.orgId])).rows[0].n,
    }));
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored();
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }
  const estimate = async (core: Core, payload: Record<string, unknown>) => (await call<Estimate>(core, 'payouts.estimate', payload)).estimate;
  const siteOf = (e: PayoutEstimate, key: string): SiteEstimate => e.owners.flatMap((o) => o.sites).find((s) => s.siteKey === key)!;
  const card = {
    currency: 'EUR',
    gpuHourRates: [{ gpuClass: 'H100 80GB', rate: 2.5 }],
    defaultGpuHourRate: 1.2,
    perMillionTokens: 10,
    energyPerKwh: 0.3,
    creditPctPerPoint: 5,
    maxCreditPct: 20,
    note: 'Pilot rates agreed with site owners.',
  };

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'payouts');
    grid = await seedGrid(db, org);
    await asOwner(db, org.orgId, async (c) => {
      await c.query('UPDATE mc.nodes SET created_at = $2 WHERE id = $1', [grid.nodeId, new Date(T0.getTime() - 86_400_000).toISOString()]);
      // Equinix's second site, whose node joined half-way through the hour.
      const par = (await c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'par-01', 'PAR-01', 'colocation', 'FR', 48.9, 2.35, 'Equinix') RETURNING id`, [org.orgId, grid.corridorId])).rows[0].id;
      const group = (await c.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'a', 'A') RETURNING id`, [org.orgId, par])).rows[0].id;
      parNode = (
        await c.query(
          `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle, created_at) VALUES ($1, $2, $3, 'par-01-gpu01', 'tgi', 'L40S', 2, 96, 5000, 'active', $4) RETURNING id`,
          [org.orgId, par, group, at(30).toISOString()],
        )
      ).rows[0].id;
      // Another owner's site with no node at all: no figures, said so.
      await c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'ams-01', 'AMS-01', 'telecom_edge', 'NL', 52.3, 4.9, 'Nordic Power')`, [org.orgId, grid.corridorId]);
      policyId = (await c.query(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'ent', 'Enterprise', 99.9, 2000, 15, 'same_corridor') RETURNING id`, [org.orgId])).rows[0].id;
      const customer = (await c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, sla_policy_id) VALUES ($1, 'acme', 'Acme', 'enterprise', $2, $3) RETURNING id`, [org.orgId, grid.corridorId, policyId])).rows[0].id;
      // Usage events as the gateway writes them: inside the hour, just before it, at its (excluded) end, simulated, and one naming no node.
      const events: [string, string, string | null, number, number, boolean][] = [
        ['req_in_fra_0001', T0.toISOString(), grid.nodeId, 1000, 2000, false],
        ['req_in_par_0001', at(40).toISOString(), parNode, 500, 500, false],
        ['req_sim_fra_001', at(20).toISOString(), grid.nodeId, 10_000, 0, true],
        ['req_before_0001', new Date(T0.getTime() - 1000).toISOString(), grid.nodeId, 99_999, 1, false],
        ['req_at_end_0001', at(60).toISOString(), grid.nodeId, 77_777, 1, false],
        ['req_no_node_001', at(5).toISOString(), null, 7, 3, false],
      ];
      for (const [id, ts, node, p, comp, sim] of events) {
        await c.query(
          `INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, node_id, prompt_tokens, completion_tokens, simulated) VALUES ($1, $2, $3, $4, 'm', $5, $6, $7, $8)`,
          [org.orgId, id, ts, customer, node, p, comp, sim],
        );
      }
    });
    // FRA-01: 59 of 60 minutes reporting, serving tokens in the first 30, drawing 600 W throughout.
    for (let m = 0; m < 59; m++) {
      await seedRollup(db, org, grid.nodeId, TOKENS_PER_S, at(m), m < 30 ? 100 : 0);
      await seedRollup(db, org, grid.nodeId, POWER_W, at(m), 600);
    }
    // Just outside the hour on both sides: never counted.
    for (const m of [-1, 60]) {
      await seedRollup(db, org, grid.nodeId, TOKENS_PER_S, at(m), 100);
      await seedRollup(db, org, grid.nodeId, POWER_W, at(m), 600);
    }
    // PAR-01: every minute since it joined, serving, no power readings.
    for (let m = 30; m < 60; m++) await seedRollup(db, org, parNode, TOKENS_PER_S, at(m), 50);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
  }, 120_000);

  afterAll(async () => {
    for (const core of [admin, operator, auditor]) await core?.cleanup();
    await db?.drop();
  });

  it('shows the figures with no amounts before any rate card exists', async () => {
    const e = await estimate(operator, { period: RANGE });
    expect(e.estimate).toBe(true);
    expect(e.rateCard).toBeNull();
    expect(e.owners.map((o) => o.ownerName)).toEqual(['Equinix', 'Nordic Power']);
    const fra = siteOf(e, 'fra-01');
    expect(fra.gpuHours.value).toBe(4); // 8 GPUs × 30 serving minutes
    expect(fra.amounts.total).toBeNull();
    expect(e.notes[0]).toMatch(/No rate card yet/);
    expect(fra.notes).toEqual(['1 simulated usage event (10000 tokens) left out of the estimate.']);
  });

  it('refuses a rate card from anyone but an admin, and bad rates, with nothing stored changed', async () => {
    const good = { ...card, slaPolicyId: policyId };
    expect((await refusedUnchanged(operator, 'payouts.saveRateCard', good)).code).toBe('FORBIDDEN');
    expect((await refusedUnchanged(auditor, 'payouts.saveRateCard', good)).code).toBe('FORBIDDEN');
    expect((await refusedUnchanged(admin, 'payouts.saveRateCard', { ...good, perMillionTokens: -1 })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'payouts.saveRateCard', { ...good, energyPerKwh: 0.12345 })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'payouts.saveRateCard', { ...good, currency: 'euro' })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'payouts.saveRateCard', { ...good, maxCreditPct: 2 })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'payouts.saveRateCard', { ...good, slaPolicyId: '00000000-0000-4000-8000-000000000000' })).code).toBe('NOT_FOUND');
    expect((await stored()).cards).toEqual([]);
  });

  it('refuses a non-admin’s insert in the database itself, and any update of a saved version', async () => {
    const pool = await appPool(db);
    try {
      const insert = (sql: Sql) =>
        sql.query(
          `INSERT INTO mc.payout_rate_cards (org_id, version, currency, default_gpu_hour_rate, per_million_tokens, energy_per_kwh, sla_policy_id, uptime_target_pct, credit_pct_per_point, max_credit_pct)
           VALUES (mc.current_org_id(), 50, 'EUR', 1, 1, 1, $1, 99, 1, 1)`,
          [policyId],
        );
      await expect(asApp(pool, org.operator, insert)).rejects.toThrow(/row-level security/);
      await expect(asApp(pool, org.admin, (sql) => sql.query(`UPDATE mc.payout_rate_cards SET per_million_tokens = 0`))).rejects.toThrow(/permission denied/);
    } finally {
      await pool.end();
    }
    expect((await stored()).cards).toEqual([]);
  });

  it('saves version 1 with the policy’s target copied in, audited', async () => {
    const { rateCard } = await call<{ rateCard: RateCard }>(admin, 'payouts.saveRateCard', { ...card, slaPolicyId: policyId, reason: 'first payout month' });
    expect(rateCard).toMatchObject({ version: 1, currency: 'EUR', uptimeTargetPct: 99.9, slaPolicyName: 'Enterprise', createdBy: org.admin.name, perMillionTokens: 10 });
    const events = await asOwner(db, org.orgId, async (c) => (await c.query(`SELECT action, target_id, data FROM mc.audit_events WHERE org_id = $1 AND action LIKE 'payouts.%'`, [org.orgId])).rows);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'payouts.rate_card_saved', target_id: '1' });
    expect(events[0].data.card.gpuHourRates).toEqual([{ gpuClass: 'H100 80GB', rate: 2.5 }]);
    // The audit log names the version and links to the Payouts view.
    const audit = await call<{ events: { action: string; reason: string | null; subject: { label: string | null; link: { view: string } | null } }[] }>(auditor, 'audit.list', {
      filter: { action: 'payouts' },
    });
    expect(audit.events[0]).toMatchObject({ action: 'payouts.rate_card_saved', reason: 'first payout month', subject: { label: 'Rate card v1', link: { view: 'payouts' } } });
    const list = await call<{ versions: RateCard[]; gpuClasses: string[]; slaPolicies: { id: string }[] }>(auditor, 'payouts.rateCards', {});
    expect(list.versions.map((v) => v.version)).toEqual([1]);
    expect(list.gpuClasses).toEqual(['H100 80GB', 'L40S']);
    expect(list.slaPolicies.map((p) => p.id)).toEqual([policyId]);
  });

  it('computes each site’s figures from the records inside the period only', async () => {
    const e = await estimate(auditor, { period: RANGE });
    const fra = siteOf(e, 'fra-01');
    expect(fra.gpuHours.value).toBe(4);
    expect(fra.tokens).toMatchObject({ value: 3000, events: 1 });
    expect(fra.simulatedTokens).toMatchObject({ value: 10_000, events: 1 });
    expect(fra.energyKwh.value).toBeCloseTo(0.59, 9); // 59 minutes × 600 W
    expect(fra.availability).toMatchObject({ upMinutes: 59, expectedMinutes: 60, targetPct: 99.9 });
    expect(fra.availability.value).toBeCloseTo(98.3333, 4);
    const par = siteOf(e, 'par-01');
    expect(par.gpuHours.value).toBe(1); // 2 GPUs × 30 minutes
    expect(par.tokens.value).toBe(1000);
    expect(par.energyKwh.value).toBeNull();
    expect(par.energyKwh.basis).toMatch(/No power readings/);
    expect(par.availability).toMatchObject({ value: 100, upMinutes: 30, expectedMinutes: 30 });
    const ams = siteOf(e, 'ams-01');
    expect(ams).toMatchObject({ nodes: 0, gpuHours: { value: null }, tokens: { value: null }, availability: { value: null } });
    expect(e.notes.join(' ')).toMatch(/1 usage events \(10 tokens\) name no node/);
  });

  it('prices the figures with the card: GPU class rates, tokens, energy, the availability credit', async () => {
    const e = await estimate(operator, { period: RANGE });
    expect(e.rateCard?.version).toBe(1);
    // FRA: 4 h × 2.50 = 10.00; 3,000 tokens × 10/M = 0.03; 0.59 kWh × 0.30 = 0.177 → 0.18;
    // 98.33 % is 1.57 points under 99.9 → two points → 10 % of (10.00 + 0.03) = 1.00.
    expect(siteOf(e, 'fra-01').amounts).toEqual({ gpu: 1000, tokens: 3, energy: 18, creditPct: 10, credit: 100, total: 921 });
    // PAR: 1 h of L40S at the default 1.20; 1,000 tokens → 0.01; no energy figure, no credit.
    expect(siteOf(e, 'par-01').amounts).toEqual({ gpu: 120, tokens: 1, energy: null, creditPct: 0, credit: 0, total: 121 });
    const equinix = e.owners.find((o) => o.ownerName === 'Equinix')!;
    expect(equinix.totalCents).toBe(1042);
    expect(equinix.complete).toBe(false); // PAR has no energy figure
    expect(e.owners.find((o) => o.ownerName === 'Nordic Power')!.totalCents).toBeNull();
  });

  it('leaves simulated traffic out unless asked', async () => {
    const e = await estimate(operator, { period: RANGE, includeSimulated: true });
    expect(e.includeSimulated).toBe(true);
    expect(siteOf(e, 'fra-01').tokens.value).toBe(13_000);
    expect(siteOf(e, 'fra-01').amounts.tokens).toBe(13);
  });

  it('takes a calendar month: every record of the month counts', async () => {
    const e = await estimate(operator, { period: MONTH });
    expect(e.period.from.slice(0, 7)).toBe(MONTH.month);
    const fra = siteOf(e, 'fra-01');
    expect(fra.tokens.value).toBe(3000 + 100_000 + 77_778);
    expect(fra.gpuHours.value).toBe(4.2667); // 8 GPUs × 32 minutes ÷ 60, shown to four decimals
  });

  it('never rewrites an estimate: version 1 still prices the same after version 2', async () => {
    const before = await estimate(operator, { period: RANGE, rateCardVersion: 1 });
    await call(admin, 'payouts.saveRateCard', { ...card, slaPolicyId: policyId, perMillionTokens: 20, gpuHourRates: [] });
    const newest = await estimate(operator, { period: RANGE });
    expect(newest.rateCard?.version).toBe(2);
    expect(siteOf(newest, 'fra-01').amounts.gpu).toBe(480); // 4 h at the default 1.20 now
    const again = await estimate(operator, { period: RANGE, rateCardVersion: 1 });
    expect(again.owners).toEqual(before.owners);
    expect(again.rateCard).toEqual(before.rateCard);
  });

  it('exports one CSV row per owner × site naming the card version', async () => {
    const e = await estimate(operator, { period: RANGE, rateCardVersion: 1 });
    const lines = payoutsCsv(e).trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 3);
    expect(lines.find((l) => l.includes(',fra-01,'))).toMatch(/,9\.21,1,estimate,/);
  });

  it('refuses a bad period or an unknown version', async () => {
    expect((await refused(operator, 'payouts.estimate', { period: { kind: 'range', from: at(60).toISOString(), to: T0.toISOString() } })).code).toBe('VALIDATION');
    expect((await refused(operator, 'payouts.estimate', { period: { kind: 'range', from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' } })).code).toBe('VALIDATION');
    expect((await refused(operator, 'payouts.estimate', { period: { kind: 'month', month: '2026-13' } })).code).toBe('VALIDATION');
    expect((await refused(operator, 'payouts.estimate', { period: RANGE, rateCardVersion: 99 })).code).toBe('NOT_FOUND');
  });
});
