import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { ensureIngestLogin, ingestRoleName } from '../db/authenticator';
import { bindLoginOrgs } from '../db/login-orgs';
import { clientConfig } from '../db/pg-config';
import { generateNodeKey } from '../services/keys';
import { asOwner, type TestDatabase, type TestOrg } from './db';

export interface TestGrid {
  corridorId: string;
  siteId: string;
  groupId: string;
  nodeId: string;
}

/** One corridor (EU policy), one site in DE, one group and one active node for an org. */
export async function seedGrid(db: TestDatabase, org: TestOrg, hostname = 'fra-01-gpu01'): Promise<TestGrid> {
  return asOwner(db, org.orgId, async (c) => {
    const corridorId = (
      await c.query<{ id: string }>(
        `INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries) VALUES ($1, 'eu', 'EU', 'eu', '{DE,FR,NL}', '{RU}')
         ON CONFLICT (org_id, key) DO UPDATE SET name = excluded.name RETURNING id`,
        [org.orgId],
      )
    ).rows[0]!.id;
    const siteId = (
      await c.query<{ id: string }>(
        `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name)
         VALUES ($1, $2, 'fra-01', 'FRA-01', 'colocation', 'DE', 50.1, 8.7, 'Equinix')
         ON CONFLICT (org_id, key) DO UPDATE SET name = excluded.name RETURNING id`,
        [org.orgId, corridorId],
      )
    ).rows[0]!.id;
    const groupId = (
      await c.query<{ id: string }>(
        `INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'pool-a', 'Pool A')
         ON CONFLICT (org_id, site_id, key) DO UPDATE SET name = excluded.name RETURNING id`,
        [org.orgId, siteId],
      )
    ).rows[0]!.id;
    const nodeId = (
      await c.query<{ id: string }>(
        `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
         VALUES ($1, $2, $3, $4, 'vllm', 'H100 80GB', 8, 640, 20000, 'active') RETURNING id`,
        [org.orgId, siteId, groupId, hostname],
      )
    ).rows[0]!.id;
    return { corridorId, siteId, groupId, nodeId };
  });
}

/** A node key written the way keys.issue writes it; returns the secret. */
export async function seedKey(
  db: TestDatabase,
  org: TestOrg,
  nodeId: string,
  extra: { expiresAt?: string; revokedAt?: string; graceUntil?: string; supersededBy?: string; createdAt?: string; lastUsedAt?: string } = {},
): Promise<{ id: string; secret: string; prefix: string }> {
  const k = generateNodeKey();
  const id = await asOwner(db, org.orgId, async (c) => {
    const r = await c.query<{ id: string }>(
      `INSERT INTO mc.node_keys (org_id, node_id, key_hash, prefix, label, expires_at, revoked_at, superseded_by, grace_until, created_at, last_used_at)
       VALUES ($1, $2, $3, $4, 'test', $5, $6, $7, $8, coalesce($9::timestamptz, now()), $10) RETURNING id`,
      [org.orgId, nodeId, k.hash, k.prefix, extra.expiresAt ?? null, extra.revokedAt ?? null, extra.supersededBy ?? null, extra.graceUntil ?? null, extra.createdAt ?? null, extra.lastUsedAt ?? null],
    );
    return r.rows[0]!.id;
  });
  return { id, secret: k.secret, prefix: k.prefix };
}

/**
 * A node agent's (or the door's) login: the ingest role and nothing else, bound (sql/0058) to
 * `orgIds`, by default every org the database holds now. Its connection settings, password included.
 */
export async function ingestLogin(db: TestDatabase, orgIds?: readonly string[]): Promise<pg.ClientConfig & { user: string; password: string }> {
  const role = ingestRoleName(randomBytes(6).toString('hex'));
  const password = randomBytes(18).toString('base64url');
  const c = await db.owner();
  try {
    await c.query('BEGIN');
    await ensureIngestLogin(c, role, password);
    await bindLoginOrgs(c, role, 'ingest', orgIds ?? (await c.query<{ id: string }>('SELECT id FROM mc.orgs')).rows.map((r) => r.id));
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
  return { ...clientConfig({ ...db.target, user: role }, password), user: role, password };
}

/** A node agent's login: the ingest role and nothing else. */
export async function ingestPool(db: TestDatabase, orgIds?: readonly string[]): Promise<pg.Pool> {
  const pool = new pg.Pool({ ...(await ingestLogin(db, orgIds)), max: 4 });
  pool.on('error', () => undefined);
  return pool;
}

export function samplesNow(n: number, metric = 'gpu_util_pct', value = 50, offsetMs = 0) {
  const now = Date.now() - offsetMs;
  return Array.from({ length: n }, (_, i) => ({ ts: new Date(now - i * 1000), metric, value }));
}

export { randomUUID };

/** One minute of rollups for a node, as the ingest function writes them (n samples all at `value`). */
export async function seedRollup(db: TestDatabase, org: TestOrg, nodeId: string, metric: number, minute: Date, value: number, n = 4): Promise<void> {
  await asOwner(db, org.orgId, (c) =>
    c.query(
      `INSERT INTO mc.telemetry_rollups_1m (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
       VALUES ($1, $2, $3, date_trunc('minute', $4::timestamptz), $5::int, $6::float8 * $5::int, $6, $6, $6, $4)
       ON CONFLICT (node_id, metric, minute) DO UPDATE SET n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max, last = excluded.last`,
      [org.orgId, nodeId, metric, minute.toISOString(), n, value],
    ),
  );
}
