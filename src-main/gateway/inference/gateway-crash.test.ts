/**
 * Served means metered, exactly once, even through a crash: `npm run gateway` as a real child
 * process under load is killed with SIGKILL; a new process on the same spool folder drains what
 * the dead one left before it listens. Every request a client saw answered in full must then have
 * exactly one request log row and one usage event.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRuntime, startFakeVllm } from '../../runtimes/fake';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, testServers } from '../../testing/db';
import { type GatewayProcess, gatewayLogin, killGateway, MODEL, seedCustomerKey, seedGatewayWorld, startGatewayProcess } from '../../testing/gateway';

describe('the gateway killed under load', () => {
  let db: TestDatabase;
  let fake: FakeRuntime;
  let spoolDir: string;
  const procs: GatewayProcess[] = [];

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    fake = await startFakeVllm({ models: [{ id: MODEL, maxModelLen: 131072 }] }, { tokens: 5 });
    spoolDir = mkdtempSync(join(tmpdir(), 'mc-spool-crash-'));
  });
  afterAll(async () => {
    for (const p of procs) await killGateway(p).catch(() => undefined);
    await fake?.close();
    rmSync(spoolDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('after kill -9 and a restart, every request served before the kill is metered exactly once', { timeout: 120_000 }, async () => {
    const org = await createOrg(db, 'crash');
    const w = await seedGatewayWorld(db, org, [{ key: 'fra', country: 'DE', corridor: 'eu', runtimeUrl: fake.url, p95Ms: 50 }]);
    const key = (await seedCustomerKey(db, org, w.customerId)).secret;
    const login = await gatewayLogin(db);
    // A drain interval longer than the test: whatever is metered at the kill is still on disk.
    const first = await startGatewayProcess(login, { spoolDir, extraArgs: ['--drain-interval', '600000'] });
    procs.push(first);

    const served: { id: string; stream: boolean }[] = [];
    let failed = 0;
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const stream = (n + i) % 4 === 0;
        try {
          const res = await fetch(`${first.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'a b c' }], stream }),
          });
          const text = await res.text();
          // In full: a JSON answer, or a stream that reached [DONE].
          if (res.status === 200 && (!stream || text.includes('data: [DONE]'))) served.push({ id: res.headers.get('x-request-id')!, stream });
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    const clients = Array.from({ length: 16 }, (_, n) => client(n));
    while (served.length < 150) await new Promise((r) => setTimeout(r, 20));
    await killGateway(first);
    stop = true;
    await Promise.all(clients);
    expect(served.length).toBeGreaterThanOrEqual(150);
    // The dead process left its spool behind, undrained: nothing is in Postgres yet.
    const spooled = readdirSync(spoolDir).reduce((n, f) => n + readFileSync(join(spoolDir, f), 'utf8').split('\n').filter(Boolean).length, 0);
    expect(spooled).toBeGreaterThanOrEqual(served.length);
    expect(await asOwner(db, org.orgId, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.api_requests WHERE org_id = $1`, [org.orgId])).rows[0].n)).toBe(0);

    // A new process on the same spool drains it before it listens.
    const second = await startGatewayProcess(login, { spoolDir });
    procs.push(second);
    const health = (await (await fetch(`${second.url}/healthz`)).json()) as { spoolBacklog: number };
    expect(health.spoolBacklog).toBe(0);

    const ids = served.map((s) => s.id);
    const r = await asOwner(db, org.orgId, async (c) => ({
      requests: (await c.query<{ request_id: string; n: number }>(`SELECT request_id, count(*)::int AS n FROM mc.api_requests WHERE org_id = $1 GROUP BY 1`, [org.orgId])).rows,
      usage: (await c.query<{ request_id: string; n: number; completion_tokens: number; estimated: boolean }>(
        `SELECT request_id, count(*)::int AS n, max(completion_tokens) AS completion_tokens, bool_or(estimated) AS estimated FROM mc.usage_events WHERE org_id = $1 GROUP BY 1`,
        [org.orgId],
      )).rows,
    }));
    const reqs = new Map(r.requests.map((x) => [x.request_id, x.n]));
    const usage = new Map(r.usage.map((x) => [x.request_id, x]));
    for (const id of ids) {
      expect(reqs.get(id), `request log row of ${id}`).toBe(1);
      expect(usage.get(id)?.n, `usage event of ${id}`).toBe(1);
      // Served in full: the runtime's own usage, not an estimate.
      expect(usage.get(id)).toMatchObject({ completion_tokens: 5, estimated: false });
    }
    // Streams were part of the load too.
    expect(served.some((s) => s.stream)).toBe(true);
    // Nothing metered that no runtime served: every usage event has its request row.
    for (const id of usage.keys()) expect(reqs.get(id)).toBe(1);
    // And the runtime served at least what the clients saw (some answers died with the process).
    expect(fake.state.served).toBeGreaterThanOrEqual(ids.length);
  });
});
