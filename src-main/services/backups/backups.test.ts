import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src-shared/contract/system';
import { sqlDir } from '../../core/paths';
import { silentLogger } from '../../core/log';
import { loadMigrations } from '../../db/migrations';
import type { Sql } from '../../db';
import { appPool, asApp, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid } from '../../testing/grid';
import { testVault } from '../../testing/keychain';
import { needKeychain } from '../../testing/keychain-gate';
import { appendAudit } from '../audit';
import { anchorAudit, CheckpointStore } from '../audit/anchor';
import type { Recorder } from '../org/recorder';
import { ArchiveError, readArchive } from './archive-read';
import { makeBackup } from './backup';
import { DrillRefused, runRestoreDrill } from './drill';
import { BackupCancelled } from './progress';
import { drillSubject, listBackups, listDrills, recordBackup, recordDrill } from './records';
import { lastBackupStatus } from './status';

const ok = await needKeychain();
const migrations = loadMigrations(sqlDir());

function sessionOf(org: TestOrg, who: 'admin' | 'operator'): Session {
  const p = org[who];
  return { operatorId: p.operatorId!, operatorName: p.name, email: p.email, orgId: org.orgId, orgName: `Org ${org.slug}`, orgSimulated: false, role: who };
}
function recorder(sql: Sql, s: Session): Recorder {
  return { actor: { id: s.operatorId, name: s.operatorName }, audit: (d) => appendAudit(sql, s, d, { reason: null, requestId: null }) };
}

