import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedKey, seedRollup, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { computeMinutes } from './figures';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

/** The last complete minute, and the four before it: what the "now" figures cover. */
const NOW = new Date();
const minute = (back: number) => new Date(Math.floor(NOW.getTime() / 60_000) * 60_000 - back * 60_000);

describe.skipIf(!ok)('observability scores and figures', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  const nodes: Record<string, string> = {};

  /** What an energy-target change writes: the org's settings row and its audit chain, as stored. */
  const stored = () =>
    asOwner(db, null, async (c) => ({
      settings: (await c.query('SELECT * FROM mc.org_ops_settings WHERE org_id = $1', [org.orgId])).rows,
      audit: (await c.query('SELECT seq, action, hash FROM mc.audit_events WHERE org_id = $1 ORDER BY seq', [org.orgId])).rows,
    }));

  /** A call that must be refused: its error, after checking that the stored target and audit chain did not move. */
  async function refusedUnchanged(core: Core, payload: unknown) {
    const before = await stored();
    const target = (await call<Response<'observability.overview'>>(operator, 'observability.overview', {})).energyTargetWhPer1k;
    const err = await refused(core, 'observability.setEnergyTarget', payload);
    expect(await stored()).toEqual(before);
    expect((await call<Response<'observability.overview'>>(operator, 'observability.overview', {})).energyTargetWhPer1k).toBe(target);
    return err;
  }

  async function node(hostname: string, capacity: number, latest: { seenMinutesAgo: number; p95: number; queue: number } | null) {
    const id = randomUUID();
    await asOwner(db, org.orgId, async (c) => {
      await c.query(
        `INSERT INTO mc.nodes (id, org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
         VALUES ($1, $2, $3, $4, $5, 'vllm', 'H100', 8, 640, $6, 'active')`,
        [id, org.orgId, grid.siteId, grid.groupId, hostname, capacity],
      );
      if (latest) {
        await c.query(
          `INSERT INTO mc.node_latest (node_id, org_id, seen_at, p95_latency_ms, error_rate, gpu_temp_c, queue_depth) VALUES ($1, $2, now() - make_interval(mins => $3), $4, 0.001, 60, $5)`,
          [id, org.orgId, latest.seenMinutesAgo, latest.p95, latest.queue],
        );
      }
    });
    nodes[hostname] = id;
    return id;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'obs');
    grid = await seedGrid(db, org, 'fra-00-idle');
    // seedGrid's own node stays registered-only: take it out of the running set.
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.nodes SET lifecycle = 'offline' WHERE id = $1`, [grid.nodeId]));
    await node('healthy', 1000, { seenMinutesAgo: 0, p95: 200, queue: 10 });
    await node('warning', 2000, { seenMinutesAgo: 0, p95: 700, queue: 10 });
    await node('critical', 4000, { seenMinutesAgo: 0, p95: 1500, queue: 10 });
    await node('silent', 8000, { seenMinutesAgo: 10, p95: 200, queue: 10 });
    // Keys: healthy has a stale one (60 days unused), warning a fresh one, silent a fresh one and a
    // revoked one still presented; critical has none.
    await seedKey(db, org, nodes.healthy!, { createdAt: new Date(Date.now() - 60 * 86_400_000).toISOString() });
    await seedKey(db, org, nodes.warning!, { lastUsedAt: new Date().toISOString() });
    await seedKey(db, org, nodes.silent!, { lastUsedAt: new Date().toISOString() });
    const revoked = await seedKey(db, org, nodes.silent!, { revokedAt: new Date(Date.now() - 86_400_000).toISOString() });
    await asOwner(db, org.orgId, (c) => c.query(`INSERT INTO mc.ingest_rejections (org_id, key_id, reason, source) VALUES ($1, $2, 'key_revoked', '10.0.0.9')`, [org.orgId, revoked.id]));
    // Five minutes of figures from two nodes: latency, tokens and energy.
    for (let back = 1; back <= 5; back++) {
      await seedRollup(db, org, nodes.healthy!, 7, minute(back), 200);
      await seedRollup(db, org, nodes.warning!, 7, minute(back), 700);
      await seedRollup(db, org, nodes.healthy!, 6, minute(back), 1000); // tok/s: 60,000 tokens a minute
      await seedRollup(db, org, nodes.healthy!, 5, minute(back), 2.5); // Wh per sample, 4 samples: 10 Wh a minute
    }
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await operator?.cleanup();
    await db?.drop();
  });

  it('computes each score from its stated formula, per corridor and overall', async () => {
    const o = await call<Response<'observability.overview'>>(operator, 'observability.overview', {});
    expect(o.corridors.map((c) => c.name)).toEqual(['EU']);
    const eu = o.corridors[0]!;
    expect(eu.nodes).toEqual({ running: 4, byHealth: { healthy: 1, warning: 1, critical: 1, stale: 1, unknown: 0 } });
    expect(eu.scores.health).toEqual({ value: 37.5, explain: '(1 healthy + ½ × 1 warning) ÷ 4 running nodes' });
    expect(eu.scores.routing).toEqual({ value: 20, explain: '3,000 routable tok/s ÷ 15,000 running tok/s' });
    // 10 Wh for 60,000 tokens a minute = 0.1667 Wh per 1,000 tokens against the 0.1 target.
    expect(eu.whPer1kTokens).toBeCloseTo(10 / 60, 6);
    expect(eu.scores.energy.value).toBe(60);
    // keyed 3/4, in use 2/3 (healthy's key is stale), clean 3/4 (silent presented a revoked key).
    expect(eu.scores.security.value).toBe(Math.round(((3 / 4 + 2 / 3 + 3 / 4) / 3) * 1000) / 10);
    expect(eu.latency).toEqual({ p50: 450, p95: 675, p99: 695 });
    expect(o.overall.scores.health.value).toBe(37.5);
    expect(o.overall.name).toBe('Whole grid');
  });

  it('drills down to the nodes behind each score, with the reason in words', async () => {
    const health = await call<Response<'observability.drilldown'>>(operator, 'observability.drilldown', { score: 'health', corridorId: grid.corridorId });
    expect(health.rows.map((r) => r.hostname)).toEqual(['critical', 'silent', 'warning']);
    expect(health.rows[0]!.finding).toMatch(/^Critical: P95 1,500 ms/);
    const routing = await call<Response<'observability.drilldown'>>(operator, 'observability.drilldown', { score: 'routing' });
    expect(routing.rows.map((r) => [r.hostname, r.finding])).toEqual([
      ['silent', 'No recent telemetry: 8,000 tok/s out of routing'],
      ['critical', 'Critical: 4,000 tok/s out of routing'],
    ]);
    const security = await call<Response<'observability.drilldown'>>(operator, 'observability.drilldown', { score: 'security' });
    expect(security.rows.map((r) => [r.hostname, r.finding])).toEqual([
      ['critical', 'no valid key'],
      ['healthy', '1 key unused for 30 days'],
      ['silent', 'presented a revoked, expired or rotated-out key in 24 h'],
    ]);
    const energy = await call<Response<'observability.drilldown'>>(operator, 'observability.drilldown', { score: 'energy' });
    expect(energy.rows.map((r) => r.hostname)).toEqual(['healthy']);
  });

  it('charts per-minute figures once computed, and five-minute points for a day', async () => {
    const withFigures = (s: Response<'observability.series'>) => s.points.filter((p) => p.nodesReporting > 0);
    const empty = await call<Response<'observability.series'>>(operator, 'observability.series', { window: '1h' });
    // Sixty points a minute apart, every one a gap until figures are computed.
    expect(empty.points).toHaveLength(60);
    expect(withFigures(empty)).toEqual([]);
    expect(empty.points.every((p) => p.latencyP50 === null && p.tokensPerS === null)).toBe(true);
    const session = admin.db.session!;
    await admin.db.tx(session, (sql) => computeMinutes(sql, NOW, 10));
    const hour = await call<Response<'observability.series'>>(operator, 'observability.series', { window: '1h' });
    expect(hour.stepSeconds).toBe(60);
    expect(withFigures(hour)).toHaveLength(5);
    // Found by its time, not as the last point: the clock may have entered a new minute since NOW.
    expect(hour.points.find((p) => p.t === minute(1).toISOString())).toMatchObject({ nodesReporting: 2, latencyP50: 450, tokensPerS: 1000 });
    const eu = await call<Response<'observability.series'>>(operator, 'observability.series', { window: '24h', corridorId: grid.corridorId });
    expect(eu.stepSeconds).toBe(300);
    expect(eu.points).toHaveLength(288);
    expect(withFigures(eu).length).toBeGreaterThanOrEqual(1);
    expect(withFigures(eu).length).toBeLessThanOrEqual(2);
    expect(withFigures(eu)[0]!.whPer1kTokens).toBeCloseTo(10 / 60, 6);
    // Recomputing is idempotent.
    await admin.db.tx(session, (sql) => computeMinutes(sql, NOW, 10));
    expect(withFigures(await call<Response<'observability.series'>>(operator, 'observability.series', { window: '1h' }))).toHaveLength(5);
  });

  it('lets only an admin move the energy target, with a reason', async () => {
    expect((await refusedUnchanged(operator, { whPer1k: 0.2, reason: 'new hardware' })).code).toBe('FORBIDDEN');
    expect(await refusedUnchanged(admin, { whPer1k: -1, reason: 'oops' })).toMatchObject({ code: 'VALIDATION', fields: { whPer1k: 'A positive number.' } });
    await call(admin, 'observability.setEnergyTarget', { whPer1k: 0.2, reason: 'new hardware' });
    const o = await call<Response<'observability.overview'>>(operator, 'observability.overview', {});
    expect(o.energyTargetWhPer1k).toBe(0.2);
    expect(o.corridors[0]!.scores.energy.value).toBe(100);
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 });
    expect(audit.events[0]).toMatchObject({ action: 'observability.energy_target_set', reason: 'new hardware', data: { whPer1k: 0.2 } });
  });

  it('refuses a zero, too large or non-numeric target and a missing reason, keeping the target already set', async () => {
    expect((await stored()).settings[0]).toMatchObject({ energy_target_wh_per_1k: 0.2 });
    expect(await refusedUnchanged(admin, { whPer1k: 0, reason: 'free energy' })).toMatchObject({ code: 'VALIDATION', fields: { whPer1k: 'A positive number.' } });
    expect(await refusedUnchanged(admin, { whPer1k: 1001, reason: 'typo' })).toMatchObject({ code: 'VALIDATION', fields: { whPer1k: expect.any(String) } });
    expect(await refusedUnchanged(admin, { whPer1k: '0.3', reason: 'a string' })).toMatchObject({ code: 'VALIDATION', fields: { whPer1k: expect.any(String) } });
    expect(await refusedUnchanged(admin, { whPer1k: Number.NaN, reason: 'not a number' })).toMatchObject({ code: 'VALIDATION', fields: { whPer1k: expect.any(String) } });
    expect(await refusedUnchanged(admin, { whPer1k: 0.3 })).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    expect(await refusedUnchanged(admin, { whPer1k: 0.3, reason: ' ok ' })).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Say why.' } });
    expect(await refusedUnchanged(admin, { whPer1k: 0.3, reason: 'new racks', unit: 'kWh' })).toMatchObject({ code: 'VALIDATION', fields: { unit: 'Unknown field.' } });
  });

  it('puts the operator’s day on one screen', async () => {
    const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'EU latency', severity: 'high' })).incident;
    await call(operator, 'incidents.create', { title: 'Low thing', severity: 'low' });
    await call(operator, 'checklists.start', { templateKey: 'daily' });
    const s = await call<Response<'operator.summary'>>(operator, 'operator.summary', {});
    expect(s.incidents.map((x) => x.id)).toEqual([i.id]);
    expect(s.corridors).toEqual([
      {
        corridorId: grid.corridorId,
        name: 'EU',
        score: 37.5,
        health: 'critical',
        basis: 'computed',
        declared: 'operational',
        label: 'Critical',
        explain: expect.stringContaining('of 4 running nodes critical or silent'),
        running: 4,
        critical: 1,
        readiness: 'preparing',
      },
    ]);
    expect(s.checklist?.progress.total).toBe(6);
    expect(s.audit[0]?.action).toBe('checklists.run_started');
    expect(s.firing).toEqual([]);
    expect(s.evaluation.stale).toBe(true);
  });

  it('lets a corridor’s declared state decide its health on /operator, with the computed state beside it', async () => {
    // Every corridor has its /status component (created with the corridor).
    const component = (await call<Response<'status.list'>>(operator, 'status.list', {})).components.find((c) => c.kind === 'corridor')!;
    await call(operator, 'status.setState', { componentId: component.id, state: 'major_outage', reason: 'fibre cut at the Frankfurt site' });
    const [eu] = (await call<Response<'operator.summary'>>(operator, 'operator.summary', {})).corridors;
    expect(eu).toMatchObject({ health: 'critical', basis: 'declared', declared: 'major_outage', label: 'Major outage (declared)', score: 37.5 });
    expect(eu!.explain).toContain('computed: critical');
  });
});
