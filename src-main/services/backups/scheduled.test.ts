import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import { appPool, asApp, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { appendAudit } from '../audit';
import type { Recorder } from '../org/recorder';
import type { BackupFile } from './backup';
import { listBackups, recordBackup } from './records';
import { applyRetention, isScheduledBackupFile, scheduleDue } from './scheduled';

describe('when a scheduled backup is due', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('never when off or without a schedule', () => {
    expect(scheduleDue(null, null, now)).toBe(false);
    expect(scheduleDue({ enabled: false, intervalHours: 1 }, null, now)).toBe(false);
  });
  it('at once when none was made, then once the interval has passed', () => {
    expect(scheduleDue({ enabled: true, intervalHours: 24 }, null, now)).toBe(true);
    expect(scheduleDue({ enabled: true, intervalHours: 24 }, '2026-12-06T12:30:00Z', now)).toBe(false);
    expect(scheduleDue({ enabled: true, intervalHours: 24 }, '2026-12-06T12:00:00Z', now)).toBe(true);
  });
});

// Retention keeps the newest N scheduled backups: the older records are marked removed (their rows
// and audit events stay), manual backups are never touched.
describe('backup retention', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let org: TestOrg;
  let folder: string;
  let session: Session;
  const rec = (sql: Sql): Recorder => ({ actor: { id: null, name: 'Backup schedule' }, audit: (d) => appendAudit(sql, session, d, { reason: null, requestId: null, actor: { id: null, name: 'Backup schedule', role: null } }) });
  const file = (name: string): BackupFile => {
    const path = join(folder, name);
    writeFileSync(path, name);
    return { path, format: 'mc_archive', formatReason: 'test', sizeBytes: name.length, sha256: 'a'.repeat(64), serverVersion: 'PostgreSQL 18', migrationLevel: '0052_backups.sql', tables: [], auditEvents: 0, durationMs: 1 };
  };

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    pool = await appPool(db);
    org = await createOrg(db, 'bkret');
    session = { operatorId: org.admin.operatorId!, operatorName: org.admin.name, email: org.admin.email, orgId: org.orgId, orgName: 'x', orgSimulated: false, role: 'admin' };
    folder = mkdtempSync(join(tmpdir(), 'mc-bkret-'));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('marks the oldest scheduled backups removed beyond the count, and leaves manual ones', async () => {
    for (const [name, trigger] of [['s1', 'scheduled'], ['m1', 'manual'], ['s2', 'scheduled'], ['s3', 'scheduled']] as const) {
      await asApp(pool, org.admin, (sql) => recordBackup(sql, rec(sql), file(name), trigger));
    }
    const removed = await asApp(pool, org.admin, (sql) => applyRetention(sql, rec(sql), 2));
    expect(removed).toEqual([join(folder, 's1')]);
    const rows = await asApp(pool, org.admin, (sql) => listBackups(sql));
    expect(rows.filter((r) => r.removedAt).map((r) => r.path)).toEqual([join(folder, 's1')]);
    expect(rows).toHaveLength(4);
    // Nothing more to remove: a second pass changes nothing.
    expect(await asApp(pool, org.admin, (sql) => applyRetention(sql, rec(sql), 2))).toEqual([]);
    expect(existsSync(join(folder, 'm1'))).toBe(true);
  });

  it('refuses retention by a non-admin and changes nothing', async () => {
    const operator: Session = { ...session, operatorId: org.operator.operatorId!, role: 'operator' };
    const before = await asApp(pool, org.admin, (sql) => listBackups(sql));
    await expect(
      asApp(pool, org.operator, (sql) => applyRetention(sql, { actor: { id: null, name: 'x' }, audit: (d) => appendAudit(sql, operator, d, { reason: null, requestId: null }) }, 1)),
    ).rejects.toThrow();
    expect(await asApp(pool, org.admin, (sql) => listBackups(sql))).toEqual(before);
  });

  it('retention deletes only files the schedule wrote: in its folder, named as backups are named', () => {
    expect(isScheduledBackupFile('/var/backups/mc/mc-backup-20261207T003000Z-a1b2c3.mcarchive.gz', '/var/backups/mc')).toBe(true);
    expect(isScheduledBackupFile('/var/backups/mc/mc-backup-20261207T003000Z-a1b2c3.dump', '/var/backups/mc/')).toBe(true);
    expect(isScheduledBackupFile('/etc/passwd', '/var/backups/mc')).toBe(false);
    expect(isScheduledBackupFile('/var/backups/mc/../../../etc/mc-backup-1.dump', '/var/backups/mc')).toBe(false);
    expect(isScheduledBackupFile('/var/backups/mc/sub/mc-backup-1.dump', '/var/backups/mc')).toBe(false);
    expect(isScheduledBackupFile('/var/backups/mc/notes.txt', '/var/backups/mc')).toBe(false);
  });
});
