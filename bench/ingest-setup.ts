import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { silentLogger } from '../src-main/core/log';
import { sqlDir } from '../src-main/core/paths';
import { ensureIngestLogin, ingestRoleName } from '../src-main/db/authenticator';
import { bindLoginOrgs } from '../src-main/db/login-orgs';
import { EmbeddedServer } from '../src-main/db/embedded-server';
import { applyMigrations, loadMigrations } from '../src-main/db/migrations';
import { clientConfig, type PgTarget } from '../src-main/db/pg-config';
import { generateNodeKey } from '../src-main/services/keys';
import { tempDataDir } from '../src-main/testing/harness';

/** A row as raw COPY writes it (the baseline of the ingest benchmarks). */
export interface CopyRow {
  node: number;
  ts: string;
  metricId: number;
  value: number;
}

export interface IngestBenchDb {
  owner: pg.Client;
  target: PgTarget;
  org: string;
  nodeIds: string[];
  keys: string[];
  /** Connection settings of a node agent's login (a member of mc_ingest). */
  ingest: pg.ClientConfig & { user: string; password: string };
  /** COPY the rows into mc.telemetry over `connections` connections; returns samples/s. */
  copy(rows: CopyRow[], connections: number): Promise<number>;
  /** Remove what a round wrote (the last hour), never older history a benchmark loaded. */
  clean(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An embedded server, migrated, with one org of `nodes` active nodes and a key for each, and an
 * ingest login: what both ingest benchmarks stand on.
 */
export async function ingestBenchDb(nodes: number): Promise<IngestBenchDb> {
  const data = tempDataDir('mc-bench-ingest-');
  const password = randomBytes(16).toString('base64url');
  const server = new EmbeddedServer({ clusterDir: join(data.dir, 'pg'), superuser: 'mc_owner', password, log: silentLogger() });
  const info = await server.start();
  const target = { host: info.socketDir ?? info.host, port: info.port, database: 'postgres', user: 'mc_owner', sslmode: 'disable' as const };
  const owner = new pg.Client(clientConfig(target, password));
  await owner.connect();
  await applyMigrations(owner, loadMigrations(sqlDir()));
  const org = randomUUID();
  await owner.query('BEGIN');
  await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org]);
  await owner.query(`INSERT INTO mc.orgs (id, slug, name) VALUES ($1, 'bench', 'Bench')`, [org]);
  const corridor = (await owner.query(`INSERT INTO mc.corridors (org_id, key, name, region) VALUES ($1, 'c', 'C', 'custom') RETURNING id`, [org])).rows[0].id;
  const site = (await owner.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 's', 'S', 'campus', 'DE', 1, 1, 'o') RETURNING id`, [org, corridor])).rows[0].id;
  const group = (await owner.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'g', 'G') RETURNING id`, [org, site])).rows[0].id;
  const nodeIds = (
    await owner.query<{ id: string }>(
      `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
       SELECT $1, $2, $3, 'n' || i, 'vllm', 'H100', 8, 640, 1000, 'active' FROM generate_series(0, $4 - 1) i ORDER BY i RETURNING id`,
      [org, site, group, nodes],
    )
  ).rows.map((r) => r.id);
  const generated = nodeIds.map(() => generateNodeKey());
  await owner.query(`INSERT INTO mc.node_keys (org_id, node_id, key_hash, prefix) SELECT $1, n, h, p FROM unnest($2::uuid[], $3::bytea[], $4::text[]) AS u(n, h, p)`, [
    org,
    nodeIds,
    generated.map((k) => k.hash),
    generated.map((k) => k.prefix),
  ]);
  await owner.query('COMMIT');
  const ingestPassword = randomBytes(16).toString('base64url');
  const role = ingestRoleName('be0c01');
  await ensureIngestLogin(owner, role, ingestPassword);
  await bindLoginOrgs(owner, role, 'ingest', [org]);
  const copyPool = new pg.Pool({ ...clientConfig(target, password), max: 4 });
  // The server stops at the end with connections still open: that is expected, not a crash.
  copyPool.on('error', () => undefined);
  return {
    owner,
    target,
    org,
    nodeIds,
    keys: generated.map((k) => k.secret),
    ingest: { ...clientConfig({ ...target, user: role }, ingestPassword), user: role, password: ingestPassword },
    async copy(rows, connections) {
      const buffers = Array.from({ length: connections }, (_, c) =>
        Buffer.from(
          rows
            .filter((_, i) => i % connections === c)
            .map((r) => `${org}\t${nodeIds[r.node]}\t${r.ts}\t${r.metricId}\t${r.value}\n`)
            .join(''),
        ),
      );
      const t0 = performance.now();
      await Promise.all(
        buffers.map(async (buf) => {
          const client = await copyPool.connect();
          try {
            await pipeline(Readable.from([buf]), client.query(copyFrom('COPY mc.telemetry (org_id, node_id, ts, metric, value) FROM STDIN')));
          } finally {
            client.release();
          }
        }),
      );
      return rows.length / ((performance.now() - t0) / 1000);
    },
    async clean() {
      await owner.query(`SET session_replication_role = replica`);
      await owner.query(`DELETE FROM mc.telemetry WHERE ts > now() - interval '1 hour'`);
      await owner.query(`DELETE FROM mc.telemetry_rollups_1m WHERE minute > now() - interval '1 hour'`);
      await owner.query(`DELETE FROM mc.ingest_batches WHERE received_at > now() - interval '1 hour'`);
      await owner.query(`TRUNCATE mc.node_latest`);
      await owner.query(`SET session_replication_role = origin`);
      await owner.query(`VACUUM mc.telemetry, mc.telemetry_rollups_1m, mc.ingest_batches`);
    },
    async close() {
      await copyPool.end().catch(() => undefined);
      await owner.end().catch(() => undefined);
      await server.stop();
      data.remove();
    },
  };
}
