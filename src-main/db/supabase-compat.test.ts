import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log';
import { sqlDir } from '../core/paths';
import { distroPg15 } from '../testing/pg-servers';
import { missing } from '../testing/require';
import { authenticatorRoleName, ensureAuthenticator, ensureIngestLogin, ingestRoleName } from './authenticator';
import { createMemberLogin, membershipOf } from './member-logins';
import { EmbeddedServer, embeddedBinaries, type ServerBinaries } from './embedded-server';
import { applyMigrations, loadMigrations } from './migrations';
import { clientConfig } from './pg-config';
import { appRoleExpectations, roleConfinementProblems } from './role-confinement';
import { loadDemoSeed } from './seed';

/**
 * On Supabase the migration user ("postgres") is not a superuser: it can create roles and owns
 * what it creates, nothing more. Each case starts a fresh cluster (roles are cluster-wide, so a
 * shared test server would already have them) and runs the whole migration set, the demo seed
 * and the app-login setup as such a user.
 */
const versions: [string, () => Promise<ServerBinaries | null>][] = [
  ['embedded', () => embeddedBinaries()],
  [
    'debian-pg15',
    async () => {
      const b = distroPg15();
      if (!b) missing('Debian PostgreSQL 15', 'apt-get install postgresql-15');
      return b;
    },
  ],
];

