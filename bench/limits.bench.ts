import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../src-main/core/log';
import { sqlDir } from '../src-main/core/paths';
import { EmbeddedServer } from '../src-main/db/embedded-server';
import { applyMigrations, loadMigrations } from '../src-main/db/migrations';
import { clientConfig } from '../src-main/db/pg-config';
import { PgLimiter } from '../src-main/gateway/inference/limits';
import { tempDataDir } from '../src-main/testing/harness';
import { type Bench, percentile, result, round } from './lib';

const CLIENTS = 64;
const POOL = 16;
const DURATION_MS = 5000;

/** Run `op` from CLIENTS concurrent loops for DURATION_MS; calls per second and p50/p99 in ms. */
async function drive(op: (i: number) => Promise<unknown>): Promise<{ perS: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + DURATION_MS;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (performance.now() < end) {
        const s = performance.now();
        await op(c * 1_000_000 + n++);
        lat.push(performance.now() - s);
      }
    }),
  );
  return { perS: lat.length / ((performance.now() - t0) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/**
 * The shared limits' cost: admit + settle per request, from 64 concurrent clients through a
 * 16-connection gateway pool, against a plain `SELECT 1` round trip on the same pool (the floor
 * of any limiter that asks the database). Once with 20 customers of one org (they all queue on
 * the org's minute row), once with 20 orgs of one customer each (no shared row).
 */
export const limits: Bench = {
  name: 'limits',
  summary: 'gateway admissions (admit + settle) per second vs SELECT 1 round trips, one org and many orgs',
  async run() {
    const data = tempDataDir('mc-bench-limits-');
    const password = randomBytes(16).toString('base64url');
    const server = new EmbeddedServer({ clusterDir: join(data.dir, 'pg'), superuser: 'mc_owner', password, log: silentLogger() });
    const info = await server.start();
    const target = { host: info.socketDir ?? info.host, port: info.port, database: 'postgres', user: 'mc_owner', sslmode: 'disable' as const };
    const owner = new pg.Client(clientConfig(target, password));
    await owner.connect();
    try {
      await applyMigrations(owner, loadMigrations(sqlDir()));
      const orgs: { org: string; customer: string }[][] = [];
      const makeOrg = async (slug: string, customers: number) => {
        const org = randomUUID();
        await owner.query('BEGIN');
        await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org]);
        await owner.query(`INSERT INTO mc.orgs (id, slug, name) VALUES ($1, $2, $2)`, [org, slug]);
        await owner.query(`INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES ($1, 100000000)`, [org]);
        const corridor = (await owner.query(`INSERT INTO mc.corridors (org_id, key, name, region) VALUES ($1, 'c', 'C', 'custom') RETURNING id`, [org])).rows[0].id;
        const out: { org: string; customer: string }[] = [];
        for (let i = 0; i < customers; i++) {
          const id = (
            await owner.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, tokens_per_min, max_concurrency) VALUES ($1, $2, $2, 'enterprise', $3, 1000000000, 1000) RETURNING id`, [
              org,
              `c${i}`,
              corridor,
            ])
          ).rows[0].id;
          out.push({ org, customer: id });
        }
        await owner.query('COMMIT');
        return out;
      };
      orgs.push(await makeOrg('one-org', 20));
      const many: { org: string; customer: string }[] = [];
      for (let i = 0; i < 20; i++) many.push(...(await makeOrg(`org-${i}`, 1)));
      orgs.push(many);

      const role = `gw_bench_${randomBytes(4).toString('hex')}`;
      const rolePw = randomBytes(16).toString('base64url');
      await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePw}' IN ROLE mc_gateway`);
      // Bound to every org it counts for (sql/0058), as an operator binds a gateway's login.
      await owner.query(`INSERT INTO mc.login_orgs (role_name, org_id, purpose) SELECT $1, id, 'gateway' FROM mc.orgs`, [role]);
      const pool = new pg.Pool({ ...clientConfig({ ...target, user: role }, rolePw), max: POOL });
      const limiter = new PgLimiter({ pool, upkeepEveryMs: null });
      try {
        const base = await drive(() => pool.query('SELECT 1'));
        const run = (set: { org: string; customer: string }[]) =>
          drive(async (i) => {
            const who = set[i % set.length]!;
            const req = { orgId: who.org, customerId: who.customer, requestId: `req_${i.toString(36)}_${randomBytes(4).toString('hex')}`, estimatedTokens: 100 };
            const a = await limiter.admit(req);
            if (!a.ok) throw new Error(`refused: ${a.refusal}`);
            await limiter.settle({ ...req, lease: a.lease, tokens: 80 });
          });
        const oneOrg = await run(orgs[0]!);
        const manyOrgs = await run(orgs[1]!);
        const params = (r: { p50: number; p99: number }) => ({ clients: CLIENTS, pool: POOL, durationMs: DURATION_MS, p50Ms: round(r.p50), p99Ms: round(r.p99), baselineP50Ms: round(base.p50) });
        return [
          result({ name: 'limits-one-org', value: round(oneOrg.perS), unit: 'requests/s', baseline: round(base.perS), baselineName: 'SELECT 1 round trips', better: 'higher', target: null, params: { ...params(oneOrg), customers: 20, orgs: 1 } }),
          result({ name: 'limits-many-orgs', value: round(manyOrgs.perS), unit: 'requests/s', baseline: round(base.perS), baselineName: 'SELECT 1 round trips', better: 'higher', target: null, params: { ...params(manyOrgs), customers: 20, orgs: 20 } }),
        ];
      } finally {
        limiter.close();
        await pool.end();
      }
    } finally {
      await owner.end();
      await server.stop();
      data.remove();
    }
  },
};
