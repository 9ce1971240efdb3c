import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { silentLogger } from '../src-main/core/log';
import { sqlDir } from '../src-main/core/paths';
import { ensureGatewayLogin, gatewayRoleName } from '../src-main/db/authenticator';
import { bindLoginOrgs } from '../src-main/db/login-orgs';
import { EmbeddedServer } from '../src-main/db/embedded-server';
import { applyMigrations, loadMigrations } from '../src-main/db/migrations';
import { clientConfig } from '../src-main/db/pg-config';
import { startFakeVllm } from '../src-main/runtimes/fake';
import { generateKey } from '../src-main/services/keys/generate';
import { tempDataDir } from '../src-main/testing/harness';
import { type Bench, median, percentile, result, round } from './lib';

const CLIENTS = 64;
/**
 * How long the fake runtime takes per answer in the headline figure: about what vLLM takes for an
 * 8-token answer from an 8B model (tens of ms to the first token, then ~10 ms a token).
 */
const MODEL_MS = 100;
const SECONDS = 8;
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** 64 clients, each sending its next request when the last was answered, for SECONDS. */
async function load(url: string, headers: Record<string, string>): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'one two three four' }], max_tokens: 8 });
  const lat: number[] = [];
  let errors = 0;
  const one = () =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
      });
      req.on('error', () => resolve(-1));
      req.end(body);
    });
  // Warm-up: connections open, JIT warm, caches filled.
  await Promise.all(Array.from({ length: CLIENTS }, () => one()));
  const until = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const ms = await one();
        if (ms < 0) errors++;
        else lat.push(ms);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rps: lat.length / elapsed, p50: median(lat), p99: percentile(lat, 99), errors };
}

function startGateway(env: NodeJS.ProcessEnv, spoolDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main/gateway/inference/cli.ts'), '--port', '0', '--spool-dir', spoolDir], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Gateway listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited (${code}): ${out}`)));
  });
}

/**
 * Non-streaming chat completions through the gateway (key check, routing decision stored, proxy,
 * metering fsynced to the spool and drained to Postgres) vs the same fake vLLM called directly,
 * same run, 64 concurrent clients.
 */