// Backups and restore drills (issue 16) on both servers the app supports: the embedded
// PostgreSQL 18 (no pg_dump that new here: the built-in archive) and Debian's PostgreSQL 15
// (pg_dump -Fc, restored by pg_restore 15 into a scratch PostgreSQL 15 cluster).
describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('backups and restore drills on %s', (_label, server) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let org: TestOrg;
  let admin: Session;
  let folder: string;
  let dataDir: string;
  const vault = testVault();
  const log = silentLogger();
  const expectedFormat = server.versionNum >= 160000 ? 'mc_archive' : 'pg_dump_custom';

  const asAdmin = <T>(fn: (sql: Sql) => Promise<T>) => asApp(pool, org.admin, fn);
  const counts = () => asAdmin(async (sql) => ({ backups: (await listBackups(sql)).length, drills: (await listDrills(sql)).length }));

  beforeAll(async () => {
    db = await migratedDatabase(server);
    pool = await appPool(db);
    org = await createOrg(db, `bk${server.versionNum}`);
    admin = sessionOf(org, 'admin');
    await seedGrid(db, org);
    // A few audit events, then a signed checkpoint of them on this "workstation".
    for (let i = 0; i < 5; i++) await asAdmin((sql) => recorder(sql, admin).audit({ action: 'test.event', target: { type: 'test', id: String(i) }, data: { i, text: 'tab\there, newline\nthere, back\\slash' } }));
    dataDir = mkdtempSync(join(tmpdir(), 'mc-bk-data-'));
    const anchored = await asAdmin((sql) => anchorAudit(sql, org.orgId, { store: new CheckpointStore(dataDir), vault }, true));
    expect(anchored.state).toBe('first');
    folder = mkdtempSync(join(tmpdir(), 'mc-bk-'));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    for (const d of [folder, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  let backupId = '';
  it('backs up the database, records it, and a restore drill finds every row and the signed chain', async () => {
    const phases = new Set<string>();
    const file = await makeBackup({ target: db.target, password: db.password }, folder, { onProgress: (p) => phases.add(p.phase) });
    expect(file.format).toBe(expectedFormat);
    expect(phases.has('tables')).toBe(true);
    expect(statSync(file.path).size).toBe(file.sizeBytes);
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(file.migrationLevel).toBe(migrations.at(-1)!.name);
    const orgs = file.tables.find((t) => t.schema === 'mc' && t.table === 'orgs');
    expect(orgs?.rows).toBeGreaterThanOrEqual(1);
    expect(file.tables.find((t) => t.table === 'audit_events')!.rows).toBeGreaterThanOrEqual(5);
    expect(readdirSync(folder).filter((f) => f.endsWith('.partial'))).toEqual([]);

    const row = await asAdmin((sql) => recordBackup(sql, recorder(sql, admin), file, 'manual'));
    backupId = row.id;
    expect(row.sha256).toBe(file.sha256);

    const result = await runRestoreDrill(drillSubject(row), { orgId: org.orgId, migrations, vault, store: new CheckpointStore(dataDir), log });
    expect(result.scratch).toBe(expectedFormat === 'mc_archive' ? 'embedded' : 'pg15');
    expect(result.tables.length).toBe(file.tables.length);
    for (const t of result.tables) expect(t.restored, `${t.schema}.${t.table}`).toBe(t.expected);
    expect(result.countsOk).toBe(true);
    expect(result.chainOk).toBe(true);
    expect(result.chainMessage).toMatch(/matches signed checkpoint 1 \(\d+ events\)/);
    expect(result.ok).toBe(true);
    expect(result.durationMs).toBeGreaterThan(0);

    const drill = await asAdmin((sql) => recordDrill(sql, recorder(sql, admin), admin, row, result));
    expect(drill.evidenceId).toMatch(/^[0-9a-f-]{36}$/);
    const status = await asAdmin((sql) => lastBackupStatus(sql, org.orgId));
    expect(status).toMatchObject({ lastBackupId: row.id, lastDrillId: drill.id, lastDrillOk: true, lastDrillEvidenceId: drill.evidenceId, backupsKept: 1 });
  });

  it('refuses a backup file altered or truncated after it was recorded, and records nothing', async () => {
    const row = (await asAdmin((sql) => listBackups(sql))).find((b) => b.id === backupId)!;
    const before = await counts();
    const copy = join(folder, `altered-${row.path.split('/').pop()}`);
    copyFileSync(row.path, copy);
    truncateSync(copy, Math.floor(row.sizeBytes / 2));
    const deps = { orgId: org.orgId, migrations, vault, store: new CheckpointStore(dataDir), log };
    await expect(runRestoreDrill({ ...drillSubject(row), path: copy }, deps)).rejects.toThrow(/is not the file that was recorded .*altered or truncated/);
    expect(await counts()).toEqual(before);
  });

  it('refuses to record a backup for anyone but an admin', async () => {
    const row = (await asAdmin((sql) => listBackups(sql))).find((b) => b.id === backupId)!;
    const operator = sessionOf(org, 'operator');
    const file = { ...row, tables: row.tables, formatReason: row.formatReason, path: row.path };
    await expect(asApp(pool, org.operator, (sql) => recordBackup(sql, recorder(sql, operator), file, 'manual'))).rejects.toThrow(/row-level security/);
    expect((await counts()).backups).toBe(1);
  });

  it('refuses a folder given as a relative path, and writes nothing', async () => {
    await expect(makeBackup({ target: db.target, password: db.password }, 'relative/backups')).rejects.toThrow(/full path/);
  });

  it('a cancelled backup leaves no file, partial or whole', async () => {
    const cancelFolder = mkdtempSync(join(tmpdir(), 'mc-bk-cancel-'));
    try {
      const ctl = new AbortController();
      const p = makeBackup({ target: db.target, password: db.password }, cancelFolder, {
        signal: ctl.signal,
        onProgress: (pr) => {
          if (pr.phase === 'tables' && pr.done >= 2) ctl.abort();
        },
      });
      await expect(p).rejects.toBeInstanceOf(BackupCancelled);
      expect(readdirSync(cancelFolder)).toEqual([]);
    } finally {
      rmSync(cancelFolder, { recursive: true, force: true });
    }
  });
});

// The built-in archive's own checks: a file whose bytes were changed inside (recompressed, so gzip
// itself is fine) or cut short is refused by the reader with what is wrong.
describe.skipIf(!ok)('built-in archive reader', () => {
  const server = testServers()[0]!;
  let db: TestDatabase;
  let folder: string;
  let archive = '';
  beforeAll(async () => {
    db = await migratedDatabase(server);
    folder = mkdtempSync(join(tmpdir(), 'mc-bk-arch-'));
    const c = await db.owner();
    try {
      const { writeArchive } = await import('./archive-write');
      archive = join(folder, 'a.mcarchive.gz');
      await writeArchive(c, archive);
    } finally {
      await c.end();
    }
  });
  afterAll(async () => {
    await db?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('reads a whole archive and its table of contents', async () => {
    const r = await readArchive(archive);
    expect(r.header.migrations.at(-1)).toBe(migrations.at(-1)!.name);
    expect(r.read.length).toBe(r.toc.tables.length);
    expect(r.toc.tables.length).toBeGreaterThan(50);
  });

  it('refuses an archive whose data was altered inside', async () => {
    const text = gunzipSync(readFileSync(archive)).toString('utf8');
    // Change one row of a table that has rows (the migrations seed some): its sha256 no longer matches.
    const lines = text.split('\n');
    const i = lines.findIndex((l, k) => k > 2 && !l.startsWith('TABLE ') && l !== '\\.' && !l.startsWith('TOC ') && l.length > 10);
    expect(i).toBeGreaterThan(0);
    lines[i] = `${lines[i]!.slice(0, -1)}X`;
    const altered = join(folder, 'altered.mcarchive.gz');
    writeFileSync(altered, gzipSync(Buffer.from(lines.join('\n'))));
    await expect(readArchive(altered)).rejects.toThrow(/does not match its table of contents .*altered/);
  });

  it('refuses a truncated archive', async () => {
    const cut = join(folder, 'cut.mcarchive.gz');
    copyFileSync(archive, cut);
    truncateSync(cut, Math.floor(statSync(archive).size * 0.6));
    await expect(readArchive(cut)).rejects.toBeInstanceOf(ArchiveError);
    await expect(readArchive(cut)).rejects.toThrow(/truncated/);
  });

  it('refuses a file that is not an archive', async () => {
    const junk = join(folder, 'junk.gz');
    writeFileSync(junk, gzipSync(Buffer.from('hello\n')));
    await expect(readArchive(junk)).rejects.toThrow(/not a Mission Control backup archive/);
  });

  it('a drill of an archive altered inside (recorded with its new sha256) is refused, not passed', async () => {
    const altered = join(folder, 'altered.mcarchive.gz');
    const { hashFile } = await import('./file-hash');
    const h = await hashFile(altered);
    const deps = { orgId: '00000000-0000-4000-8000-000000000000', migrations, vault: testVault(), store: new CheckpointStore(folder), log: silentLogger() };
    const subject = { path: altered, format: 'mc_archive' as const, sha256: h.sha256, sizeBytes: h.size, serverVersion: 'PostgreSQL 18', migrationLevel: migrations.at(-1)!.name, tables: [] };
    await expect(runRestoreDrill(subject, deps)).rejects.toBeInstanceOf(DrillRefused);
  });
});
