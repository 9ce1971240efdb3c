import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Run = Response<'checklists.get'>;

// The Backups view's channels end to end through the router, on the embedded server: a backup
// and a drill by an admin, the weekly "Test backup restore" item answered from that drill, and
// refusals that change nothing.
describe.skipIf(!ok)('backups through the contract', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let operator: Core;
  let folder: string;

  const weeklyItem = async () => {
    const started = await call<Response<'checklists.start'>>(admin, 'checklists.start', { templateKey: 'weekly' }).catch(async () => null);
    const list = await call<Response<'checklists.list'>>(admin, 'checklists.list', {});
    const runId = started?.run.id ?? list.current.weekly!;
    const run = await call<Run>(admin, 'checklists.get', { runId });
    return run.items.find((i) => i.key === 'backup_restore')!;
  };
  const overview = () => call<Response<'backups.overview'>>(admin, 'backups.overview', {});

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'bkc');
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    folder = mkdtempSync(join(tmpdir(), 'mc-bkc-'));
  });
  afterAll(async () => {
    for (const c of [admin, operator]) await c?.cleanup();
    await db?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('starts empty, and the weekly item says to back up and drill', async () => {
    const o = await overview();
    expect(o.backups).toEqual([]);
    expect(o.status.lastBackupAt).toBeNull();
    const item = await weeklyItem();
    expect(item.check).toBe('backup_restore_tested');
    expect(item.live).toMatchObject({ ok: false });
    expect(item.live!.summary).toMatch(/No backup and no restore drill yet/);
  });

  it('refuses a backup by a non-admin, a relative folder, and an unknown backup, recording nothing', async () => {
    expect((await refused(operator, 'backups.run', { jobId: randomUUID(), folder })).code).toBe('FORBIDDEN');
    const bad = await refused(admin, 'backups.run', { jobId: randomUUID(), folder: 'not/absolute' });
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toMatch(/full path/);
    expect((await refused(admin, 'backups.drill', { jobId: randomUUID(), backupId: randomUUID() })).code).toBe('NOT_FOUND');
    // A restore over the live database is for the embedded database only: this profile is remote.
    const remote = await refused(admin, 'backups.restore', { jobId: randomUUID(), backupId: randomUUID(), confirm: 'RESTORE' });
    expect(remote.code).toBe('VALIDATION');
    expect(remote.message).toMatch(/embedded database only/);
    expect(admin.db.maintenance).toBeNull();
    expect((await overview()).backups).toEqual([]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('backs up, drills, and answers the weekly item from the drill with its evidence', async () => {
    const jobId = randomUUID();
    const backup = await call<Response<'backups.run'>>(admin, 'backups.run', { jobId, folder, reason: 'weekly test' });
    expect(backup.format).toBe('mc_archive');
    expect(existsSync(backup.path)).toBe(true);
    const progress = await call<Response<'backups.progress'>>(admin, 'backups.progress', { jobId });
    expect(progress).toMatchObject({ running: false, error: null });
    expect(progress.backup?.id).toBe(backup.id);

    const drill = await call<Response<'backups.drill'>>(admin, 'backups.drill', { jobId: randomUUID(), backupId: backup.id });
    expect(drill.ok).toBe(true);
    expect(drill.tables.every((t) => t.expected === t.restored)).toBe(true);
    // No checkpoint had been signed on this workstation: the backup signed one first, so the
    // drill checked the restored history against it, not only against itself.
    expect(drill.chainMessage).toMatch(/matches signed checkpoint 1 \(\d+ events\)/);

    const o = await overview();
    expect(o.status).toMatchObject({ lastBackupId: backup.id, lastDrillId: drill.id, lastDrillOk: true });
    const item = await weeklyItem();
    expect(item.live).toMatchObject({ ok: true, record: { type: 'evidence', id: drill.evidenceId } });
  });

  it('refuses schedule settings with a relative folder and keeps none', async () => {
    const e = await refused(admin, 'backups.setSchedule', { enabled: false, intervalHours: 24, retentionCount: 7, folder: 'relative' });
    expect(e.code).toBe('VALIDATION');
    expect((await overview()).schedule).toBeNull();
    const s = await call<Response<'backups.setSchedule'>>(admin, 'backups.setSchedule', { enabled: false, intervalHours: 12, retentionCount: 3, folder });
    expect(s.schedule).toMatchObject({ enabled: false, intervalHours: 12, retentionCount: 3 });
  });
});
