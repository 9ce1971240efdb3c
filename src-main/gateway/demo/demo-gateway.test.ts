import type { Response } from '../../../src-shared/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../core/app-core';
import { silentLogger } from '../../core/log';
import { tempDataDir } from '../../testing/harness';
import { testVault } from '../../testing/keychain';
import { needKeychain } from '../../testing/keychain-gate';
import { DEMO_GATEWAY_ACTOR } from './demo-gateway';
import { DEMO_CUSTOMER_KEY } from './provision';

const ok = await needKeychain();

type Core = ReturnType<typeof createAppCore>;

async function figures(core: Core) {
  return core.db.tx(core.db.session!, async (sql) => ({
    runtimes: await sql.query<{ id: string; name: string; enabled: boolean; health: string }>(`SELECT id, name, enabled, health FROM mc.runtimes WHERE name LIKE 'Demo %(simulated)' ORDER BY name, created_at`),
    customers: await sql.query<{ key: string; name: string; home: string }>(
      `SELECT c.key, c.name, h.key AS home FROM mc.customers c JOIN mc.corridors h ON h.id = c.home_corridor_id WHERE c.key LIKE $1 || '%' ORDER BY c.key`,
      [DEMO_CUSTOMER_KEY],
    ),
    keys: await sql.query<{ id: string; customer: string; revoked: boolean }>(
      `SELECT k.id, c.key AS customer, k.revoked_at IS NOT NULL AS revoked FROM mc.customer_keys k JOIN mc.customers c ON c.id = k.customer_id WHERE c.key LIKE $1 || '%' ORDER BY k.created_at`,
      [DEMO_CUSTOMER_KEY],
    ),
    requests: await sql.one<{ served: number; simulated: number; all: number; refusals: Record<string, number> | null }>(
      `SELECT count(*) FILTER (WHERE a.outcome = 'served')::int AS served, count(*) FILTER (WHERE a.simulated)::int AS simulated, count(*)::int AS all,
              (SELECT jsonb_object_agg(o, n) FROM (SELECT b.outcome AS o, count(*) AS n FROM mc.api_requests b JOIN mc.customers d ON d.id = b.customer_id
                                                    WHERE d.key LIKE $1 || '%' AND b.outcome <> 'served' GROUP BY 1) x) AS refusals
         FROM mc.api_requests a JOIN mc.customers c ON c.id = a.customer_id WHERE c.key LIKE $1 || '%'`,
      [DEMO_CUSTOMER_KEY],
    ),
    usage: await sql.one<{ n: number; simulated: number; tokens: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE u.simulated)::int AS simulated, coalesce(sum(u.completion_tokens), 0)::int AS tokens
         FROM mc.usage_events u JOIN mc.customers c ON c.id = u.customer_id WHERE c.key LIKE $1 || '%'`,
      [DEMO_CUSTOMER_KEY],
    ),
    decisions: (await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM mc.routing_decisions WHERE source = 'gateway'`)).n,
  }));
}

