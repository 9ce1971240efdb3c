import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { sqlDir } from '../core/paths';
import { authenticatorRoleName, ensureAuthenticator } from '../db/authenticator';
import { createMemberLogin, type MemberLogin, membershipOf } from '../db/member-logins';
import { applyMigrations, loadMigrations } from '../db/migrations';
import { withOrgTx, type TxScope } from '../db/org-tx';
import type { PgTarget } from '../db/pg-config';
import { clientConfig } from '../db/pg-config';
import type { Sql } from '../db/sql';
import type { TestServer } from './pg-servers';

export function testServers(): TestServer[] {
  return inject('pgServers');
}

export interface TestDatabase {
  server: TestServer;
  target: PgTarget;
  password: string;
  /** A new superuser client on this database; the caller ends it. */
  owner(): Promise<pg.Client>;
  drop(): Promise<void>;
}

export async function createDatabase(server: TestServer, prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target: PgTarget = { host: server.host, port: server.port, database: name, user: server.user, sslmode: 'disable' };
  const owner = async () => {
    const c = new pg.Client(clientConfig(target, server.password));
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  return {
    server,
    target,
    password: server.password,
    owner,
    async drop() {
      const a = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function migratedDatabase(server: TestServer): Promise<TestDatabase> {
  const db = await createDatabase(server);
  const c = await db.owner();
  try {
    await applyMigrations(c, loadMigrations(sqlDir()));
  } finally {
    await c.end();
  }
  return db;
}

/** Pools of member logins made for asApp, by the authenticator pool they were asked through. */
const memberPools = new WeakMap<pg.Pool, { db: TestDatabase; byMember: Map<string, Promise<pg.Pool | null>> }>();

/**
 * The app's own way in: a per-installation authenticator role, every transaction as mc_app. The
 * database gives that role no org at all (sql/0017); asApp acts through the member's own login.
 */
export async function appPool(db: TestDatabase): Promise<pg.Pool> {
  const role = authenticatorRoleName(randomBytes(6).toString('hex'));
  const password = randomBytes(18).toString('base64url');
  const c = await db.owner();
  try {
    await ensureAuthenticator(c, role, password);
  } finally {
    await c.end();
  }
  const pool = new pg.Pool({ ...clientConfig({ ...db.target, user: role }, password), max: 4 });
  pool.on('error', () => undefined);
  const members = { db, byMember: new Map<string, Promise<pg.Pool | null>>() };
  memberPools.set(pool, members);
  const end = pool.end.bind(pool) as () => Promise<void>;
  // Ending the app pool ends the member pools made through it.
  Object.assign(pool, {
    end: async () => {
      for (const p of members.byMember.values()) await (await p)?.end().catch(() => undefined);
      return end();
    },
  });
  return pool;
}

/** A new login for the member with this e-mail (made as the owner, as sign-in does); null when there is no such member. */
export async function memberLoginFor(db: TestDatabase, email: string): Promise<MemberLogin | null> {
  const c = await db.owner();
  try {
    // Not migrated yet: nobody is a member of anything.
    const ready = await c.query<{ f: string | null }>(`SELECT to_regprocedure('mc.resolve_operator(text)')::text AS f`);
    if (!ready.rows[0]?.f) return null;
    const m = await membershipOf(c, email);
    return m ? await createMemberLogin(c, m) : null;
  } finally {
    await c.end();
  }
}

async function memberPool(db: TestDatabase, orgId: string, operatorId: string): Promise<pg.Pool | null> {
  const c = await db.owner();
  let login: MemberLogin;
  try {
    const member = await c
      .query<{ email: string }>('SELECT o.email FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id WHERE m.org_id = $1 AND m.operator_id = $2', [orgId, operatorId])
      .catch(() => ({ rows: [] as { email: string }[] }));
    const email = member.rows[0]?.email;
    if (!email) return null;
    login = await createMemberLogin(c, { orgId, operatorId, email });
  } finally {
    await c.end();
  }
  const pool = new pg.Pool({ ...clientConfig({ ...db.target, user: login.role }, login.password), max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

export interface TestOrg {
  orgId: string;
  slug: string;
  admin: TxScope & { email: string; name: string };
  operator: TxScope & { email: string; name: string };
  auditor: TxScope & { email: string; name: string };
  commander: TxScope & { email: string; name: string };
}

/** An org with one admin, operator, auditor and incident commander, written by the owner as the seed does. */
export async function createOrg(db: TestDatabase, slug: string): Promise<TestOrg> {
  const orgId = randomUUID();
  const people = (['admin', 'operator', 'auditor', 'incident_commander'] as const).map((role) => ({
    role,
    id: randomUUID(),
    email: `${role}.${slug}@example.test`,
    name: `${role} of ${slug}`,
  }));
  const c = await db.owner();
  try {
    await c.query('BEGIN');
    await c.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [orgId]);
    await c.query('INSERT INTO mc.orgs (id, slug, name) VALUES ($1, $2, $3)', [orgId, slug, `Org ${slug}`]);
    for (const p of people) {
      await c.query('INSERT INTO mc.operators (id, email, display_name) VALUES ($1, $2, $3)', [p.id, p.email, p.name]);
      await c.query('INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, $3)', [orgId, p.id, p.role]);
    }
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
  const scope = (p: (typeof people)[number]) => ({ orgId, operatorId: p.id, role: p.role, email: p.email, name: p.name });
  return { orgId, slug, admin: scope(people[0]!), operator: scope(people[1]!), auditor: scope(people[2]!), commander: scope(people[3]!) };
}

/**
 * Run fn as the app acting for scope's member: through that member's own login, which is what
 * decides the org, operator and role in the database (scope is still set, and ignored there). A
 * scope that is no membership runs through the authenticator, which the database gives no org.
 */
export async function asApp<T>(pool: pg.Pool, scope: TxScope, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const members = memberPools.get(pool);
  if (!members || !scope.orgId || !scope.operatorId) return withOrgTx(pool, scope, fn);
  const key = `${scope.orgId}:${scope.operatorId}`;
  let p = members.byMember.get(key);
  if (!p) {
    p = memberPool(members.db, scope.orgId, scope.operatorId);
    members.byMember.set(key, p);
  }
  return withOrgTx((await p) ?? pool, scope, fn);
}

/** Run fn as the superuser with an org selected (to set up rows the way the seed does). */
export async function asOwner<T>(db: TestDatabase, orgId: string | null, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await db.owner();
  try {
    await c.query('BEGIN');
    if (orgId) await c.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [orgId]);
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await c.end();
  }
}

/** Components for an org, written as the seed writes them; returns their ids in the given order. */
export async function seedComponents(db: TestDatabase, orgId: string, rows: { key: string; name: string; kind: string; sort?: number }[]): Promise<string[]> {
  return asOwner(db, orgId, async (c) => {
    const ids: string[] = [];
    for (const [i, r] of rows.entries()) {
      const res = await c.query<{ id: string }>('INSERT INTO mc.components (org_id, key, name, kind, sort_order) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
        orgId,
        r.key,
        r.name,
        r.kind,
        r.sort ?? i,
      ]);
      ids.push(res.rows[0]!.id);
    }
    return ids;
  });
}
