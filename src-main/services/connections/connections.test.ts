import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { ProfileFields } from '../../../src-shared/contract/connections';
import { secretAccounts } from '../../db';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { coreOn, DIRECT, READ_ONLY, signInWorkstation } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const server = testServers()[0]!;
const ok = await needKeychain();

function allText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'pg') continue;
    const st = statSync(p);
    if (st.isDirectory()) text += allText(p);
    else if (st.isFile()) text += readFileSync(p, 'utf8');
  }
  return text;
}

describe.skipIf(!ok)('connection profiles', () => {
  let home: TestDatabase;
  let other: TestDatabase;
  let homeOrg: TestOrg;
  let otherOrg: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let SECRET = '';

  const fields = (over: Partial<ProfileFields> = {}): ProfileFields => ({
    name: 'Other DB',
    host: other.target.host,
    port: other.target.port,
    database: other.target.database,
    user: other.target.user,
    sslmode: 'disable',
    sslRootCert: null,
    operatorEmail: otherOrg.operator.email,
    ...over,
  });
  const list = async () => ((await core.router.invoke('connections.list', {}, DIRECT)) as { data: Response<'connections.list'> }).data.profiles;
  const config = () => readFileSync(join(core.dataDir, 'config.json'), 'utf8');
  const localAudit = () => {
    const p = join(core.dataDir, 'local-audit.jsonl');
    return existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : '';
  };
  /** A keychain entry as a fingerprint (null when absent), so a failed comparison never prints a password. */
  const secret = async (account: string) => {
    const v = await core.vault.get(account);
    return v === null ? null : createHash('sha256').update(v).digest('hex');
  };

  /** Everything a profile command could change: the list, the config file, the local audit log, the keychain entries and who is signed in. */
  async function stored() {
    const profiles = await list();
    const instance = core.db.profileStore.instanceId;
    const secrets: Record<string, string | null> = {};
    for (const p of profiles) {
      secrets[`${p.id} password`] = await secret(p.kind === 'embedded' ? secretAccounts.embeddedSuperuser(instance) : secretAccounts.profilePassword(instance, p.id));
      secrets[`${p.id} authenticator`] = await secret(secretAccounts.authenticator(instance, p.id));
      secrets[`${p.id} member`] = await secret(secretAccounts.memberLogin(instance, p.id));
    }
    return { profiles, config: config(), localAudit: localAudit(), secrets, session: core.db.session };
  }

  /** A call that must be refused: its error, after checking that nothing stored was added, lost or changed. */
  async function refusedUnchanged(channel: string, payload: unknown) {
    const before = await stored();
    expect(before.profiles.length).toBeGreaterThan(0);
    const r = await core.router.invoke(channel, payload, DIRECT);
    if (r.ok) throw new Error(`${channel} was accepted`);
    expect(await stored()).toEqual(before);
    return r.error;
  }

  beforeAll(async () => {
    home = await migratedDatabase(server);
    other = await migratedDatabase(server);
    homeOrg = await createOrg(home, 'home');
    otherOrg = await createOrg(other, 'other');
    core = await coreOn(home, homeOrg.admin.email);
    SECRET = other.password;
  });
  afterAll(async () => {
    await core?.cleanup();
    await home?.drop();
    await other?.drop();
  });

  it('saves a profile with its password in the keychain only', async () => {
    const r = await core.router.invoke('connections.save', { fields: fields({ name: 'Other DB' }), password: 'not-the-real-one' }, DIRECT);
    expect(r.ok).toBe(true);
    const saved = (r as { data: Response<'connections.save'> }).data.profile;
    expect(saved).toMatchObject({ name: 'Other DB', passwordSet: true, active: false, kind: 'remote' });
    expect(JSON.stringify(r)).not.toContain('not-the-real-one');
    const r2 = await core.router.invoke('connections.save', { id: saved.id, fields: fields(), password: SECRET }, DIRECT);
    expect(r2.ok).toBe(true);
    expect(await core.vault.get(secretAccounts.profilePassword(core.db.profileStore.instanceId, saved.id))).toBe(SECRET);
    expect(config()).toContain('"Other DB"');
    expect(allText(core.dataDir)).not.toContain(SECRET);
    expect(allText(core.dataDir)).not.toContain('not-the-real-one');
    // The change is in the local audit log, without the secret.
    expect(readFileSync(join(core.dataDir, 'local-audit.jsonl'), 'utf8')).toMatch(/connections\.profile_updated.*"passwordChanged":true/);
  });

  it('names every bad field and stores nothing', async () => {
    const before = config();
    const r = await core.router.invoke(
      'connections.save',
      { fields: { ...fields({ name: 'Bad' }), host: 'postgres://db.example.com/x', port: 70000, operatorEmail: 'not-an-email' } },
      DIRECT,
    );
    expect(r.ok ? null : r.error.code).toBe('VALIDATION');
    expect(Object.keys((r as { error: { fields: object } }).error.fields).sort()).toEqual(['fields.host', 'fields.operatorEmail', 'fields.port']);
    expect(config()).toBe(before);
  });

  it('refuses a duplicate name and a CA file without verify mode', async () => {
    const dup = await core.router.invoke('connections.save', { fields: fields({ name: 'other db' }) }, DIRECT);
    expect(dup.ok ? null : dup.error).toMatchObject({ code: 'CONFLICT', fields: { 'fields.name': 'Choose another name.' } });
    const ca = await core.router.invoke('connections.save', { fields: fields({ name: 'CA', sslRootCert: '/tmp/ca.pem', sslmode: 'require' }) }, DIRECT);
    expect(ca.ok ? null : ca.error.code).toBe('VALIDATION');
  });

  it('keeps the embedded profile’s connection fixed; only who it signs in as changes', async () => {
    const embedded = (await list()).find((p) => p.kind === 'embedded')!;
    const r = await core.router.invoke('connections.save', { id: 'embedded', fields: { ...fields(), name: embedded.name, host: '10.0.0.1' } }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'VALIDATION', fields: { id: expect.any(String) } });
    const set = await core.router.invoke('connections.setOperator', { id: 'embedded', operatorEmail: 'kenji.mori@demo.umamiedge.test' }, DIRECT);
    expect(set.ok).toBe(true);
    expect((await list()).find((p) => p.kind === 'embedded')?.operatorEmail).toBe('kenji.mori@demo.umamiedge.test');
    const bad = await refusedUnchanged('connections.setOperator', { id: 'embedded', operatorEmail: 'nope' });
    expect(bad).toMatchObject({ code: 'VALIDATION', fields: { operatorEmail: 'Enter the operator’s e-mail address.' } });
  });

  it('refuses a sign-in change for an unknown or malformed profile, naming the field, and changes nothing', async () => {
    const unknown = await refusedUnchanged('connections.setOperator', { id: 'no-such-profile', operatorEmail: homeOrg.operator.email });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That connection profile does not exist (it may have been deleted).' });
    const active = (await list()).find((p) => p.active)!;
    const missing = await refusedUnchanged('connections.setOperator', { id: active.id });
    expect(missing).toMatchObject({ code: 'VALIDATION', fields: { operatorEmail: expect.any(String) } });
    const malformed = await refusedUnchanged('connections.setOperator', { id: 'x'.repeat(65), operatorEmail: 'a@b', host: 'elsewhere' });
    expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { id: expect.any(String), operatorEmail: expect.any(String), host: 'Unknown field.' } });
    expect(core.db.session).toMatchObject({ email: homeOrg.admin.email });
  });

  // The new e-mail is stored before the active profile reconnects; when reconnecting fails it must
  // be put back, or the next start would sign in as someone this call never signed in as.
  it('leaves the profile as it was when the active profile cannot reconnect as the new operator', async () => {
    const active = (await list()).find((p) => p.active)!;
    const account = secretAccounts.profilePassword(core.db.profileStore.instanceId, active.id);
    const real = (await core.vault.get(account))!;
    await core.vault.set(account, 'not-the-password');
    try {
      const err = await refusedUnchanged('connections.setOperator', { id: active.id, operatorEmail: homeOrg.admin.email.toUpperCase() });
      expect(err).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/the password was rejected/) });
    } finally {
      await core.vault.set(account, real);
    }
  });

  it('a torn last line in the local audit log (crash mid-write) is set aside and the next command is recorded', async () => {
    // On the embedded (demo) profile, naming another demo member is still a change i10 allows.
    const id = (await list()).find((p) => p.kind === 'embedded')!.id;
    const was = core.db.profileStore.get(id)!.operatorEmail;
    const next = was === 'ada.okafor@demo.umamiedge.test' ? 'kenji.mori@demo.umamiedge.test' : 'ada.okafor@demo.umamiedge.test';
    const before = localAudit();
    expect(before).not.toBe('');
    appendFileSync(join(core.dataDir, 'local-audit.jsonl'), '{"org_id":"local","seq":99,"act');
    const r = await core.router.invoke('connections.setOperator', { id, operatorEmail: next }, DIRECT);
    expect(r.ok).toBe(true);
    const after = localAudit();
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toMatch(/^\{.*local_audit\.torn_tail_set_aside.*\n\{.*connections\.operator_changed.*\n$/);
    expect(after.slice(before.length)).toContain(next);
    expect(readdirSync(core.dataDir).filter((n) => n.startsWith('local-audit.torn-'))).toHaveLength(1);
    // Put it back for the tests that follow.
    expect((await core.router.invoke('connections.setOperator', { id, operatorEmail: was }, DIRECT)).ok).toBe(true);
  });

  it('refuses a local command whose record cannot be written, and changes nothing', async () => {
    const id = (await list()).find((p) => p.kind === 'embedded')!.id;
    const was = core.db.profileStore.get(id)!.operatorEmail;
    const file = join(core.dataDir, 'local-audit.jsonl');
    const had = existsSync(file);
    if (had) renameSync(file, `${file}.saved`);
    mkdirSync(file);
    try {
      const before = await stored();
      const r = await core.router.invoke('connections.setOperator', { id, operatorEmail: was === 'ada.okafor@demo.umamiedge.test' ? 'kenji.mori@demo.umamiedge.test' : 'ada.okafor@demo.umamiedge.test' }, DIRECT);
      if (r.ok) throw new Error('accepted without a record');
      expect(r.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/audit log .* cannot be written.*Nothing was changed/) });
      expect(await stored()).toEqual(before);
      expect(core.db.profileStore.get(id)?.operatorEmail).toBe(was);
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(file, { recursive: true });
      if (had) renameSync(`${file}.saved`, file);
    }
  });

  it('typing another member’s e-mail changes nobody’s identity; only that member’s sign-in does', async () => {
    const active = (await list()).find((p) => p.active)!;
    const err = await refusedUnchanged('connections.setOperator', { id: active.id, operatorEmail: homeOrg.auditor.email });
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`holds no sign-in for ${homeOrg.auditor.email}`), fields: { operatorEmail: expect.any(String) } });
    expect(core.db.session).toMatchObject({ email: homeOrg.admin.email, role: 'admin' });
    // The auditor signs in on this workstation (the held sign-in is theirs now): then they act.
    const account = secretAccounts.memberLogin(core.db.profileStore.instanceId, active.id);
    const adminLogin = await core.vault.get(account);
    expect(await signInWorkstation(home, core.vault, account, homeOrg.auditor.email)).toBe(true);
    const r = await core.router.invoke('connections.setOperator', { id: active.id, operatorEmail: homeOrg.auditor.email }, DIRECT);
    expect(r.ok).toBe(true);
    expect(core.db.session).toMatchObject({ email: homeOrg.auditor.email, role: 'auditor' });
    await core.vault.set(account, adminLogin!);
    await core.router.invoke('connections.setOperator', { id: active.id, operatorEmail: homeOrg.admin.email }, DIRECT);
    expect(core.db.session?.role).toBe('admin');
  });

  it('tests a saved profile: version, latency and migration state', async () => {
    const id = (await list()).find((p) => p.name === 'Other DB')!.id;
    const r = (await core.router.invoke('connections.test', { id }, DIRECT)) as { data: Response<'connections.test'> };
    expect(r.data).toMatchObject({ ok: true, message: null, migrations: { pending: [], drift: [] } });
    expect(r.data.serverVersion).toMatch(/^\d+/);
    expect(r.data.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('tests a draft that cannot be reached, naming it, without saving anything', async () => {
    const before = config();
    const r = (await core.router.invoke('connections.test', { draft: fields({ name: 'Nowhere', port: 1 }), password: 'x' }, DIRECT)) as {
      data: Response<'connections.test'>;
    };
    expect(r.data).toMatchObject({ ok: false, message: expect.stringMatching(/connection refused/) });
    expect(r.data.target).toMatch(/^“Nowhere” \(.*:1\//);
    const wrongPw = (await core.router.invoke('connections.test', { draft: fields({ name: 'Wrong pw' }), password: 'wrong' }, DIRECT)) as { data: Response<'connections.test'> };
    expect(wrongPw.data.message).toBe('the password was rejected');
    expect(config()).toBe(before);
  });

  it('never sends a stored password to a server other than the one it was saved for', async () => {
    const saved = (await list()).find((p) => p.name === 'Other DB')!;
    // Same profile id, different port and no password typed: the stored one must stay home.
    const moved = (await core.router.invoke('connections.test', { id: saved.id, draft: fields({ port: 1 }) }, DIRECT)) as { data: Response<'connections.test'> };
    expect(moved.data.message).toBe('No password is stored for this profile; enter one.');
    const weaker = (await core.router.invoke('connections.test', { id: saved.id, draft: fields({ sslmode: 'disable', user: 'someone_else' }) }, DIRECT)) as {
      data: Response<'connections.test'>;
    };
    expect(weaker.data.message).toBe('No password is stored for this profile; enter one.');
    // Unchanged target: the stored password is used.
    const same = (await core.router.invoke('connections.test', { id: saved.id, draft: fields() }, DIRECT)) as { data: Response<'connections.test'> };
    expect(same.data.ok).toBe(true);
  });

  it('asks for the password again when an edit changes where it would be sent, and changes nothing', async () => {
    const saved = (await list()).find((p) => p.name === 'Other DB')!;
    const before = config();
    const r = await core.router.invoke('connections.save', { id: saved.id, fields: fields({ host: 'db.attacker.example' }) }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'VALIDATION', fields: { password: expect.stringMatching(/only ever sent to the server it was saved for/) } });
    expect(config()).toBe(before);
    // Renaming keeps the password.
    const renamed = await core.router.invoke('connections.save', { id: saved.id, fields: fields({ name: 'Other DB (renamed)' }) }, DIRECT);
    expect(renamed.ok).toBe(true);
    await core.router.invoke('connections.save', { id: saved.id, fields: fields() }, DIRECT);
  });

  it('refuses to test profiles from a read-only display', async () => {
    const saved = (await list()).find((p) => p.name === 'Other DB')!;
    const r = await core.router.invoke('connections.test', { id: saved.id }, READ_ONLY);
    expect(r.ok ? null : r.error.code).toBe('FORBIDDEN');
  });

  it('testing the embedded profile does not start it while another profile is active', async () => {
    const r = (await core.router.invoke('connections.test', { id: 'embedded' }, DIRECT)) as { data: Response<'connections.test'> };
    expect(r.data).toMatchObject({ ok: false, message: expect.stringMatching(/not running while another profile is active/) });
    expect(existsSync(join(core.dataDir, 'pg'))).toBe(false);
  });

  it('refuses to activate an unreachable profile, says which, and keeps the current connection', async () => {
    const saved = (await core.router.invoke('connections.save', { fields: fields({ name: 'Dead host', port: 1 }), password: 'x' }, DIRECT)) as {
      data: Response<'connections.save'>;
    };
    const r = await core.router.invoke('connections.activate', { id: saved.data.profile.id }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/Could not connect profile “Dead host” \(.*:1\/.*\): connection refused/) });
    expect(core.db.state).toBe('connected');
    expect(core.db.session?.orgId).toBe(homeOrg.orgId);
    expect((await core.router.invoke('status.list', {}, DIRECT)).ok).toBe(true);
    expect(JSON.parse(config()).activeProfileId).not.toBe(saved.data.profile.id);
  });

  it('activating a profile that does not exist changes nothing and does not disturb a real switch under way', async () => {
    const before = await stored();
    const home = before.profiles.find((p) => p.active)!;
    const other = before.profiles.find((p) => p.name === 'Other DB')!;
    // The profile was saved with the owner's password typed: that credential signs its operator in, once (here).
    const account = secretAccounts.memberLogin(core.db.profileStore.instanceId, other.id);
    expect(await core.vault.get(account)).toBeNull();
    // Both asked for at once: the real switch must not be turned into a CONFLICT by the bogus one.
    const [real, bogus] = await Promise.all([
      core.router.invoke('connections.activate', { id: other.id }, DIRECT),
      core.router.invoke('connections.activate', { id: 'no-such-profile' }, DIRECT),
    ]);
    expect(bogus.ok ? null : bogus.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no-such-profile/) });
    expect(real.ok ? null : real.error).toBeNull();
    expect(core.db.session?.orgId).toBe(otherOrg.orgId);
    expect(await secret(account)).not.toBeNull();
    // And back, so the tests that follow start where they expect.
    expect((await core.router.invoke('connections.activate', { id: home.id }, DIRECT)).ok).toBe(true);
    const err = await refusedUnchanged('connections.activate', { id: 'no-such-profile' });
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses Supabase’s transaction pooler before dialling it, says what to use, and keeps the current connection', async () => {
    const saved = (await core.router.invoke(
      'connections.save',
      { fields: fields({ name: 'Supabase txn pooler', host: 'aws-0-eu-central-1.pooler.supabase.com', port: 6543, user: 'postgres.abcdefghijklmnopqrst', sslmode: 'require' }), password: 'x' },
      DIRECT,
    )) as { data: Response<'connections.save'> };
    const id = saved.data.profile.id;
    const before = await stored();
    const r = await core.router.invoke('connections.activate', { id }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/transaction pooler \(port 6543\).*session pooler/) });
    expect(await stored()).toEqual(before);
    const probe = (await core.router.invoke('connections.test', { id }, DIRECT)) as { data: { ok: boolean; message: string } };
    expect(probe.data).toMatchObject({ ok: false, message: expect.stringMatching(/transaction pooler/) });
    expect((await core.router.invoke('connections.delete', { id }, DIRECT)).ok).toBe(true);
  });

  it('switches to another database and signs in there', async () => {
    const id = (await list()).find((p) => p.name === 'Other DB')!.id;
    const changes: boolean[] = [];
    const sub = core.router.subscribe('system.changed', {}, DIRECT, (e) => changes.push((e as { resync: boolean }).resync));
    // The owner's-password sign-in was made by the earlier switch (once); this one uses the held login.
    const account = secretAccounts.memberLogin(core.db.profileStore.instanceId, id);
    const held = await secret(account);
    expect(held).not.toBeNull();
    const r = await core.router.invoke('connections.activate', { id }, DIRECT);
    expect(r.ok).toBe(true);
    expect(core.db.session).toMatchObject({ orgId: otherOrg.orgId, email: otherOrg.operator.email });
    await expect.poll(() => changes.includes(true)).toBe(true);
    const status = (await core.router.invoke('connections.status', {}, DIRECT)) as { data: Response<'connections.status'> };
    expect(status.data.active).toMatchObject({ profileId: id, migrations: { pending: [], drift: [] }, live: true });
    expect(JSON.parse(config()).activeProfileId).toBe(id);
    if (sub.ok) sub.data();
    expect(await secret(account)).toBe(held);
  });

  it('an e-mail saved without the owner’s password signs nobody in: the held sign-in still decides', async () => {
    const id = (await list()).find((p) => p.name === 'Other DB')!.id;
    const saved = await core.router.invoke('connections.save', { id, fields: fields({ operatorEmail: otherOrg.admin.email }) }, DIRECT);
    expect(saved.ok).toBe(true);
    expect((await core.router.invoke('connections.activate', { id }, DIRECT)).ok).toBe(true);
    expect(core.db.session).toMatchObject({ email: otherOrg.operator.email, role: 'operator' });
    // Typed with the owner's password, the same change signs the admin in.
    expect((await core.router.invoke('connections.save', { id, fields: fields({ operatorEmail: otherOrg.admin.email }), password: SECRET }, DIRECT)).ok).toBe(true);
    expect((await core.router.invoke('connections.activate', { id }, DIRECT)).ok).toBe(true);
    expect(core.db.session).toMatchObject({ email: otherOrg.admin.email, role: 'admin' });
    expect((await core.router.invoke('connections.save', { id, fields: fields(), password: SECRET }, DIRECT)).ok).toBe(true);
    expect((await core.router.invoke('connections.activate', { id }, DIRECT)).ok).toBe(true);
    expect(core.db.session?.email).toBe(otherOrg.operator.email);
  });

  it('will not delete the active profile, and keeps it and its keychain entry', async () => {
    const active = (await list()).find((p) => p.active)!;
    expect(active).toMatchObject({ kind: 'remote', passwordSet: true });
    const err = await refusedUnchanged('connections.delete', { id: active.id });
    expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Switch to another profile before deleting it/) });
    expect((await list()).find((p) => p.id === active.id)).toEqual(active);
    expect(await core.vault.get(secretAccounts.profilePassword(core.db.profileStore.instanceId, active.id))).toBe(SECRET);
  });

  it('will not delete the embedded profile, or a malformed id, and changes nothing', async () => {
    const embedded = await refusedUnchanged('connections.delete', { id: 'embedded' });
    expect(embedded).toMatchObject({ code: 'VALIDATION', message: 'The embedded profile cannot be deleted.' });
    expect(await refusedUnchanged('connections.delete', { id: 'x'.repeat(65) })).toMatchObject({ code: 'VALIDATION', fields: { id: expect.any(String) } });
    expect(await refusedUnchanged('connections.delete', {})).toMatchObject({ code: 'VALIDATION', fields: { id: expect.any(String) } });
  });

  it('names the id field when refusing to delete the embedded profile', async () => {
    const r = await core.router.invoke('connections.delete', { id: 'embedded' }, DIRECT);
    expect(r.ok ? null : r.error.fields).toMatchObject({ id: expect.any(String) });
  });

  it('deleting a profile deletes its keychain entries', async () => {
    const dead = (await list()).find((p) => p.name === 'Dead host')!;
    const instance = core.db.profileStore.instanceId;
    expect(await core.vault.get(secretAccounts.profilePassword(instance, dead.id))).toBe('x');
    const r = await core.router.invoke('connections.delete', { id: dead.id }, DIRECT);
    expect(r.ok).toBe(true);
    expect(await core.vault.get(secretAccounts.profilePassword(instance, dead.id))).toBeNull();
    expect(await core.vault.get(secretAccounts.authenticator(instance, dead.id))).toBeNull();
    expect((await list()).some((p) => p.id === dead.id)).toBe(false);
    const missing = await refusedUnchanged('connections.delete', { id: dead.id });
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'That connection profile does not exist (it may have been deleted).' });
  });

  it('never writes a password into the logs or settings', async () => {
    expect(allText(core.dataDir)).not.toContain(SECRET);
  });

  it('forgets the app’s login-role passwords when a profile is re-pointed at another server', async () => {
    const saved = (await core.router.invoke('connections.save', { fields: fields({ name: 'Repointed' }), password: SECRET }, DIRECT)) as {
      data: Response<'connections.save'>;
    };
    const id = saved.data.profile.id;
    const instance = core.db.profileStore.instanceId;
    const roleAccounts = [secretAccounts.authenticator(instance, id), secretAccounts.ingest(instance, id), secretAccounts.memberLogin(instance, id)];
    // As after an activation: the app made its login roles on that server with these passwords.
    for (const a of roleAccounts) await core.vault.set(a, `role-secret-${a}`);
    const renamed = await core.router.invoke('connections.save', { id, fields: fields({ name: 'Repointed (renamed)' }) }, DIRECT);
    expect(renamed.ok).toBe(true);
    for (const a of roleAccounts) expect(await core.vault.get(a)).toBe(`role-secret-${a}`);
    // Another host with a freshly typed password: the old server's role passwords must not follow.
    const moved = await core.router.invoke('connections.save', { id, fields: fields({ name: 'Repointed (renamed)', host: 'localhost' }), password: 'typed' }, DIRECT);
    expect(moved.ok).toBe(true);
    for (const a of roleAccounts) expect(await core.vault.get(a)).toBeNull();
    expect(await core.vault.get(secretAccounts.profilePassword(instance, id))).toBe('typed');
    // Deleting the profile takes every secret made for it along.
    for (const a of roleAccounts) await core.vault.set(a, `role-secret-${a}`);
    expect((await core.router.invoke('connections.delete', { id }, DIRECT)).ok).toBe(true);
    for (const a of [...roleAccounts, secretAccounts.profilePassword(instance, id)]) expect(await core.vault.get(a)).toBeNull();
  });
});