describe.skipIf(!ok)('the demo gateway', () => {
  const data = tempDataDir('mc-demo-gw-');
  afterAll(() => data.remove());
  const start = async (urls: string[]) => {
    const core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), opsJob: false, anchorJob: false, demoGateway: { trafficEveryMs: 150, onStarted: (u) => urls.push(u) } });
    await core.start();
    await expect.poll(() => core.demoGateway?.url ?? null, { timeout: 90_000, interval: 250 }).not.toBeNull();
    return core;
  };

  it('serves simulated runtimes and keyed demo traffic on first start: routed, metered once, marked simulated', async () => {
    const urls: string[] = [];
    const core = await start(urls);
    try {
      expect(urls).toEqual([core.demoGateway!.url]);
      expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await expect.poll(() => core.demoGateway!.traffic?.answered ?? 0, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(8);
      // What was answered reaches the database through the spool.
      await expect.poll(async () => (await figures(core)).usage.n, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(8);
      const f = await figures(core);
      expect(f.runtimes.map((r) => r.name)).toEqual([
        expect.stringMatching(/^Demo Ollama on .+ \(simulated\)$/),
        expect.stringMatching(/^Demo vLLM on .+ \(simulated\)$/),
        expect.stringMatching(/^Demo vLLM on .+ \(simulated\)$/),
        expect.stringMatching(/^Demo vLLM on .+ \(simulated\)$/),
      ]);
      // A demo customer homed in each corridor with a demo runtime, each with one key.
      expect(f.customers.map((c) => [c.key, c.home])).toEqual([
        ['demo-traffic', 'eu'],
        ['demo-traffic-apac', 'apac'],
        ['demo-traffic-north-america', 'north-america'],
      ]);
      expect(f.customers.every((c) => c.name.endsWith('(simulated)'))).toBe(true);
      expect(f.keys.map((k) => k.customer).sort()).toEqual(f.customers.map((c) => c.key));
      // Demo traffic is what the demo customers may be served: each request comes from its
      // runtime's corridor, for that corridor's customer, inside its SLA, so routing refuses none.
      // (A simulated node incident, latency ×3–4, would rightly refuse some; the demo agent's
      // seeded simulation has none on these nodes in its first minutes.)
      expect(f.requests.refusals).toBeNull();
      expect(f.requests.served).toBe(f.requests.all);
      // Every record is simulated; every served request has its usage event and its decision.
      expect(f.requests.simulated).toBe(f.requests.all);
      expect(f.usage.simulated).toBe(f.usage.n);
      expect(f.usage.tokens).toBeGreaterThan(0);
      expect(f.decisions).toBeGreaterThanOrEqual(f.requests.served);
      // What it set up (customers, keys, runtimes) is audited as the app, not as the signed-in admin.
      const actors = await core.db.tx(core.db.session!, (sql) =>
        sql.query<{ actor_id: string | null; actor_name: string; n: number }>(
          `SELECT actor_id, actor_name, count(*)::int AS n FROM mc.audit_events WHERE reason = 'demo gateway for the embedded demo org' GROUP BY 1, 2`,
        ),
      );
      expect(actors).toEqual([{ actor_id: null, actor_name: DEMO_GATEWAY_ACTOR.name, n: expect.any(Number) }]);
      // Its keys name the app as their maker in Keys → Customer API keys, as the audit log does.
      const listed = await core.router.invoke('customerKeys.list', { staleDays: 30 }, { readOnly: false, via: 'direct' });
      if (!listed.ok) throw new Error(listed.error.message);
      const demoKeys = (listed.data as Response<'customerKeys.list'>).keys.filter((k) => k.customerName.startsWith('Demo traffic'));
      expect(demoKeys.map((k) => k.createdBy)).toEqual(f.keys.map(() => `${DEMO_GATEWAY_ACTOR.name} (simulated)`));
      // The Observability view's gateway panel: this gateway asked live (its login by name only),
      // and its requests counted from the records it wrote.
      const panel = await core.router.invoke('observability.gateway', {}, { readOnly: false, via: 'direct' });
      if (!panel.ok) throw new Error(panel.error.message);
      const g = panel.data as Response<'observability.gateway'>;
      expect(g.local).toMatchObject({ url: urls[0], instance: 'demo', simulated: true, up: true, database: true, error: null, login: expect.stringMatching(/^mc_gateway_/) });
      expect(JSON.stringify(g)).not.toMatch(/password/i);
      expect(g.instances.find((i) => i.instance === 'demo')).toMatchObject({ simulated: true, refused1h: 0, requests1h: expect.any(Number) });
      expect(g.instances.find((i) => i.instance === 'demo')!.requests1h).toBeGreaterThanOrEqual(8);
      // The gateway is the real one: without the key it refuses, OpenAI-shaped.
      const anon = await fetch(`${core.demoGateway!.url}/v1/models`);
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    } finally {
      await core.close();
    }
  }, 180_000);

  it('on a restart reuses its runtimes, customer and key; a key an operator revoked is replaced, never sent again', async () => {
    let core = await start([]);
    const before = await figures(core);
    const eu = before.keys.find((k) => k.customer === DEMO_CUSTOMER_KEY && !k.revoked)!;
    try {
      expect(before.runtimes.filter((r) => r.enabled)).toHaveLength(4);
      expect(before.keys.filter((k) => !k.revoked)).toHaveLength(3);
      // An operator revokes the demo key: the running demo's requests are refused from then on.
      await core.db.tx(core.db.session!, (sql) => sql.query('UPDATE mc.customer_keys SET revoked_at = now(), revoked_by = mc.current_operator_id(), revoke_reason = $2 WHERE id = $1', [eu.id, 'test']));
    } finally {
      await core.close();
    }
    core = await start([]);
    try {
      const after = await figures(core);
      expect(after.runtimes.map((r) => r.id)).toEqual(before.runtimes.map((r) => r.id));
      expect(after.customers).toEqual(before.customers);
      // The revoked EU key is replaced; the other corridors' keys are reused.
      const euKeys = after.keys.filter((k) => k.customer === DEMO_CUSTOMER_KEY);
      expect(euKeys.map((k) => [k.id === eu.id, k.revoked])).toEqual([
        [true, true],
        [false, false],
      ]);
      expect(after.keys.filter((k) => k.customer !== DEMO_CUSTOMER_KEY)).toEqual(before.keys.filter((k) => k.customer !== DEMO_CUSTOMER_KEY));
      const served = after.requests.served;
      await expect.poll(async () => (await figures(core)).requests.served, { timeout: 30_000, interval: 500 }).toBeGreaterThan(served + 3);
    } finally {
      await core.close();
    }
  }, 240_000);
});
