import { afterAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../core/app-core';
import { silentLogger } from '../../core/log';
import { tempDataDir } from '../../testing/harness';
import { testVault } from '../../testing/keychain';
import { needKeychain } from '../../testing/keychain-gate';
import { DEMO_CUSTOMER_KEY } from './provision';

const ok = await needKeychain();

type Core = ReturnType<typeof createAppCore>;

async function figures(core: Core) {
  return core.db.tx(core.db.session!, async (sql) => ({
    runtimes: await sql.query<{ id: string; name: string; enabled: boolean; health: string }>(`SELECT id, name, enabled, health FROM mc.runtimes WHERE name LIKE 'Demo %(simulated)' ORDER BY name, created_at`),
    customers: (await sql.one<{ n: number }>('SELECT count(*)::int AS n FROM mc.customers WHERE key = $1', [DEMO_CUSTOMER_KEY])).n,
    keys: await sql.query<{ id: string; revoked: boolean }>(
      `SELECT k.id, k.revoked_at IS NOT NULL AS revoked FROM mc.customer_keys k JOIN mc.customers c ON c.id = k.customer_id WHERE c.key = $1 ORDER BY k.created_at`,
      [DEMO_CUSTOMER_KEY],
    ),
    requests: await sql.one<{ served: number; simulated: number; all: number }>(
      `SELECT count(*) FILTER (WHERE a.outcome = 'served')::int AS served, count(*) FILTER (WHERE a.simulated)::int AS simulated, count(*)::int AS all
         FROM mc.api_requests a JOIN mc.customers c ON c.id = a.customer_id WHERE c.key = $1`,
      [DEMO_CUSTOMER_KEY],
    ),
    usage: await sql.one<{ n: number; simulated: number; tokens: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE u.simulated)::int AS simulated, coalesce(sum(u.completion_tokens), 0)::int AS tokens
         FROM mc.usage_events u JOIN mc.customers c ON c.id = u.customer_id WHERE c.key = $1`,
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
      expect(f.customers).toBe(1);
      expect(f.keys).toHaveLength(1);
      // Every record is simulated; every served request has its usage event and its decision.
      expect(f.requests.simulated).toBe(f.requests.all);
      expect(f.usage.simulated).toBe(f.usage.n);
      expect(f.usage.tokens).toBeGreaterThan(0);
      expect(f.decisions).toBeGreaterThanOrEqual(f.requests.served);
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
    try {
      expect(before.runtimes.filter((r) => r.enabled)).toHaveLength(4);
      expect(before.keys.filter((k) => !k.revoked)).toHaveLength(1);
      // An operator revokes the demo key: the running demo's requests are refused from then on.
      await core.db.tx(core.db.session!, (sql) => sql.query('UPDATE mc.customer_keys SET revoked_at = now(), revoked_by = mc.current_operator_id(), revoke_reason = $2 WHERE id = $1', [before.keys[0]!.id, 'test']));
    } finally {
      await core.close();
    }
    core = await start([]);
    try {
      const after = await figures(core);
      expect(after.runtimes.map((r) => r.id)).toEqual(before.runtimes.map((r) => r.id));
      expect(after.customers).toBe(1);
      expect(after.keys.map((k) => k.revoked)).toEqual([true, false]);
      const served = after.requests.served;
      await expect.poll(async () => (await figures(core)).requests.served, { timeout: 30_000, interval: 500 }).toBeGreaterThan(served + 3);
    } finally {
      await core.close();
    }
  }, 240_000);
});
