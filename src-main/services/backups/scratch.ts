import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../../core/log';
import { EmbeddedServer, type ServerBinaries } from '../../db/embedded-server';
import { clientConfig, type PgTarget } from '../../db/pg-config';

/** A throwaway PostgreSQL cluster for a restore drill: its own folder, user and password, removed after. */
export interface ScratchServer {
  target(database: string): PgTarget;
  password: string;
  client(database: string): Promise<pg.Client>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startScratch(log: Logger, binaries?: ServerBinaries): Promise<ScratchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mc-drill-'));
  // Run as root, the server runs as "postgres" and must pass through this folder (not list it);
  // the cluster folder inside is its own, 0700.
  chmodSync(dir, 0o711);
  const password = randomBytes(24).toString('base64url');
  const server = new EmbeddedServer({ clusterDir: join(dir, 'pg'), superuser: 'mc_drill', password, log, ...(binaries ? { binaries } : {}), serverLogFile: join(dir, 'server.log') });
  try {
    const info = await server.start();
    const target = (database: string): PgTarget => ({ host: info.socketDir ?? info.host, port: info.port, database, user: 'mc_drill', sslmode: 'disable' });
    const client = async (database: string) => {
      const c = new pg.Client(clientConfig(target(database), password));
      c.on('error', () => undefined);
      await c.connect();
      return c;
    };
    return {
      target,
      password,
      client,
      async createDatabase(name) {
        const c = await client('postgres');
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
      },
      async stop() {
        await server.stop().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
