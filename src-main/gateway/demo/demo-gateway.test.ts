import type { Response } from '../../../src-shared/contract';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../core/app-core';
import { createLogger, type Logger, silentLogger } from '../../core/log';
import { secretAccounts } from '../../db';
import { deliveryAccount } from '../../services/credentials';
import { call, tempDataDir } from '../../testing/harness';
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
  const start = async (urls: string[], log: Logger = silentLogger()) => {
    const core = createAppCore({ dataDir: data.dir, vault: testVault(), log, opsJob: false, anchorJob: false, demoGateway: { trafficEveryMs: 150, onStarted: (u) => urls.push(u) } });
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

  it('while running: a refused key is followed by the customer’s current key in the keychain; with none, that customer stops and says so once', async () => {
    type Keys = Response<'customerKeys.list'>;
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const core = await start([], createLogger({ stream: sink, level: 'info' }));
    const vault = testVault();
    const traffic = core.demoGateway!.traffic!;
    const working = async (customer: string) => {
      const { keys } = await call<Keys>(core, 'customerKeys.list', {});
      const id = (await core.db.tx(core.db.session!, (sql) => sql.one<{ id: string }>('SELECT id FROM mc.customers WHERE key = $1', [customer]))).id;
      return { id, keys: keys.filter((k) => k.customerId === id) };
    };
    const used = async (keyId: string) => (await call<Keys>(core, 'customerKeys.list', {})).keys.find((k) => k.id === keyId)!;
    try {
      await expect.poll(() => traffic.answered, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(3);
      const eu = await working(DEMO_CUSTOMER_KEY);
      const apac = await working(`${DEMO_CUSTOMER_KEY}-apac`);
      const euOld = eu.keys.find((k) => k.status === 'active')!;
      const apacOld = apac.keys.find((k) => k.status === 'active')!;

      // EU: the demo's keychain entry holds a new key (as a delivery leaves it), then the key it
      // sends is revoked: the next refusal switches it to the new key, which is then served.
      const fresh = await call<Response<'customerKeys.issue'>>(core, 'customerKeys.issue', { customerId: eu.id, mode: 'test', label: 'delivered to the demo' });
      const euAccount = secretAccounts.demoCustomerKey(core.db.profileStore.instanceId, 'eu');
      const secrets = [await vault.get(euAccount), await vault.get(secretAccounts.demoCustomerKey(core.db.profileStore.instanceId, 'apac')), fresh.secret];
      expect(secrets.every((x) => typeof x === 'string' && x.length > 20)).toBe(true);
      await vault.set(euAccount, fresh.secret);
      // APAC: its only key is revoked, nothing replaces it.
      await call(core, 'customerKeys.revoke', { keyId: euOld.id, reason: 'test: demo key revoked' });
      await call(core, 'customerKeys.revoke', { keyId: apacOld.id, reason: 'test: demo key revoked' });

      await expect.poll(async () => (await used(fresh.key.id)).useCount, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
      await expect.poll(() => traffic.stopped.has('apac'), { timeout: 60_000, interval: 200 }).toBe(true);
      expect(traffic.stopped.has('eu')).toBe(false);
      // The refusals that happened stay recorded on the revoked keys.
      const apacRefused = (await used(apacOld.id)).refusedCount;
      expect(apacRefused).toBeGreaterThanOrEqual(1);
      const euRefused = (await used(euOld.id)).refusedCount;
      // From then on nothing more is sent with either revoked key, while the others keep going.
      const sent = traffic.sent;
      const answered = traffic.answered;
      await expect.poll(() => traffic.sent, { timeout: 60_000, interval: 200 }).toBeGreaterThan(sent + 20);
      await expect.poll(() => traffic.answered, { timeout: 30_000, interval: 200 }).toBeGreaterThan(answered + 15);
      expect((await used(apacOld.id)).refusedCount).toBe(apacRefused);
      expect((await used(euOld.id)).refusedCount).toBe(euRefused);
      expect(euRefused).toBeLessThanOrEqual(2);
      // Said once, naming the customer, never a key.
      const stopped = lines.filter((l) => l.includes('stopped sending simulated traffic'));
      expect(stopped).toHaveLength(1);
      expect(JSON.parse(stopped[0]!)).toMatchObject({ customer: 'demo-traffic-apac', why: 'its key was refused and it has no working key' });
      expect(lines.filter((l) => l.includes('sends its current key from now on')).map((l) => (JSON.parse(l) as { customer: string }).customer)).toEqual(['demo-traffic']);
      for (const secret of secrets) expect(lines.join('')).not.toContain(secret);
    } finally {
      await core.close();
    }
  }, 240_000);

  it('after rotate all in compromise mode, takes delivery of its customers’ new keys and keeps sending', async () => {
    const core = await start([]);
    const traffic = core.demoGateway!.traffic!;
    try {
      await expect.poll(() => traffic.answered, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(3);
      let run = (await call<Response<'credentials.start'>>(core, 'credentials.start', { mode: 'compromise', confirm: 'ROTATE ALL', reason: 'demo breach' })).run;
      for (let i = 0; i < 2000 && run.state === 'running'; i++) run = (await call<Response<'credentials.step'>>(core, 'credentials.step', { runId: run.id })).run;
      expect(run.state).toBe('done');
      // One working key per demo customer, rotated with no grace: the keys it sent stopped at once.
      const demo = run.items.filter((i) => i.kind === 'customer_key' && i.state === 'rotated' && i.owner.startsWith('Demo traffic'));
      expect(demo).toHaveLength(3);
      // Each customer's next refusal makes it take delivery of its new key and send that one.
      const keysOf = async () => (await call<Response<'customerKeys.list'>>(core, 'customerKeys.list', {})).keys;
      await expect
        .poll(async () => (await keysOf()).filter((k) => demo.some((d) => d.newRef === k.prefix) && k.useCount > 0).length, { timeout: 90_000, interval: 1000 })
        .toBe(3);
      expect([...traffic.stopped]).toEqual([]);
      const after = (await call<Response<'credentials.run'>>(core, 'credentials.run', { runId: run.id })).run;
      expect(after.items.filter((i) => demo.some((d) => d.id === i.id)).map((i) => i.delivery)).toEqual(['revealed', 'revealed', 'revealed']);
      // Revealed by the demo gateway (named as such), and the delivery copies are gone from the keychain.
      const audit = await call<Response<'audit.list'>>(core, 'audit.list', { limit: 500, filter: { action: 'credentials.secret_revealed' } });
      const revealed = audit.events.filter((e) => e.target.type === 'customer_key');
      expect(revealed.map((e) => e.actor.name)).toEqual(demo.map(() => DEMO_GATEWAY_ACTOR.name));
      const vault = testVault();
      for (const d of demo) expect(await vault.get(deliveryAccount(core.db.session!.orgId, d.id))).toBeNull();
    } finally {
      await core.close();
    }
  }, 300_000);
});
