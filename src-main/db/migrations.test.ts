import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sqlDir } from '../core/paths';
import { createDatabase, type TestDatabase, testServers } from '../testing/db';
import { applyMigrations, checksumOf, loadMigrations, MigrationError, migrationState, type MigrationFile, TIMEOUT_PREAMBLE } from './migrations';

function files(...defs: [string, string][]): MigrationFile[] {
  return defs.map(([name, sql]) => ({ name, sql, checksum: checksumOf(sql) }));
}

const base = files(['0001_a.sql', 'CREATE TABLE a (id int PRIMARY KEY);'], ['0002_b.sql', 'CREATE TABLE b (id int PRIMARY KEY REFERENCES a);']);

describe.each(testServers().map((s) => [s.label, s] as const))('migration runner on %s', (_label, server) => {
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createDatabase(server, 'mig');
    dbs.push(db);
    return db;
  };
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop();
  });

  it('applies every file from an empty database, in order, and records each with its checksum', async () => {
    const db = await fresh();
    const c = await db.owner();
    const r = await applyMigrations(c, base);
    expect(r.applied).toEqual(['0001_a.sql', '0002_b.sql']);
    const ledger = await c.query('SELECT name, checksum FROM mc_meta.migrations ORDER BY name');
    expect(ledger.rows).toEqual(base.map((f) => ({ name: f.name, checksum: f.checksum })));
    await c.end();
  });

  it('applies the real sql/ folder from empty on this server version', async () => {
    const db = await fresh();
    const c = await db.owner();
    const real = loadMigrations(sqlDir());
    const r = await applyMigrations(c, real);
    expect(r.applied).toEqual(real.map((f) => f.name));
    expect(await migrationState(c, real)).toEqual({ applied: real.length, total: real.length, pending: [], drift: [] });
    await c.end();
  });

  it('is a no-op when run again', async () => {
    const db = await fresh();
    const c = await db.owner();
    await applyMigrations(c, base);
    const before = await c.query('SELECT name, applied_at FROM mc_meta.migrations ORDER BY name');
    const again = await applyMigrations(c, base);
    expect(again).toEqual({ applied: [], skipped: 2 });
    const after = await c.query('SELECT name, applied_at FROM mc_meta.migrations ORDER BY name');
    expect(after.rows).toEqual(before.rows);
    await c.end();
  });

  it('applies only what is new', async () => {
    const db = await fresh();
    const c = await db.owner();
    await applyMigrations(c, base.slice(0, 1));
    expect((await applyMigrations(c, base)).applied).toEqual(['0002_b.sql']);
    await c.end();
  });

  it('refuses an applied file whose text changed, naming it, and applies nothing else', async () => {
    const db = await fresh();
    const c = await db.owner();
    await applyMigrations(c, base.slice(0, 1));
    const changed = files(['0001_a.sql', 'CREATE TABLE a (id int PRIMARY KEY, extra text);'], ['0002_b.sql', base[1]!.sql]);
    const err = await applyMigrations(c, changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).message).toMatch(/0001_a\.sql was changed after it was applied/);
    expect((err as MigrationError).file).toBe('0001_a.sql');
    const tables = await c.query(`SELECT to_regclass('b') AS b`);
    expect(tables.rows[0].b).toBeNull();
    expect((await migrationState(c, changed)).drift).toEqual(['0001_a.sql']);
    await c.end();
  });

  it('treats a CRLF checkout of the same file as unchanged', async () => {
    const db = await fresh();
    const c = await db.owner();
    await applyMigrations(c, files(['0001_a.sql', 'CREATE TABLE a (id int);\nCREATE TABLE z (id int);\n']));
    const crlf = files(['0001_a.sql', 'CREATE TABLE a (id int);\r\nCREATE TABLE z (id int);\r\n']);
    await expect(applyMigrations(c, crlf)).resolves.toEqual({ applied: [], skipped: 1 });
    await c.end();
  });

  it('rolls a failing file back completely and says where it failed', async () => {
    const db = await fresh();
    const c = await db.owner();
    const bad = files(['0001_a.sql', base[0]!.sql], ['0002_bad.sql', 'CREATE TABLE partial (id int);\nINSERT INTO partial VALUES (1);\nSELECT * FROM no_such_table;']);
    const err = await applyMigrations(c, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/0002_bad\.sql failed at line 3: relation "no_such_table" does not exist/);
    expect((err as Error).message).toMatch(/Nothing of it was applied/);
    const t = await c.query(`SELECT to_regclass('partial') AS p, to_regclass('a') AS a`);
    expect(t.rows[0]).toEqual({ p: null, a: 'a' });
    const ledger = await c.query('SELECT name FROM mc_meta.migrations');
    expect(ledger.rows.map((r) => r.name)).toEqual(['0001_a.sql']);
    await c.end();
  });

  it('refuses a database migrated by a newer build (unknown ledger entries)', async () => {
    const db = await fresh();
    const c = await db.owner();
    await applyMigrations(c, base);
    await expect(applyMigrations(c, base.slice(0, 1))).rejects.toThrow(/does not know \(0002_b\.sql\).*newer Mission Control/);
    await c.end();
  });

  /** Until runner's session holds the migration lock (seen from observer), so the race is real. */
  async function holdsMigrationLock(observer: pg.ClientBase, runner: pg.ClientBase): Promise<void> {
    const pid = (runner as unknown as { processID: number }).processID;
    await expect
      .poll(async () => (await observer.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1`, [pid])).rows[0].n, {
        timeout: 10_000,
      })
      .toBe(1);
  }

  it('makes a second concurrent runner wait, then find nothing left to do', async () => {
    const db = await fresh();
    const slow = files(['0001_slow.sql', 'SELECT pg_sleep(1.5); CREATE TABLE slow (id int);']);
    const a = await db.owner();
    const b = await db.owner();
    const first = applyMigrations(a, slow);
    await holdsMigrationLock(b, a);
    const [ra, rb] = await Promise.all([first, applyMigrations(b, slow, { lockWaitMs: 10_000 })]);
    expect(ra.applied).toEqual(['0001_slow.sql']);
    expect(rb).toEqual({ applied: [], skipped: 1 });
    await a.end();
    await b.end();
  });

  it('makes a second runner fail cleanly when the first holds the lock too long', async () => {
    const db = await fresh();
    const slow = files(['0001_slow.sql', 'SELECT pg_sleep(2); CREATE TABLE slow (id int);']);
    const a = await db.owner();
    const b = await db.owner();
    const first = applyMigrations(a, slow);
    await holdsMigrationLock(b, a);
    await expect(applyMigrations(b, slow, { lockWaitMs: 300 })).rejects.toThrow(/Another migration runner is applying migrations to this database \(server process \d+\)/);
    await first;
    expect((await b.query('SELECT count(*)::int AS n FROM mc_meta.migrations')).rows[0].n).toBe(1);
    await a.end();
    await b.end();
  });

  it('stops a statement that runs past statement_timeout and rolls back', async () => {
    const db = await fresh();
    const c = await db.owner();
    const err = await applyMigrations(c, files(['0001_long.sql', 'CREATE TABLE t (id int); SELECT pg_sleep(5);']), { statementTimeout: '300ms' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/0001_long\.sql failed.*statement timeout.*57014/);
    expect((await c.query(`SELECT to_regclass('t') AS t`)).rows[0].t).toBeNull();
    await c.end();
  });
  it('a database migrated before the files had their timeout preamble opens as it was: nothing pending, no drift', async () => {
    const db = await fresh();
    const c = await db.owner();
    const shipped = loadMigrations(sqlDir());
    // The files as they were (no preamble), recorded as the earlier runner did: sha256 of the whole text.
    const before = shipped.map((f) => {
      const sql = f.sql.replace(TIMEOUT_PREAMBLE, '');
      return { name: f.name, sql, checksum: createHash('sha256').update(sql, 'utf8').digest('hex') };
    });
    expect(before.filter((f) => f.name <= '0014').every((f, i) => f.sql !== shipped[i]!.sql)).toBe(true);
    await applyMigrations(c, before);
    const again = await applyMigrations(c, shipped);
    expect(again.applied).toEqual([]);
    expect(await migrationState(c, shipped)).toMatchObject({ pending: [], drift: [] });
    await c.end();
  }, 120_000);

  it('runs a file under its own timeouts, not the preamble’s (which is for hand application)', async () => {
    const db = await fresh();
    const c = await db.owner();
    const err = await applyMigrations(c, files(['0001_long.sql', `${PREAMBLE_TEXT}CREATE TABLE t (id int);\nSELECT pg_sleep(5);`]), { statementTimeout: '300ms' }).catch((e: unknown) => e);
    // The failing statement is still named by its line in the file as written.
    expect((err as Error).message).toMatch(/0001_long\.sql failed.*statement timeout.*57014/);
    expect((await c.query(`SELECT to_regclass('t') AS t`)).rows[0].t).toBeNull();
    const bad = await applyMigrations(c, files(['0001_bad.sql', `${PREAMBLE_TEXT}CREATE TABLE u (id int);\nSELECT * FROM no_such_table;`])).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/0001_bad\.sql failed at line 4: relation "no_such_table" does not exist/);
    await c.end();
  });
});

const PREAMBLE_TEXT = "SET lock_timeout = '5s'; SET statement_timeout = '60s';\n\n";

describe('migration files', () => {
  it('each shipped migration opens with its own timeouts, so it is safe to apply by hand', () => {
    for (const f of loadMigrations(sqlDir())) expect(TIMEOUT_PREAMBLE.test(f.sql), f.name).toBe(true);
  });

  it('the timeout preamble is not part of the checksum; everything after it is', () => {
    const body = 'CREATE TABLE a (id int);\n';
    expect(checksumOf(PREAMBLE_TEXT + body)).toBe(checksumOf(body));
    expect(checksumOf(`SET lock_timeout = '2s'; SET statement_timeout = '30s';\n${body}`)).toBe(checksumOf(body));
    expect(checksumOf(PREAMBLE_TEXT + body.replace('int', 'bigint'))).not.toBe(checksumOf(body));
    // Only as the file's first line: the same text further down is ordinary SQL.
    expect(checksumOf(`${body}${PREAMBLE_TEXT}`)).not.toBe(checksumOf(body));
  });

  it('a data fix on a table under forced RLS reaches its rows: RLS lifted around it, or an org named first', () => {
    // The migration user is subject to forced RLS too, and names no org, so a bare UPDATE or DELETE
    // on such a table silently touches nothing (0031's proof back-fill once did exactly that).
    const forced = new Set<string>();
    const unscoped: string[] = [];
    for (const f of loadMigrations(sqlDir())) {
      const body = f.sql.replace(/\$\$[\s\S]*?\$\$/g, '').replace(/--[^\n]*/g, '');
      for (const m of body.matchAll(/ALTER TABLE (mc\.\w+) FORCE ROW LEVEL SECURITY/g)) forced.add(m[1]!);
      for (const m of body.matchAll(/\b(?:UPDATE|DELETE FROM)\s+(mc\.\w+)/g)) {
        const table = m[1]!;
        if (!forced.has(table)) continue;
        const before = body.slice(0, m.index);
        const lifted = before.includes(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`) && body.slice(m.index).includes(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
        const orgNamed = /set_config\('mc\.org_id', '[0-9a-f-]{36}'/.test(before);
        if (!lifted && !orgNamed) unscoped.push(`${f.name}: ${table}`);
      }
    }
    expect(unscoped).toEqual([]);
  });

  it('a function handed to mc_definer after 0014 is handed over while mc_definer may create in mc', () => {
    // ALTER ... OWNER asks CREATE on the schema of the new owner. A superuser skips that check, so
    // only a non-superuser owner (Supabase) hits it: 0029 once failed there and nowhere else.
    const outside: string[] = [];
    for (const f of loadMigrations(sqlDir())) {
      if (f.name < '0014') continue;
      const body = f.sql.replace(/\$\$[\s\S]*?\$\$/g, '').replace(/--[^\n]*/g, '');
      for (const m of body.matchAll(/ALTER FUNCTION (\S+?)\(.*?OWNER TO mc_definer/g)) {
        const grant = body.lastIndexOf('GRANT CREATE ON SCHEMA mc TO mc_definer', m.index);
        const revoke = body.lastIndexOf('REVOKE CREATE ON SCHEMA mc FROM mc_definer', m.index);
        const revokedAfter = body.indexOf('REVOKE CREATE ON SCHEMA mc FROM mc_definer', m.index);
        if (grant < 0 || revoke > grant || revokedAfter < 0) outside.push(`${f.name}: ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'mc-migfiles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses names that do not follow NNNN_lower_snake.sql', () => {
    const d = mkdtempSync(join(dir, 'a'));
    writeFileSync(join(d, '0001_Good-Name.sql'), 'SELECT 1;');
    expect(() => loadMigrations(d)).toThrow(/must look like NNNN_lower_snake\.sql/);
  });

  it('refuses two files with the same number', () => {
    const d = mkdtempSync(join(dir, 'b'));
    writeFileSync(join(d, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(d, '0001_b.sql'), 'SELECT 1;');
    expect(() => loadMigrations(d)).toThrow(/share the number 0001/);
  });

  it('loads the shipped sql/ folder in order, ignoring the seed', () => {
    const names = loadMigrations(sqlDir()).map((f) => f.name);
    expect(names[0]).toBe('0001_roles_and_tenancy.sql');
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain('seed-demo.sql');
  });
});