describe.each(versions)('as a non-superuser owner (Supabase-like) on %s', (_label, binaries) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('creates the roles itself, applies every migration, loads the demo seed and sets up the app login', async (ctx) => {
    const bins = await binaries();
    if (!bins) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'mc-supa-'));
    chmodSync(dir, 0o711);
    const suPassword = randomBytes(16).toString('base64url');
    const server = new EmbeddedServer({ clusterDir: join(dir, 'pg'), superuser: 'supabase_admin', password: suPassword, log: silentLogger(), binaries: bins });
    const info = await server.start();
    cleanups.push(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const password = randomBytes(16).toString('base64url');
    const su = new pg.Client({ host: info.host, port: info.port, user: 'supabase_admin', password: suPassword, database: 'postgres' });
    await su.connect();
    await su.query(`CREATE ROLE postgres_like LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD '${password}'`);
    await su.query(`CREATE DATABASE app OWNER postgres_like`);
    // Supabase's API roles, and its default privileges: every function the owner creates in public
    // is executable by all three at once.
    for (const r of ['anon', 'authenticated', 'service_role']) await su.query(`CREATE ROLE ${r} NOLOGIN`);
    await su.query(`CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD '${password}'`);
    await su.end();
    const suApp = new pg.Client({ host: info.host, port: info.port, user: 'supabase_admin', password: suPassword, database: 'app' });
    await suApp.connect();
    await suApp.query('ALTER DEFAULT PRIVILEGES FOR ROLE postgres_like IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role');
    await suApp.end();

    const target = { host: info.host, port: info.port, database: 'app', user: 'postgres_like', sslmode: 'disable' as const };
    const owner = new pg.Client(clientConfig(target, password));
    await owner.connect();
    try {
      const me = await owner.query(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`);
      expect(me.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
      const files = loadMigrations(sqlDir());
      expect((await applyMigrations(owner, files)).applied).toHaveLength(files.length);
      expect(await loadDemoSeed(owner, sqlDir())).toBe(true);
      const role = authenticatorRoleName(randomBytes(6).toString('hex'));
      const appPassword = randomBytes(16).toString('base64url');
      await ensureAuthenticator(owner, role, appPassword);

      // The installation's login resolves who someone is, but is given no org by the database.
      const app = new pg.Client(clientConfig({ ...target, user: role }, appPassword));
      await app.connect();
      await app.query('BEGIN');
      await app.query(`SELECT set_config('role', 'mc_app', true), set_config('mc.org_id', '00000000-0000-4000-8000-00000000d3e0', true)`);
      const none = await app.query('SELECT count(*)::int AS n FROM mc.components');
      const who = await app.query(`SELECT * FROM mc.resolve_operator('ada.okafor@demo.umamiedge.test')`);
      await app.query('COMMIT');
      await app.end();
      expect(none.rows[0].n).toBe(0);
      expect(who.rows[0]).toMatchObject({ display_name: 'Ada Okafor', role: 'admin' });

      // A member's own login, made by this owner (CREATEROLE, not superuser): the database gives it Ada's org and role.
      const ada = await createMemberLogin(owner, (await membershipOf(owner, 'ada.okafor@demo.umamiedge.test'))!);
      const member = new pg.Client(clientConfig({ ...target, user: ada.role }, ada.password));
      await member.connect();
      await member.query('BEGIN');
      await member.query(`SELECT set_config('role', 'mc_app', true)`);
      const n = await member.query('SELECT count(*)::int AS n FROM mc.components');
      const whoami = await member.query('SELECT role, display_name FROM mc.whoami()');
      await member.query('COMMIT');
      await member.end();
      expect(n.rows[0].n).toBe(12);
      expect(whoami.rows[0]).toEqual({ role: 'admin', display_name: 'Ada Okafor' });

      // Supabase's default grants are taken back: calling the door is the operator's opt-in.
      const door = 'public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text)';
      const grants = await owner.query(
        `SELECT r AS role, has_function_privilege(r, '${door}', 'EXECUTE') AS can FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r ORDER BY r`,
      );
      expect(grants.rows).toEqual([
        { role: 'anon', can: false },
        { role: 'authenticated', can: false },
        { role: 'service_role', can: false },
      ]);

      // Through PostgREST (session user "authenticator") the source is the address Supabase's proxy
      // appended: the last X-Forwarded-For entry, never one the caller wrote in front of it.
      await owner.query(`GRANT EXECUTE ON FUNCTION ${door} TO authenticator`);
      const rest = new pg.Client(clientConfig({ ...target, user: 'authenticator' }, password));
      await rest.connect();
      try {
        await rest.query('BEGIN');
        await rest.query(`SELECT set_config('request.headers', $1, true)`, [JSON.stringify({ 'x-forwarded-for': '198.51.100.66, 10.0.0.9,  203.0.113.7 ' })]);
        const r = await rest.query('SELECT public.ingest_telemetry($1, gen_random_uuid(), ARRAY[now()], ARRAY[$2], ARRAY[1.0]) AS r', ['not-a-key', 'probe']);
        await rest.query('COMMIT');
        expect(r.rows[0].r).toMatchObject({ status: 'rejected', code: 'key_malformed' });
      } finally {
        await rest.end();
      }
      const seen = new pg.Client({ host: info.host, port: info.port, user: 'supabase_admin', password: suPassword, database: 'app' });
      await seen.connect();
      const sources = await seen.query(`SELECT source FROM mc.ingest_rejections WHERE reason = 'key_malformed'`);
      await seen.end();
      expect(sources.rows).toEqual([{ source: '203.0.113.7' }]);

      // Supabase's anon, as docs/formats.md sets it up: EXECUTE on the public wrapper, nothing else.
      const anonPassword = randomBytes(12).toString('base64url');
      await owner.query(`CREATE ROLE anon_like LOGIN PASSWORD '${anonPassword}'`);
      await owner.query('GRANT EXECUTE ON FUNCTION public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) TO anon_like');
      const anon = new pg.Client(clientConfig({ ...target, user: 'anon_like' }, anonPassword));
      await anon.connect();
      try {
        const r = await anon.query('SELECT public.ingest_telemetry($1, gen_random_uuid(), ARRAY[now()], ARRAY[$2], ARRAY[1.0]) AS r', [`ume_node_${'A'.repeat(38)}`, 'probe']);
        expect(r.rows[0].r).toMatchObject({ status: 'rejected', code: 'key_invalid' });
        const denied = await anon.query('SELECT count(*) FROM mc.telemetry').catch((e: { code?: string }) => e);
        expect((denied as { code?: string }).code).toBe('42501');
      } finally {
        await anon.end();
      }

      // The roles as made are confined; one changed behind the app's back is named, with the fix.
      const ingestLogin = ingestRoleName(randomBytes(6).toString('hex'));
      await ensureIngestLogin(owner, ingestLogin, randomBytes(16).toString('base64url'));
      const expected = appRoleExpectations(role, ingestLogin);
      expect(await roleConfinementProblems(owner, expected)).toEqual([]);
      const admin = new pg.Client({ host: info.host, port: info.port, user: 'supabase_admin', password: suPassword, database: 'postgres' });
      await admin.connect();
      await admin.query('ALTER ROLE mc_app BYPASSRLS');
      await admin.query('ALTER ROLE mc_ingest LOGIN');
      await admin.query('GRANT pg_read_all_data TO mc_definer');
      await admin.query(`GRANT mc_definer TO ${role}`);
      await admin.end();
      expect(await roleConfinementProblems(owner, expected)).toEqual([
        'role mc_app bypasses row-level security (ALTER ROLE mc_app NOBYPASSRLS)',
        'role mc_definer is a member of pg_read_all_data (REVOKE pg_read_all_data FROM mc_definer)',
        'role mc_ingest can log in (ALTER ROLE mc_ingest NOLOGIN)',
        `role ${role} is a member of mc_definer (REVOKE mc_definer FROM ${role})`,
      ]);
    } finally {
      await owner.end();
    }
  });
});
