import { readFileSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import pg from 'pg';

export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** Everything needed to reach one server as one user. The password is passed in, never stored here. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: SslMode;
  sslRootCert?: string | null;
}

export function describeTarget(t: Pick<PgTarget, 'host' | 'port' | 'database' | 'user'>): string {
  return `${t.user}@${t.host}:${t.port}/${t.database}`;
}

function sslOption(t: PgTarget): ClientConfig['ssl'] {
  const ca = t.sslRootCert ? readFileSync(t.sslRootCert, 'utf8') : undefined;
  switch (t.sslmode) {
    case 'disable':
      return false;
    case 'require':
      // libpq's "require": encrypted, certificate not checked.
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  }
}

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const INT8 = 20;

/** UTC ISO strings on the wire (DESIGN: "UTC on the wire"), bigint counters as numbers. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ || oid === TIMESTAMP) return (v: string) => new Date(oid === TIMESTAMP ? `${v}Z` : v).toISOString();
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as ClientConfig['types'];

export function clientConfig(t: PgTarget, password: string, extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    host: t.host,
    port: t.port,
    database: t.database,
    user: t.user,
    password,
    ssl: sslOption(t),
    types,
    connectionTimeoutMillis: 8000,
    // Notice a dead peer (half-open TCP after a network cut) instead of waiting forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'umamiedge-mission-control',
    ...extra,
  };
}