export const gatewayVsDirect: Bench = {
  name: 'gateway-vs-direct',
  summary: 'non-streaming chat completions through npm run gateway vs the same fake vLLM called directly, 64 concurrent clients (requests/s), the runtime answering in 100 ms; added p50/p99; the same with a runtime answering at once in params',
  async run() {
    const data = tempDataDir('mc-bench-gateway-');
    const spoolDir = mkdtempSync(join(tmpdir(), 'mc-bench-spool-'));
    const password = randomBytes(16).toString('base64url');
    const server = new EmbeddedServer({ clusterDir: join(data.dir, 'pg'), superuser: 'mc_owner', password, log: silentLogger() });
    const info = await server.start();
    const target = { host: info.socketDir ?? info.host, port: info.port, database: 'postgres', user: 'mc_owner', sslmode: 'disable' as const };
    const owner = new pg.Client(clientConfig(target, password));
    const fake = await startFakeVllm({ models: [{ id: MODEL, maxModelLen: 131072 }] }, { tokens: 8 });
    let gw: { child: ChildProcess; url: string } | null = null;
    try {
      await owner.connect();
      await applyMigrations(owner, loadMigrations(sqlDir()));
      const org = randomUUID();
      const key = generateKey('live');
      await owner.query('BEGIN');
      await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org]);
      await owner.query(`INSERT INTO mc.orgs (id, slug, name) VALUES ($1, 'bench', 'Bench')`, [org]);
      const corridor = (await owner.query(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries) VALUES ($1, 'eu', 'EU', 'eu', '{DE}') RETURNING id`, [org])).rows[0].id;
      const site = (await owner.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 's', 'S', 'campus', 'DE', 50, 8, 'o') RETURNING id`, [org, corridor])).rows[0].id;
      const group = (await owner.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'g', 'G') RETURNING id`, [org, site])).rows[0].id;
      const node = (
        await owner.query(
          `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle) VALUES ($1, $2, $3, 'n1', 'vllm', 'H100', 8, 640, 20000, 'active') RETURNING id`,
          [org, site, group],
        )
      ).rows[0].id;
      const runtime = (
        await owner.query(`INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, health, last_probe_at, p95_latency_ms) VALUES ($1, $2, 'r', 'vllm', $3, 'vllm', 'healthy', now(), 50) RETURNING id`, [org, node, fake.url])
      ).rows[0].id;
      await owner.query(`INSERT INTO mc.runtime_models (org_id, runtime_id, model_id, context_length) VALUES ($1, $2, $3, 131072)`, [org, runtime, MODEL]);
      const policy = (await owner.query(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'p', 'P', 99.9, 60000, 15, 'same_corridor') RETURNING id`, [org])).rows[0].id;
      const customer = (await owner.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, sla_policy_id) VALUES ($1, 'c', 'C', 'enterprise', $2, $3) RETURNING id`, [org, corridor, policy])).rows[0].id;
      await owner.query(`INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix) VALUES ($1, $2, 'live', $3, $4)`, [org, customer, key.hash, key.prefix]);
      // The bench measures the proxy path, not the limits: the seed's default org limit (10,000
      // requests a minute) is reached by the at-once run alone, and the headline run then measured
      // 429s whenever both fell in one clock minute (0.23 on 2026-12-07, against 0.83 the day before).
      await owner.query(`INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES ($1, 100000000)`, [org]);
      await owner.query('COMMIT');
      const role = gatewayRoleName(randomBytes(6).toString('hex'));
      const gwPassword = randomBytes(18).toString('base64url');
      await ensureGatewayLogin(owner, role, gwPassword);
      await bindLoginOrgs(owner, role, 'gateway', [org]);
      gw = await startGateway({ ...process.env, PGHOST: String(target.host), PGPORT: String(target.port), PGDATABASE: 'postgres', PGUSER: role, PGPASSWORD: gwPassword, MC_LOG_LEVEL: 'silent' }, spoolDir);
      // A runtime answering at once measures the proxy's own ceiling on these two shared cores; one
      // that takes as long as a small model's 8-token answer (MODEL_MS) is what the gateway fronts.
      const rawDirect = await load(`${fake.url}/v1/chat/completions`, {});
      const rawThrough = await load(`${gw.url}/v1/chat/completions`, { authorization: `Bearer ${key.secret}` });
      fake.state.latencyMs = MODEL_MS;
      const direct = await load(`${fake.url}/v1/chat/completions`, {});
      const through = await load(`${gw.url}/v1/chat/completions`, { authorization: `Bearer ${key.secret}` });
      // A figure made of refusals measures nothing: say so instead of printing it.
      for (const [what, r] of [['at once', rawThrough], ['headline', through]] as const) {
        if (r.errors > 0.01 * (r.rps * SECONDS)) throw new Error(`the gateway answered ${r.errors} requests of the ${what} run with an error (limits or a fault): fix the set-up, the ratio would measure refusals`);
      }
      const metered = (await owner.query(`SELECT count(*)::int AS n FROM mc.usage_events`)).rows[0].n;
      return result({
        name: 'gateway-vs-direct',
        value: round(through.rps, 1),
        unit: 'requests/s',
        baseline: round(direct.rps, 1),
        baselineName: `the same fake vLLM called directly (answering in ${MODEL_MS} ms, like a small model's 8-token answer)`,
        better: 'higher',
        target: 0.7,
        params: {
          clients: CLIENTS,
          seconds: SECONDS,
          gatewayP50Ms: round(through.p50),
          gatewayP99Ms: round(through.p99),
          directP50Ms: round(direct.p50),
          directP99Ms: round(direct.p99),
          addedP50Ms: round(through.p50 - direct.p50),
          addedP99Ms: round(through.p99 - direct.p99),
          runtimeMs: MODEL_MS,
          instantRuntimeGatewayRps: round(rawThrough.rps, 1),
          instantRuntimeDirectRps: round(rawDirect.rps, 1),
          instantRuntimeRatio: round(rawThrough.rps / rawDirect.rps, 3),
          instantRuntimeAddedP50Ms: round(rawThrough.p50 - rawDirect.p50),
          instantRuntimeAddedP99Ms: round(rawThrough.p99 - rawDirect.p99),
          gatewayErrors: through.errors + rawThrough.errors,
          directErrors: direct.errors + rawDirect.errors,
          meteredSoFar: metered,
          published: 'LiteLLM: 2–12 ms median overhead; Bifrost: 11 µs (their own benchmarks, other hardware)',
          path: 'key check + routing decision stored + proxy + metering fsynced per batch; one 2-core machine runs Postgres, the gateway, the fake and the clients',
        },
      });
    } finally {
      if (gw) {
        const gone = new Promise((r) => gw!.child.once('exit', r));
        gw.child.kill('SIGTERM');
        await gone;
      }
      await fake.close();
      await owner.end().catch(() => undefined);
      await server.stop();
      data.remove();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  },
};
