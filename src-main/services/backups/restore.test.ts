import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { Envelope } from '../../../src-shared/contract/errors';
import { type AppCore, createAppCore } from '../../core/app-core';
import { LocalAuditLog } from '../../core/local-audit';
import { silentLogger } from '../../core/log';
import { sqlDir } from '../../core/paths';
import { EMBEDDED_ID, loadMigrations } from '../../db';
import { createMemberLogin } from '../../db/member-logins';
import { DIRECT, tempDataDir } from '../../testing/harness';
import { testVault } from '../../testing/keychain';
import { needKeychain } from '../../testing/keychain-gate';
import { CheckpointStore } from '../audit/anchor';
import { getBackup } from './records';
import { restoreLive, RestoreRolledBack } from './restore';

const ok = await needKeychain();

type Ok<T> = { ok: true; data: T };
async function call<N extends string>(core: AppCore, channel: N, input: unknown): Promise<Envelope<unknown>> {
  return core.router.invoke(channel, input, DIRECT);
}
async function must<T>(core: AppCore, channel: string, input: unknown): Promise<T> {
  const r = await call(core, channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return (r as Ok<T>).data;
}
function localSteps(dataDir: string): Array<{ action: string; data: { step: string; outcome: string; message: string } }> {
  const file = join(dataDir, 'local-audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; data: { step: string; outcome: string; message: string } })
    .filter((r) => r.action === 'backup.restore_step');
}
const asides = (dataDir: string) => readdirSync(dataDir).filter((n) => n.startsWith('pg.'));

// Restore for real over the live embedded database (issue 16): a real embedded server in an app
// core on a temp data folder, a real backup, rows added after it, and the data-loss runbook's steps.
describe.skipIf(!ok)('restore over the live embedded database', () => {
  const data = tempDataDir('mc-restore-');
  const folder = mkdtempSync(join(tmpdir(), 'mc-restore-bk-'));
  let core: AppCore;
  let backupId = '';
  let before = ''; // an incident made before the backup
  let after = ''; // an incident made after it
  let otherLogin = '';
  let seededAt = '';
  const KENJI = '00000000-0000-4000-8000-0000000000a2';
  const seedAppliedAt = () =>
    core.db.withOwner(async (c) => (await c.query<{ at: string }>(`SELECT applied_at::text AS at FROM mc_meta.seeds WHERE name = 'seed-demo.sql'`)).rows[0]?.at ?? 'none');
  const exists = async (id: string) => (await call(core, 'incidents.get', { incidentId: id })).ok;
  const openIncident = async (title: string) => (await must<Response<'incidents.create'>>(core, 'incidents.create', { title, severity: 'medium' })).incident.id;

  beforeAll(async () => {
    core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), demoAgent: false, opsJob: false, advisoryJob: false, anchorJob: false });
    await core.start();
    expect(core.db.session?.role).toBe('admin');
    before = await openIncident('Before the backup');
    // Another sign-in of the org (a login role of this cluster) and the seed ledger, as they are before the backup.
    otherLogin = (await core.db.withOwner((c) => createMemberLogin(c, { orgId: core.db.session!.orgId, operatorId: KENJI, email: 'kenji.mori@demo.umamiedge.test' }))).role;
    seededAt = await seedAppliedAt();
    // A signed checkpoint of this workstation covering the chain so far: the restore verifies against it.
    await must(core, 'audit.verify', {});
    const backup = await must<Response<'backups.run'>>(core, 'backups.run', { jobId: randomUUID(), folder });
    backupId = backup.id;
    expect(backup.format).toBe('mc_archive');
    after = await openIncident('After the backup: lost by the restore');
    // A checkpoint over the events the restore will take away (the anchor job makes these every 10 minutes).
    await must(core, 'audit.verify', {});
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    data.remove();
    rmSync(folder, { recursive: true, force: true });
  });

  const unchanged = async () => {
    expect(core.db.maintenance).toBeNull();
    expect(core.db.state).toBe('connected');
    expect(await exists(after)).toBe(true);
    expect(asides(data.dir)).toEqual([]);
  };

  it('refuses a wrong confirmation and an unknown backup, changing nothing', async () => {
    const wrong = await call(core, 'backups.restore', { jobId: randomUUID(), backupId, confirm: 'restore' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { confirm: 'Type RESTORE.' } } });
    const unknown = await call(core, 'backups.restore', { jobId: randomUUID(), backupId: randomUUID(), confirm: 'RESTORE' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(localSteps(data.dir)).toEqual([]);
    await unchanged();
  });

  it('refuses anyone but an admin, changing nothing', async () => {
    core.db.profileStore.setEmbeddedOperator('kenji.mori@demo.umamiedge.test');
    await core.db.activate(EMBEDDED_ID);
    try {
      expect(core.db.session?.role).toBe('operator');
      const r = await call(core, 'backups.restore', { jobId: randomUUID(), backupId, confirm: 'RESTORE' });
      expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      core.db.profileStore.setEmbeddedOperator('ada.okafor@demo.umamiedge.test');
      await core.db.activate(EMBEDDED_ID);
    }
    expect(core.db.session?.role).toBe('admin');
    expect(localSteps(data.dir)).toEqual([]);
    await unchanged();
  }, 60_000);

  it('refuses a backup file altered after it was recorded: nothing touched, writes resume', async () => {
    const b = await core.db.tx(core.db.session!, (sql) => getBackup(sql, backupId));
    const original = readFileSync(b.path);
    writeFileSync(b.path, Buffer.concat([original, Buffer.from('x')]));
    try {
      const r = await call(core, 'backups.restore', { jobId: randomUUID(), backupId, confirm: 'RESTORE' });
      expect(r).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(!r.ok && r.error.message).toMatch(/not the file that was recorded/);
    } finally {
      writeFileSync(b.path, original);
    }
    expect(localSteps(data.dir).map((s) => `${s.data.step}:${s.data.outcome}`)).toEqual(['stop_writes:done', 'check:failed', 'resume:done']);
    await unchanged();
    // Writes resumed: a command goes through again.
    expect((await call(core, 'incidents.create', { title: 'Writes resumed after a refused restore', severity: 'low' })).ok).toBe(true);
  }, 60_000);

  it('puts the previous database back when the restore fails after the swap', async () => {
    const session = core.db.session!;
    const backup = await core.db.tx(session, (sql) => getBackup(sql, backupId));
    const t = localSteps(data.dir).length;
    await expect(
      restoreLive(backup, {
        db: core.db,
        dataDir: data.dir,
        session,
        localAudit: new LocalAuditLog(data.dir),
        store: new CheckpointStore(data.dir),
        vault: core.vault,
        log: silentLogger(),
        migrations: loadMigrations(sqlDir()),
        requestId: 'test-fault',
        reason: 'forced failure',
        incidentId: after,
        fault: (at) => {
          if (at === 'verified') throw new Error('forced failure after verify');
        },
      }),
    ).rejects.toThrow(RestoreRolledBack);
    expect(localSteps(data.dir).slice(t).map((s) => `${s.data.step}:${s.data.outcome}`)).toEqual([
      'stop_writes:done', 'check:done', 'restore:started', 'restore:done', 'verify:done', 'verify:failed', 'rollback:done',
    ]);
    // The previous database is back and working, with what was made after the backup.
    await unchanged();
    const audit = await must<Response<'audit.list'>>(core, 'audit.list', { limit: 50 });
    expect(audit.events.map((e) => e.action)).toContain('backup.restore_failed');
    const incident = await must<Response<'incidents.get'>>(core, 'incidents.get', { incidentId: after });
    expect(incident.timeline.some((e) => e.kind === 'note' && /previous database was put back/.test(e.body ?? ''))).toBe(true);
  }, 180_000);

  it('restores the backup: later rows gone, counts and chain verified, old cluster kept, steps recorded, the app answers', async () => {
    const jobId = randomUUID();
    const t = localSteps(data.dir).length;
    const running = call(core, 'backups.restore', { jobId, backupId, confirm: 'RESTORE', incidentId: before, reason: 'data-loss drill' });
    // While it runs, commands are refused with a clear reason.
    await expect.poll(async () => (await must<Response<'backups.progress'>>(core, 'backups.progress', { jobId })).phase, { timeout: 30_000, interval: 20 }).not.toBeNull();
    const refused = await call(core, 'incidents.create', { title: 'During the restore', severity: 'low' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(!refused.ok && refused.error.message).toMatch(/A restore is in progress/);
    const r = await running;
    if (!r.ok) throw new Error(r.error.message);
    const result = r.data as Response<'backups.restore'>;
    expect(result.countsOk).toBe(true);
    expect(result.chainOk).toBe(true);
    expect(result.chainMessage).toMatch(/matches signed checkpoint 1 .*1 later checkpoint covers events made after the backup/);
    for (const tb of result.tables) expect(tb.restored, `${tb.schema}.${tb.table}`).toBe(tb.expected);
    expect(result.lost.events).toBeGreaterThan(0);
    expect(result.lost.actions.map((a) => a.action)).toContain('incidents.opened');
    expect(result.incident).toMatchObject({ id: before, recorded: true });
    expect(result.recorded.ok).toBe(true);
    // The replaced cluster is kept aside, whole.
    expect(dirname(result.previousCluster)).toBe(data.dir);
    expect(existsSync(join(result.previousCluster, 'PG_VERSION'))).toBe(true);
    expect(asides(data.dir)).toEqual([basename(result.previousCluster)]);
    expect(existsSync(join(data.dir, 'restore-in-progress.json'))).toBe(false);
    // Each step in the workstation's log as it happened.
    expect(localSteps(data.dir).slice(t).map((s) => `${s.data.step}:${s.data.outcome}`)).toEqual([
      // The second "resume" sets aside the checkpoint signed over the events the restore took away.
      'stop_writes:done', 'check:done', 'restore:started', 'restore:done', 'verify:done', 'resume:done', 'resume:done',
    ]);
    const progress = await must<Response<'backups.progress'>>(core, 'backups.progress', { jobId });
    expect(progress).toMatchObject({ running: false, error: null, restore: { backupId } });

    // The demo seed did not load again over the restored rows, and no sign-in of the replaced cluster maps to a login.
    expect(await seedAppliedAt()).toBe(seededAt);
    const stale = await core.db.withOwner(async (c) => (await c.query('SELECT role_name FROM mc.member_logins WHERE role_name = $1', [otherLogin])).rowCount);
    expect(stale).toBe(0);
    // The restored database: rows made after the backup are gone, rows before it are there.
    expect(core.db.maintenance).toBeNull();
    expect(await exists(after)).toBe(false);
    expect(await exists(before)).toBe(true);
    // The backup this database came from is on its Backups list again (its record was made after its file).
    const overview = await must<Response<'backups.overview'>>(core, 'backups.overview', {});
    expect(overview.backups.map((x) => x.id)).toContain(result.backupId);
    const audit = await must<Response<'audit.list'>>(core, 'audit.list', { limit: 50 });
    const actions = audit.events.map((e) => e.action);
    expect(actions).toContain('backup.restored');
    expect(actions.filter((a) => a === 'backup.restore_step').length).toBeGreaterThanOrEqual(6);
    const incident = await must<Response<'incidents.get'>>(core, 'incidents.get', { incidentId: before });
    expect(incident.timeline.filter((e) => e.kind === 'note' && /^Restore — /.test(e.body ?? '')).length).toBe(7);
    // The restored chain is whole, and it agrees with the checkpoints that cover it: the checkpoint
    // signed over the lost events was set aside (kept beside the store), not left to cry tampering.
    const verify = await must<Response<'audit.verify'>>(core, 'audit.verify', {});
    expect(verify.ok).toBe(true);
    expect(verify.anchor.state).not.toBe('tampered');
    expect(verify.anchor.message).not.toMatch(/TAMPERED/);
    const setAside = result.steps.find((st) => /signed checkpoint\(s\) of org .* cover events the restore took away/.test(st.message));
    expect(setAside?.message).toMatch(/kept in .*before-restore-/);
    const asideFile = /kept in (\S+),/.exec(setAside!.message)![1]!;
    expect(existsSync(asideFile)).toBe(true);
    // The app answers again, commands included.
    expect((await call(core, 'incidents.create', { title: 'After the restore', severity: 'low' })).ok).toBe(true);
  }, 240_000);

  it('puts the previous cluster back on start when the app was killed in the middle of a restore', async () => {
    const kept = await openIncident('Made before the interrupted restore');
    await core.close();
    // What a kill between the swap and the end leaves: the live cluster aside, a half-made one in place, the marker.
    const aside = join(data.dir, 'pg.before-restore-20261207T000000Z');
    renameSync(join(data.dir, 'pg'), aside);
    mkdirSync(join(data.dir, 'pg'), { mode: 0o700 });
    writeFileSync(join(data.dir, 'pg', 'half-made'), 'x');
    writeFileSync(join(data.dir, 'restore-in-progress.json'), JSON.stringify({ previousCluster: aside, backupId, at: new Date().toISOString() }));
    const t = localSteps(data.dir).length;
    core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), demoAgent: false, opsJob: false, advisoryJob: false, anchorJob: false });
    await core.start();
    expect(core.db.state).toBe('connected');
    expect(await exists(kept)).toBe(true);
    expect(existsSync(join(data.dir, 'restore-in-progress.json'))).toBe(false);
    expect(existsSync(aside)).toBe(false);
    const interrupted = asides(data.dir).filter((n) => n.startsWith('pg.interrupted-restore-'));
    expect(interrupted).toHaveLength(1);
    expect(readdirSync(join(data.dir, interrupted[0]!))).toEqual(['half-made']);
    expect(localSteps(data.dir).slice(t).map((s) => `${s.data.step}:${s.data.outcome}`)).toEqual(['rollback:done']);
  }, 120_000);
});
