/**
 * The gateway panel's figures: every instance's requests and refusals over the last hour from the
 * request records (real Postgres, through the contract), and the live /healthz probe of the gateway
 * this process runs (a real HTTP server answering as the gateway's /healthz does).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { probeLocalGateway } from './local-gateway';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('observability.gateway: request records per gateway instance', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let auditor: Core;
  let customerId: string;

  /** A request record as a gateway writes it, `minutesAgo` before now. */
  const record = (o: TestOrg, customer: string, instance: string, minutesAgo: number, outcome: string, status: number, simulated = false) =>
    asOwner(db, null, (c) =>
      c.query(
        `INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, status, outcome, latency_ms, simulated, gateway_instance)
         VALUES ($1, $2, now() - make_interval(mins => $3), now() - make_interval(mins => $3), $4, 'ume_live_abcdef', 'chat.completions', $5, $6, 12, $7, $8)`,
        [o.orgId, `req_${randomUUID().replace(/-/g, '')}`, minutesAgo, customer, status, outcome, simulated, instance],
      ),
    );

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'gw-panel');
    other = await createOrg(db, 'gw-other');
    const grid = await seedGrid(db, org);
    const otherGrid = await seedGrid(db, other);
    const admin = await coreOn(db, org.admin.email);
    const otherAdmin = await coreOn(db, other.admin.email);
    auditor = await coreOn(db, org.auditor.email);
    customerId = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme', tier: 'enterprise', homeCorridorId: grid.corridorId })).customer.id;
    const otherCustomer = (await call<Response<'sla.saveCustomer'>>(otherAdmin, 'sla.saveCustomer', { key: 'zeta', name: 'Zeta', tier: 'enterprise', homeCorridorId: otherGrid.corridorId })).customer.id;
    await admin.cleanup();
    await otherAdmin.cleanup();
    // gw-a: 3 served and 2 refused in the last 15 minutes, 1 served and 1 refused 30 minutes ago,
    // and one 2 hours ago (outside the hour); gw-b: demo traffic, one replay (served) 5 minutes ago.
    for (const m of [1, 2, 3]) await record(org, customerId, 'gw-a', m, 'served', 200);
    await record(org, customerId, 'gw-a', 4, 'rate_limited', 429);
    await record(org, customerId, 'gw-a', 5, 'no_route', 503);
    await record(org, customerId, 'gw-a', 30, 'served', 200);
    await record(org, customerId, 'gw-a', 31, 'rate_limited', 429);
    await record(org, customerId, 'gw-a', 120, 'upstream', 502);
    await record(org, customerId, 'gw-b', 5, 'idempotent_replay', 200, true);
    // Another org's gateway traffic is not this org's to see.
    await record(other, otherCustomer, 'gw-secret', 1, 'served', 200);
  });
  afterAll(async () => {
    await auditor?.cleanup();
    await db?.drop();
  });

  it('counts each instance’s requests and refusals over 15 minutes and the hour, latest first, this org only', async () => {
    // Any member may read it (an auditor too): it carries no secret.
    const r = await call<Response<'observability.gateway'>>(auditor, 'observability.gateway', {});
    // No gateway runs inside a test core: said as null, not as a gateway that is down.
    expect(r.local).toBeNull();
    expect(r.instances.map((g) => g.instance)).toEqual(['gw-a', 'gw-b']);
    expect(r.instances[0]).toMatchObject({
      instance: 'gw-a',
      simulated: false,
      requests15m: 5,
      refused15m: 2,
      requests1h: 7,
      refused1h: 3,
      refusedBy: [
        { outcome: 'rate_limited', count: 2 },
        { outcome: 'no_route', count: 1 },
      ],
    });
    expect(r.instances[1]).toMatchObject({ instance: 'gw-b', simulated: true, requests15m: 1, refused15m: 0, requests1h: 1, refused1h: 0, refusedBy: [] });
    expect(Date.parse(r.instances[0]!.lastRequestAt)).toBeGreaterThan(Date.parse(r.instances[1]!.lastRequestAt));
  });

  it('refuses a request with fields it does not know', async () => {
    expect(await refused(auditor, 'observability.gateway', { instance: 'gw-a' })).toMatchObject({ code: 'VALIDATION' });
  });
});

describe('probeLocalGateway: the gateway this process runs, asked live', () => {
  const servers: Server[] = [];
  const serve = async (handler: Parameters<typeof createServer>[1]) => {
    const s = createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  const g = (url: string) => ({ url, instance: 'demo', login: 'mc_gw_test', since: new Date().toISOString(), simulated: true });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('no gateway: null', async () => {
    expect(await probeLocalGateway(null)).toBeNull();
  });

  it('up: its /healthz answered 200 with its figures', async () => {
    const url = await serve((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', database: true, spoolBacklog: 3 }));
    });
    expect(await probeLocalGateway(g(url))).toMatchObject({ up: true, database: true, spoolBacklog: 3, error: null, login: 'mc_gw_test', url });
  });

  it('degraded: a 503 from /healthz is not up, and says what it answered', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'degraded', database: false, spoolBacklog: 40 }));
    });
    expect(await probeLocalGateway(g(url))).toMatchObject({ up: false, database: false, spoolBacklog: 40, error: 'its /healthz answered 503 (degraded)' });
  });

  it('not answering in time, or not there: not up, with the reason', async () => {
    const url = await serve(() => undefined);
    expect(await probeLocalGateway(g(url), 300)).toMatchObject({ up: false, database: null, error: 'no answer from its /healthz within 0.3 s' });
    const closed = await serve(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const gone = await probeLocalGateway(g(closed), 1000);
    expect(gone).toMatchObject({ up: false, database: null });
    expect(gone!.error).toMatch(/^its \/healthz could not be reached/);
  });

  it('an answer that is not the gateway’s /healthz: not up', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    expect(await probeLocalGateway(g(url))).toMatchObject({ up: false, error: 'its /healthz answered 200 without the expected figures' });
  });
});
