import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlDir } from '../core/paths';
import { appPool, asApp, asOwner, createDatabase, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { gatewayLogin, seedCustomerKey } from '../testing/gateway';
import { ingestLogin, seedGrid, seedKey } from '../testing/grid';
import { advisorRoleName, ensureAdvisorLogin, ensureGatewayLogin } from './authenticator';
import { bindLoginOrgs, warnIfUnbound } from './login-orgs';
import { applyMigrations, loadMigrations } from './migrations';
import { clientConfig } from './pg-config';

/**
 * sql/0058: a data-plane login (gateway, advisory scan, node agent / telemetry door) acts only for
 * the orgs mc.login_orgs binds it to. Each login is bound to org A here; naming org B must be
 * refused with 42501 (login and org named) and change nothing; an unbound login is refused; members
 * are unaffected.
 */
describe.each(testServers().map((s) => [s.label, s] as const))('data-plane logins bound to their orgs on %s', (_label, server) => {
  let db: TestDatabase;
  let app: pg.Pool;
  let a: TestOrg;
  let b: TestOrg;
  const pools: pg.Pool[] = [];
  const customers = new Map<string, string>();
  const nodeKeys = new Map<string, { id: string; secret: string; nodeId: string }>();

  const poolOf = (cfg: pg.ClientConfig): pg.Pool => {
    const p = new pg.Pool({ ...cfg, max: 2 });
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  /** One transaction with mc.org_id set, as a gateway or the scan runs its reads. */
  async function inOrg<T>(pool: pg.Pool, orgId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', $1, true)`, [orgId]);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
  const count = (sql: string, params: unknown[] = []) => asOwner(db, null, async (c) => Number((await c.query<{ n: string }>(sql, params)).rows[0]!.n));
  async function advisorPool(orgIds: string[]): Promise<{ pool: pg.Pool; role: string }> {
    const role = advisorRoleName(randomBytes(6).toString('hex'));
    const password = randomBytes(18).toString('base64url');
    await asOwner(db, null, async (c) => {
      await ensureAdvisorLogin(c, role, password);
      await bindLoginOrgs(c, role, 'advisor', orgIds);
    });
    return { pool: poolOf(clientConfig({ ...db.target, user: role }, password)), role };
  }
  const refused = (login: string, org: TestOrg) =>
    expect.objectContaining({ code: '42501', message: `database login ${login} is not bound to org ${org.orgId}` });

  beforeAll(async () => {
    db = await migratedDatabase(server);
    app = await appPool(db);
    a = await createOrg(db, 'bind-a');
    b = await createOrg(db, 'bind-b');
    for (const org of [a, b]) {
      const grid = await seedGrid(db, org);
      const key = await seedKey(db, org, grid.nodeId);
      nodeKeys.set(org.orgId, { ...key, nodeId: grid.nodeId });
      const customer = await asOwner(db, org.orgId, async (c) => {
        await c.query(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'p', 'P', 99.9, 800, 15, 'none')`, [org.orgId]);
        return (await c.query<{ id: string }>(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'c', 'C', 'pilot', $2) RETURNING id`, [org.orgId, grid.corridorId])).rows[0]!.id;
      });
      customers.set(org.orgId, customer);
    }
  });
  afterAll(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    await app?.end();
    await db?.drop();
  });

  describe('a gateway login', () => {
    let gw: pg.Pool;
    let role: string;
    beforeAll(async () => {
      const login = await gatewayLogin(db, [a.orgId]);
      role = login.user;
      gw = poolOf(login);
    });

    it('reads its own org’s routing inputs and is refused another org’s', async () => {
      const mine = await inOrg(gw, a.orgId, (c) => c.query<{ id: string }>('SELECT id FROM mc.customers'));
      expect(mine.rows.map((r) => r.id)).toEqual([customers.get(a.orgId)]);
      await expect(inOrg(gw, b.orgId, (c) => c.query('SELECT id FROM mc.customers'))).rejects.toEqual(refused(role, b));
      await expect(inOrg(gw, b.orgId, (c) => c.query('SELECT org_id FROM mc.memberships'))).rejects.toEqual(refused(role, b));
    });

    it('counts admissions for its own org and is refused another org’s, counting nothing', async () => {
      const ok = await gw.query<{ ok: boolean }>('SELECT ok FROM mc.limit_admit($1, $2, $3, 10, 60)', [a.orgId, customers.get(a.orgId), `req_${randomUUID().slice(0, 8)}`]);
      expect(ok.rows[0]!.ok).toBe(true);
      const before = await count('SELECT count(*) AS n FROM mc.limit_admissions WHERE org_id = $1', [b.orgId]);
      await expect(gw.query('SELECT * FROM mc.limit_admit($1, $2, $3, 10, 60)', [b.orgId, customers.get(b.orgId), 'req_forged01'])).rejects.toEqual(refused(role, b));
      const batch = JSON.stringify([{ org_id: b.orgId, customer_id: customers.get(b.orgId), request_id: 'req_forged02', estimated_tokens: 1 }]);
      await expect(gw.query('SELECT mc.limit_admit_many($1::jsonb, 60)', [batch])).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.limit_admissions WHERE org_id = $1', [b.orgId])).toBe(before);
      await expect(inOrg(gw, b.orgId, (c) =>
        c.query(`INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id) VALUES ($1, $2, 'k', sha256('x'::bytea), 'req_forged03')`, [b.orgId, customers.get(b.orgId)]),
      )).rejects.toEqual(refused(role, b));
    });

    it('refuses a metering batch that names another org, whole, and writes nothing of it', async () => {
      const before = await count('SELECT count(*) AS n FROM mc.api_requests');
      const now = new Date().toISOString();
      const element = (org: TestOrg, id: string) => ({
        request: { org_id: org.orgId, customer_id: customers.get(org.orgId), request_id: id, key_prefix: 'ume_live_AAAAAA', started_at: now, finished_at: now, endpoint: 'chat.completions', model: 'm', status: 200, outcome: 'served', latency_ms: 1 },
        usage: null,
        decision: null,
      });
      const batch = JSON.stringify([element(a, 'req_mine0001'), element(b, 'req_forged04')]);
      await expect(gw.query(`SELECT mc.gateway_record($1::jsonb, 'test')`, [batch])).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.api_requests')).toBe(before);
      // The other org's id in spellings PostgreSQL also reads as a uuid (no hyphens, braces):
      // refused the same way, not passed to the element checks as "malformed".
      for (const spelled of [b.orgId.replaceAll('-', ''), `{${b.orgId}}`, b.orgId.toUpperCase().replaceAll('-', '')]) {
        const forged = { ...element(b, 'req_forged05'), request: { ...element(b, 'req_forged05').request, org_id: spelled } };
        await expect(gw.query(`SELECT mc.gateway_record($1::jsonb, 'test')`, [JSON.stringify([element(a, 'req_mine0003'), forged])])).rejects.toEqual(refused(role, b));
      }
      expect(await count('SELECT count(*) AS n FROM mc.api_requests')).toBe(before);
      // Its own org's element alone goes through the usual checks (here refused as an element: no key was ever accepted).
      const own = await gw.query<{ r: { inserted: number; rejected: unknown[] } }>(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([element(a, 'req_mine0002')])]);
      expect(own.rows[0]!.r.rejected).toHaveLength(1);
    });

    it('checks its own org’s customer keys and is refused another org’s, stamping nothing', async () => {
      const mine = await seedCustomerKey(db, a, customers.get(a.orgId)!);
      const theirs = await seedCustomerKey(db, b, customers.get(b.orgId)!);
      const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest();
      const r = await gw.query<{ status: string; org_id: string }>('SELECT status, org_id FROM mc.customer_key_check($1, $2)', [hash(mine.secret), 'test']);
      expect(r.rows[0]).toEqual({ status: 'ok', org_id: a.orgId });
      await expect(gw.query('SELECT * FROM mc.customer_key_check($1, $2)', [hash(theirs.secret), 'test'])).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.customer_keys WHERE id = $1 AND last_used_at IS NULL AND use_count = 0', [theirs.id])).toBe(1);
    });

    it('cannot bind itself to another org', async () => {
      await expect(gw.query(`INSERT INTO mc.login_orgs (role_name, org_id, purpose) VALUES ($1, $2, 'gateway')`, [role, b.orgId])).rejects.toMatchObject({ code: '42501' });
      expect(await count('SELECT count(*) AS n FROM mc.login_orgs WHERE role_name = $1', [role])).toBe(1);
    });
    it('keeps its binding when its password is rotated', async () => {
      const password = randomBytes(18).toString('base64url');
      await asOwner(db, null, (c) => ensureGatewayLogin(c, role, password, 'set'));
      const fresh = poolOf(clientConfig({ ...db.target, user: role }, password));
      expect((await inOrg(fresh, a.orgId, (c) => c.query('SELECT id FROM mc.customers'))).rowCount).toBe(1);
      await expect(inOrg(fresh, b.orgId, (c) => c.query('SELECT id FROM mc.customers'))).rejects.toEqual(refused(role, b));
    });

  });

  describe('the advisory scan’s login', () => {
    it('reads and records for its own org and is refused another org, recording nothing', async () => {
      const { pool, role } = await advisorPool([a.orgId]);
      const report = JSON.stringify([{ line: 'ok' }]);
      const record = (c: pg.PoolClient) => c.query(`SELECT mc.advisories_record('[]'::jsonb, '{key_stale}', $1::jsonb, 'manual', now()) AS r`, [report]);
      await inOrg(pool, a.orgId, async (c) => {
        await c.query('SELECT id FROM mc.advisories');
        await record(c);
      });
      expect(await count('SELECT count(*) AS n FROM mc.advisory_scans WHERE org_id = $1', [a.orgId])).toBe(1);
      await expect(inOrg(pool, b.orgId, (c) => c.query('SELECT prefix FROM mc.node_keys'))).rejects.toEqual(refused(role, b));
      // The write path alone (no table read first): the function checks the login itself.
      await expect(inOrg(pool, b.orgId, record)).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.advisory_scans WHERE org_id = $1', [b.orgId])).toBe(0);
    });
  });

  describe('an ingest login (node agent or telemetry door)', () => {
    let ingest: pg.Pool;
    let role: string;
    beforeAll(async () => {
      const login = await ingestLogin(db, [a.orgId]);
      role = login.user;
      ingest = poolOf(login);
    });
    const batch = (key: string) => [key, randomUUID(), [new Date().toISOString()], ['gpu_util_pct'], [42]];

    it('writes telemetry with its own org’s node key and is refused another org’s, storing nothing', async () => {
      const ok = await ingest.query<{ r: { status: string } }>('SELECT mc.ingest_telemetry($1, $2, $3, $4, $5) AS r', batch(nodeKeys.get(a.orgId)!.secret));
      expect(ok.rows[0]!.r.status).toBe('accepted');
      const before = await count('SELECT count(*) AS n FROM mc.telemetry WHERE org_id = $1', [b.orgId]);
      await expect(ingest.query('SELECT mc.ingest_telemetry($1, $2, $3, $4, $5)', batch(nodeKeys.get(b.orgId)!.secret))).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.telemetry WHERE org_id = $1', [b.orgId])).toBe(before);
      expect(await count('SELECT use_count AS n FROM mc.node_keys WHERE id = $1', [nodeKeys.get(b.orgId)!.id])).toBe(0);
    });

    it('at the door: queues its own org’s batch, refuses another org’s item alone, and drains and counts only its orgs', async () => {
      const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest();
      const items = [a, b].map((o) => ({ key: hash(nodeKeys.get(o.orgId)!.secret), batch: randomUUID() }));
      const r = await ingest.query<{ item: number; status: string; code: string | null; message: string | null }>(
        `SELECT item, status, code, message FROM mc.ingest_enqueue($1::bytea[], $2::uuid[], $3::text[], $4::uuid[], $5::int[], $6::timestamptz[], $7::text[], $8::float8[])`,
        [items.map((i) => i.key), items.map((i) => i.batch), ['t', 't'], [null, null], [1, 2], [new Date().toISOString(), new Date().toISOString()], ['gpu_util_pct', 'gpu_util_pct'], [1, 2]],
      );
      expect(r.rows.map((x) => [x.item, x.status, x.code])).toEqual([
        [1, 'accepted', null],
        [2, 'rejected', 'login_unbound'],
      ]);
      expect(r.rows[1]!.message).toMatch(/does not serve the node key's org/);
      expect(await count('SELECT count(*) AS n FROM mc.ingest_queue WHERE org_id = $1', [b.orgId])).toBe(0);
      // A batch of org B queued by a door that serves B: this login neither counts nor claims it,
      // and writing it by sequence number is refused.
      const other = poolOf(await ingestLogin(db, [b.orgId]));
      await other.query(
        `SELECT * FROM mc.ingest_enqueue($1::bytea[], $2::uuid[], '{t}', '{NULL}'::uuid[], '{1}', $3::timestamptz[], '{gpu_util_pct}', '{3}')`,
        [[items[1]!.key], [randomUUID()], [new Date().toISOString()]],
      );
      const seqB = await asOwner(db, null, async (c) => (await c.query<{ seq: string }>('SELECT seq FROM mc.ingest_queue WHERE org_id = $1', [b.orgId])).rows[0]!.seq);
      const depth = await ingest.query<{ batches: string }>('SELECT batches FROM mc.ingest_queue_depth()');
      expect(Number(depth.rows[0]!.batches)).toBe(await count('SELECT count(*) AS n FROM mc.ingest_queue WHERE org_id = $1', [a.orgId]));
      const c = await ingest.connect();
      try {
        await c.query('BEGIN');
        const claimed = await c.query<{ s: string[] }>('SELECT mc.ingest_claim(100) AS s');
        expect(claimed.rows[0]!.s).not.toContain(seqB);
        // Nor does a parallel drain loop's share (0060): every share together skips it too.
        for (const part of [0, 1]) {
          const share = await c.query<{ s: string[] }>('SELECT mc.ingest_claim(100, $1, 2) AS s', [part]);
          expect(share.rows[0]!.s).not.toContain(seqB);
        }
        await c.query('ROLLBACK');
      } finally {
        c.release();
      }
      await expect(ingest.query('SELECT mc.ingest_write($1::bigint[])', [[seqB]])).rejects.toEqual(refused(role, b));
      expect(await count('SELECT count(*) AS n FROM mc.ingest_queue WHERE seq = $1', [seqB])).toBe(1);
    });
  });

  it('a data-plane process is told at start when its login serves no org; a bound one is not', async () => {
    const said: string[] = [];
    const log = { warn: (_o: object, msg: string) => void said.push(msg) };
    const unbound = await gatewayLogin(db, []);
    expect(await warnIfUnbound(poolOf(unbound), log, 'gateway')).toBe(0);
    expect(said).toEqual([expect.stringContaining(`gateway: database login ${unbound.user} is bound to no org`)]);
    said.length = 0;
    expect(await warnIfUnbound(poolOf(await gatewayLogin(db, [a.orgId, b.orgId])), log, 'gateway')).toBe(2);
    expect(await warnIfUnbound(poolOf(await ingestLogin(db, [a.orgId])), log, 'ingest-server')).toBe(1);
    expect(said).toEqual([]);
    // Not a data-plane login (the owner): no count of anyone's, no warning.
    const owner = await db.owner();
    try {
      expect(await warnIfUnbound(owner, log, 'gateway')).toBe(0);
      expect(said).toEqual([]);
    } finally {
      await owner.end();
    }
  });

  it('refuses an unbound login everything it would do for an org', async () => {
    const login = await gatewayLogin(db, []);
    const gw = poolOf(login);
    await expect(inOrg(gw, a.orgId, (c) => c.query('SELECT id FROM mc.customers'))).rejects.toEqual(refused(login.user, a));
    await expect(gw.query('SELECT * FROM mc.limit_admit($1, $2, $3, 10, 60)', [a.orgId, customers.get(a.orgId), 'req_unbound1'])).rejects.toEqual(refused(login.user, a));
    const ing = poolOf(await ingestLogin(db, []));
    await expect(ing.query('SELECT mc.ingest_telemetry($1, $2, $3, $4, $5)', batch2(nodeKeys.get(a.orgId)!.secret))).rejects.toMatchObject({ code: '42501' });
    // Without an org named, it still reads nothing (as before).
    expect((await gw.query('SELECT id FROM mc.customers')).rowCount).toBe(0);
    // A login given mc_gateway through a group role is a gateway login too: checked, not trusted.
    const tag = randomBytes(4).toString('hex');
    const password = randomBytes(18).toString('base64url');
    await asOwner(db, null, async (c) => {
      await c.query(`CREATE ROLE grp_${tag} NOLOGIN IN ROLE mc_gateway`);
      await c.query(`CREATE ROLE gwg_${tag} LOGIN PASSWORD '${password}' IN ROLE grp_${tag}`);
    });
    const viaGroup = poolOf(clientConfig({ ...db.target, user: `gwg_${tag}` }, password));
    await expect(inOrg(viaGroup, a.orgId, (c) => c.query('SELECT id FROM mc.customers'))).rejects.toEqual(refused(`gwg_${tag}`, a));
  });
  const batch2 = (key: string) => [key, randomUUID(), [new Date().toISOString()], ['gpu_util_pct'], [42]];

  it('leaves members as they were: their own org, whatever mc.org_id says; they see their org’s bindings only', async () => {
    const rows = await asApp(app, a.operator, async (sql) => {
      await sql.query(`SELECT set_config('mc.org_id', $1, true)`, [b.orgId]);
      return sql.query<{ org_id: string }>('SELECT org_id FROM mc.customers');
    });
    expect(rows).toEqual([{ org_id: a.orgId }]);
    const bindings = await asApp(app, b.operator, (sql) => sql.query<{ org_id: string }>('SELECT org_id FROM mc.login_orgs'));
    expect(bindings.length).toBeGreaterThan(0);
    expect(bindings.every((r) => r.org_id === b.orgId)).toBe(true);
  });
});

