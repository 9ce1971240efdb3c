import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createAppCore } from '../src-main/core/app-core';
import { silentLogger } from '../src-main/core/log';
import { EmbeddedServer } from '../src-main/db/embedded-server';
import { tempDataDir } from '../src-main/testing/harness';
import { testVault } from '../src-main/testing/keychain';
import { type Bench, median, result, round, since } from './lib';

const RUNS = 3;

/**
 * First start of the app on an empty data folder (keychain secret, initdb, server start,
 * database creation, every migration, the demo seed, the app role, the session and the live
 * listener) against the floor any embedded PostgreSQL pays: initdb plus a server start until it
 * answers a query. Warm start (an existing cluster) is reported too.
 */
export const coldStart: Bench = {
  name: 'embedded-cold-start-vs-bare-initdb',
  summary: 'app first start on an empty data folder vs bare initdb + server start (ms)',
  async run() {
    const cold: number[] = [];
    const warm: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      {
        const data = tempDataDir('mc-bench-bare-');
        const password = randomBytes(16).toString('base64url');
        const t0 = performance.now();
        const server = new EmbeddedServer({ clusterDir: join(data.dir, 'pg'), superuser: 'mc_owner', password, log: silentLogger() });
        const info = await server.start();
        const c = new pg.Client({ host: info.host, port: info.port, user: 'mc_owner', password, database: 'postgres' });
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
        bare.push(since(t0));
        await server.stop();
        data.remove();
      }
      {
        const data = tempDataDir('mc-bench-cold-');
        const vault = testVault();
        let t0 = performance.now();
        let core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false });
        await core.start();
        if (core.db.state !== 'connected') throw new Error(core.db.message ?? 'not connected');
        cold.push(since(t0));
        await core.close();
        t0 = performance.now();
        core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false });
        await core.start();
        warm.push(since(t0));
        await core.close();
        data.remove();
      }
    }
    return result({
      name: this.name,
      value: round(median(cold), 1),
      unit: 'ms',
      baseline: round(median(bare), 1),
      baselineName: 'bare initdb + postgres start until SELECT 1',
      better: 'lower',
      target: null,
      params: { runs: RUNS, warmStartMs: round(median(warm), 1), coldRunsMs: cold.map((x) => round(x, 1)), bareRunsMs: bare.map((x) => round(x, 1)) },
    });
  },
};
