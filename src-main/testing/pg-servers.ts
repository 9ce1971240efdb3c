import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A running PostgreSQL server the tests may use, with its superuser. */
export interface TestServer {
  label: string;
  host: string;
  port: number;
  user: string;
  password: string;
  versionNum: number;
}

/** Debian's PostgreSQL 15 (package postgresql-15): the oldest server version we promise. */
export const DISTRO_PG15_BIN = process.env.MC_PG15_BIN ?? '/usr/lib/postgresql/15/bin';

export function distroPg15(): { postgres: string; initdb: string; pg_ctl: string } | null {
  const b = { postgres: join(DISTRO_PG15_BIN, 'postgres'), initdb: join(DISTRO_PG15_BIN, 'initdb'), pg_ctl: join(DISTRO_PG15_BIN, 'pg_ctl') };
  return existsSync(b.postgres) && existsSync(b.initdb) ? b : null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgServers: TestServer[];
    pgServersMissing: string[];
  }
}