describe('sql/0058 on a database that already has data-plane logins', () => {
  it('binds each existing login to the orgs the records say it served, and no further', async () => {
    const db = await createDatabase(testServers()[0]!);
    try {
      const files = loadMigrations(sqlDir());
      const before = files.filter((f) => f.name < '0058');
      const owner = await db.owner();
      try {
        await applyMigrations(owner, before);
        const a = await createOrg(db, 'old-a');
        const b = await createOrg(db, 'old-b');
        const grid = await seedGrid(db, a);
        await seedKey(db, a, grid.nodeId, { lastUsedAt: new Date().toISOString() });
        const tag = randomBytes(4).toString('hex');
        // Logins an operator made for servers: bound from what the records show.
        const gateway = `gw_eu_${tag}`;
        const ingest = `door_${tag}`;
        const advisor = `scan_${tag}`;
        // A workstation's own login (mc_ingest_<installation>): with two orgs, not guessed; the
        // app binds it to its signed-in org on its next connect.
        const appIngest = `mc_ingest_${tag}`;
        // Given mc_gateway through a group role: classified (and bound) like a direct member.
        const group = `gateways_${tag}`;
        const viaGroup = `gw_na_${tag}`;
        await owner.query(`CREATE ROLE ${gateway} LOGIN IN ROLE mc_gateway`);
        await owner.query(`CREATE ROLE ${ingest} LOGIN IN ROLE mc_ingest`);
        await owner.query(`CREATE ROLE ${advisor} LOGIN IN ROLE mc_advisor`);
        await owner.query(`CREATE ROLE ${appIngest} LOGIN IN ROLE mc_ingest`);
        await owner.query(`CREATE ROLE ${group} NOLOGIN IN ROLE mc_gateway`);
        await owner.query(`CREATE ROLE ${viaGroup} LOGIN IN ROLE ${group}`);
        // Org B's customer key was accepted by a gateway; org A's node key was used; no scan ran.
        const gridB = await seedGrid(db, b);
        const customer = await asOwner(db, b.orgId, async (c) =>
          (await c.query<{ id: string }>(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'c', 'C', 'pilot', $2) RETURNING id`, [b.orgId, gridB.corridorId])).rows[0]!.id,
        );
        const key = await seedCustomerKey(db, b, customer);
        await asOwner(db, b.orgId, (c) => c.query('UPDATE mc.customer_keys SET last_used_at = now() WHERE id = $1', [key.id]));
        await applyMigrations(owner, files);
        const rows = (await owner.query<{ role_name: string; org_id: string; purpose: string; granted_by: string }>(
          'SELECT role_name, org_id, purpose, granted_by FROM mc.login_orgs WHERE role_name = ANY ($1) ORDER BY role_name',
          [[gateway, ingest, advisor, appIngest, viaGroup]],
        )).rows;
        expect(rows).toEqual(
          [
            { role_name: ingest, org_id: a.orgId, purpose: 'ingest', granted_by: 'migration 0058' },
            { role_name: gateway, org_id: b.orgId, purpose: 'gateway', granted_by: 'migration 0058' },
            { role_name: viaGroup, org_id: b.orgId, purpose: 'gateway', granted_by: 'migration 0058' },
          ].sort((x, y) => (x.role_name < y.role_name ? -1 : 1)),
        );
        await owner.query(`DROP ROLE ${gateway}, ${ingest}, ${advisor}, ${appIngest}, ${viaGroup}, ${group}`);
      } finally {
        await owner.end();
      }
    } finally {
      await db.drop();
    }
  });
});
