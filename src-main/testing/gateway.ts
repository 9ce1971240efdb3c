/**
 * The customer gateway under test: its database login (a member of mc_gateway, as an operator
 * makes one), a small routable world (corridors, sites, nodes, runtimes pointing at fakes, an SLA
 * policy, a customer and its keys), and `npm run gateway` as a real child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { ensureGatewayLogin, gatewayRoleName } from '../db/authenticator';
import { bindLoginOrgs } from '../db/login-orgs';
import { clientConfig } from '../db/pg-config';
import { generateKey } from '../services/keys/generate';
import { asOwner, type TestDatabase, type TestOrg } from './db';

const root = join(__dirname, '..', '..');

export type GatewayLogin = pg.ClientConfig & { user: string; password: string };

/**
 * A gateway login as an operator makes one (docs/security.md): the role, its grant and its
 * binding to the orgs it serves (sql/0058) — by default every org the database holds now.
 */
export async function gatewayLogin(db: TestDatabase, orgIds?: readonly string[]): Promise<GatewayLogin> {
  const role = gatewayRoleName(randomBytes(6).toString('hex'));
  const password = randomBytes(18).toString('base64url');
  const c = await db.owner();
  try {
    await c.query('BEGIN');
    await ensureGatewayLogin(c, role, password);
    await bindLoginOrgs(c, role, 'gateway', orgIds ?? (await c.query<{ id: string }>('SELECT id FROM mc.orgs')).rows.map((r) => r.id));
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
  return { ...clientConfig({ ...db.target, user: role }, password), user: role, password };
}

export interface SiteSpec {
  key: string;
  country: string;
  corridor: 'eu' | 'us';
  runtimeUrl: string;
  kind?: 'vllm' | 'ollama' | 'openai' | 'tgi';
  /** Lower is preferred by the engine (its estimated latency). */
  p95Ms: number;
}

export interface GatewayWorld {
  corridors: { eu: string; us: string };
  sites: Record<string, { siteId: string; nodeId: string; runtimeId: string }>;
  policyId: string;
  customerId: string;
}

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/**
 * Two corridors (EU: DE/FR/NL; US), a site with one node and one runtime per spec, all serving
 * MODEL, and one enterprise customer homed in the EU whose SLA fails over inside its corridor.
 */
export async function seedGatewayWorld(db: TestDatabase, org: TestOrg, sites: SiteSpec[], failover: 'same_corridor' | 'none' | 'fallback_corridor' = 'same_corridor'): Promise<GatewayWorld> {
  return asOwner(db, org.orgId, async (c) => {
    const corridor = async (key: string, region: string, countries: string[]) =>
      (
        await c.query<{ id: string }>(
          `INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries) VALUES ($1, $2, upper($2), $3, $4, '{}') RETURNING id`,
          [org.orgId, key, region, countries],
        )
      ).rows[0]!.id;
    const corridors = { eu: await corridor('eu', 'eu', ['DE', 'FR', 'NL']), us: await corridor('us', 'north_america', ['US']) };
    const out: GatewayWorld['sites'] = {};
    for (const s of sites) {
      const siteId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, $3, upper($3), 'colocation', $4, 50, 8, 'Owner') RETURNING id`,
          [org.orgId, corridors[s.corridor], s.key, s.country],
        )
      ).rows[0]!.id;
      const group = (await c.query<{ id: string }>(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'a', 'A') RETURNING id`, [org.orgId, siteId])).rows[0]!.id;
      const nodeId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
           VALUES ($1, $2, $3, $4, 'vllm', 'H100 80GB', 8, 640, 20000, 'active') RETURNING id`,
          [org.orgId, siteId, group, `${s.key}-gpu01`],
        )
      ).rows[0]!.id;
      const runtimeId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, health, last_probe_at, p95_latency_ms)
           VALUES ($1, $2, $3, $4, $5, 'vllm', 'healthy', now(), $6) RETURNING id`,
          [org.orgId, nodeId, `${s.key} runtime`, s.kind ?? 'vllm', s.runtimeUrl, s.p95Ms],
        )
      ).rows[0]!.id;
      await c.query(`INSERT INTO mc.runtime_models (org_id, runtime_id, model_id, context_length) VALUES ($1, $2, $3, 131072)`, [org.orgId, runtimeId, MODEL]);
      out[s.key] = { siteId, nodeId, runtimeId };
    }
    const policyId = (
      await c.query<{ id: string }>(
        `INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule, fallback_corridor_id)
         VALUES ($1, 'ent', 'Enterprise', 99.9, 60000, 15, $2, $3) RETURNING id`,
        [org.orgId, failover, failover === 'fallback_corridor' ? corridors.us : null],
      )
    ).rows[0]!.id;
    const customerId = (
      await c.query<{ id: string }>(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, sla_policy_id) VALUES ($1, 'acme', 'Acme', 'enterprise', $2, $3) RETURNING id`, [
        org.orgId,
        corridors.eu,
        policyId,
      ])
    ).rows[0]!.id;
    return { corridors, sites: out, policyId, customerId };
  });
}

/** A customer key written as the keys service writes one; returns the secret. */
export async function seedCustomerKey(
  db: TestDatabase,
  org: TestOrg,
  customerId: string,
  extra: { mode?: 'live' | 'test'; expiresAt?: string; revokedAt?: string; rotatedOut?: boolean } = {},
): Promise<{ id: string; secret: string; prefix: string }> {
  const mode = extra.mode ?? 'live';
  const k = generateKey(mode);
  const id = await asOwner(db, org.orgId, async (c) => {
    const r = await c.query<{ id: string }>(
      `INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix, label, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, 'test', $6, $7) RETURNING id`,
      [org.orgId, customerId, mode, k.hash, k.prefix, extra.expiresAt ?? null, extra.revokedAt ?? null],
    );
    const keyId = r.rows[0]!.id;
    if (extra.rotatedOut) {
      const next = generateKey(mode);
      const n = await c.query<{ id: string }>(`INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix, label) VALUES ($1, $2, $3, $4, $5, 'next') RETURNING id`, [
        org.orgId,
        customerId,
        mode,
        next.hash,
        next.prefix,
      ]);
      await c.query(`UPDATE mc.customer_keys SET superseded_by = $2, grace_until = now() - interval '1 minute' WHERE id = $1`, [keyId, n.rows[0]!.id]);
    }
    return keyId;
  });
  return { id, secret: k.secret, prefix: k.prefix };
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** `npm run gateway` as a real child process (so a test can kill -9 it); resolves once it listens. */
export function startGatewayProcess(login: GatewayLogin, opts: { spoolDir: string; port?: number; extraArgs?: string[]; env?: Record<string, string> }): Promise<GatewayProcess> {
  const env = {
    ...process.env,
    PGHOST: String(login.host),
    PGPORT: String(login.port),
    PGDATABASE: String(login.database),
    PGUSER: String(login.user),
    PGPASSWORD: String(login.password),
    MC_LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const args = ['--import', 'tsx', join(root, 'src-main/gateway/inference/cli.ts'), '--port', String(opts.port ?? 0), '--spool-dir', opts.spoolDir, ...(opts.extraArgs ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Gateway listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => err });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`gateway exited (${code}) before listening: ${out}${err}`)));
  });
}

export async function killGateway(p: GatewayProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  await gone;
}
