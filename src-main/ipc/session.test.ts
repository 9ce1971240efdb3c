import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src-shared/contract';
import { LocalAuditLog } from '../core/local-audit';
import { silentLogger } from '../core/log';
import { SessionClock } from '../core/session-clock';
import { secretAccounts } from '../db';
import { decodeMemberLogin } from '../db/member-logins';
import { clientConfig } from '../db/pg-config';
import { asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { coreOn, signInWorkstation } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { browseToCallback, startTestIdp, type TestIdp } from '../testing/oidc-test-idp';
import { handlers, topicHandlers } from './handlers';
import { createRouter, type Router } from './router';

const server = testServers()[0];
const ok = await needKeychain();

const MIN = 60_000;
/** A hand-made call, as a WebSocket message would arrive: the router never knows the transport. */
const WS = { readOnly: false, via: 'ws' };

describe.skipIf(!ok || !server)('session clock through the router (real Postgres, real keychain, real OpenID provider)', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let idp: TestIdp;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let clock: SessionClock;
  let router: Router;
  let now = Date.parse('2026-12-06T08:00:00.000Z');

  const profileId = () => core.db.profileStore.activeId;
  const memberAccount = () => secretAccounts.memberLogin(core.db.profileStore.instanceId, profileId());
  const invoke = (channel: string, payload: unknown = {}) => router.invoke(channel, payload, WS);
  const localRecords = () =>
    readFileSync(join(core.dataDir, 'local-audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; actor: { name: string }; data: Record<string, unknown>; at: string });
  const state = async () => {
    const r = await invoke('session.state');
    if (!r.ok) throw new Error(r.error.message);
    return r.data as Response<'session.state'>;
  };
  /** Sign a member in on this workstation (as the app does once they proved who they are) and reconnect. */
  const signIn = async (email: string) => {
    expect(await signInWorkstation(db, core.vault, memberAccount(), email)).toBe(true);
    await core.db.activate(profileId());
    expect(core.db.session?.email).toBe(email);
  };
  const logsIn = async (login: { role: string; password: string }) => {
    const c = new pg.Client(clientConfig({ ...db.target, user: login.role }, login.password));
    c.on('error', () => undefined);
    try {
      await c.connect();
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  async function unlockWithProvider(login: string) {
    const started = await invoke('identity.signInStart', { profileId: profileId() });
    if (!started.ok) throw new Error(started.error.message);
    const { attemptId, authorizationUrl } = started.data as Response<'identity.signInStart'>;
    const landed = await fetch(await browseToCallback(authorizationUrl, login));
    expect(landed.status).toBe(200);
    return invoke('session.unlock', { attemptId });
  }

  beforeAll(async () => {
    idp = await startTestIdp();
    db = await migratedDatabase(server!);
    org = await createOrg(db, 'shift');
    await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    // The admin signs in through the provider as "ada"; "bola" is the operator's identity.
    await asOwner(db, null, async (c) => {
      await c.query('INSERT INTO mc.identity_links (org_id, operator_id, issuer, subject) VALUES ($1, $2, $3, $4), ($1, $5, $3, $6)', [org.orgId, org.admin.operatorId, idp.issuer, 'ada', org.operator.operatorId, 'bola']);
    });
    core = await coreOn(db, org.admin.email);
    // A clock of our own whose time the test moves; the core's own clock runs on the real time.
    clock = new SessionClock({ db: core.db, localAudit: new LocalAuditLog(core.dataDir), log: silentLogger(), now: () => now });
    router = createRouter({ log: silentLogger(), db: core.db, vault: core.vault, shell: core.shell, localAudit: new LocalAuditLog(core.dataDir), appVersion: 'test', validateResponses: true, sessions: clock }, handlers, topicHandlers);
    const set = await invoke('identity.setProvider', { profileId: profileId(), provider: { issuer: idp.issuer, clientId: 'mc-desktop' } });
    expect(set.ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    clock?.stop();
    await core?.cleanup();
    await db?.drop();
    await idp?.stop();
  });

  it('an active session says when it locks and expires, under the default policy (12 h, 15 min)', async () => {
    const s = await state();
    expect(s).toMatchObject({ state: 'active', operator: { email: org.admin.email, role: 'admin' }, policy: { maxHours: 12, idleMinutes: 15 }, unlockWith: 'identity-provider' });
    expect(s.expiresAt).toBe(new Date(now + 12 * 60 * MIN).toISOString());
    expect(s.locksAt).toBe(new Date(now + 15 * MIN).toISOString());
    expect((await invoke('status.list')).ok).toBe(true);
  });

  it('refuses a bad policy with field errors, and the settings file does not change', async () => {
    const file = core.db.profileStore.path;
    const before = readFileSync(file, 'utf8');
    for (const [policy, field] of [
      [{ maxHours: 0, idleMinutes: 15 }, 'policy.maxHours'],
      [{ maxHours: 73, idleMinutes: 15 }, 'policy.maxHours'],
      [{ maxHours: 8, idleMinutes: 1.5 }, 'policy.idleMinutes'],
      [{ maxHours: 8, idleMinutes: 241 }, 'policy.idleMinutes'],
      [{ maxHours: '8', idleMinutes: 15 }, 'policy.maxHours'],
    ] as const) {
      const r = await invoke('session.setPolicy', { profileId: profileId(), policy });
      expect(r.ok ? null : r.error.code, JSON.stringify(policy)).toBe('VALIDATION');
      expect(r.ok ? {} : r.error.fields, JSON.stringify(policy)).toHaveProperty([field]);
    }
    const unknown = await invoke('session.setPolicy', { profileId: 'no-such-profile', policy: { maxHours: 8, idleMinutes: 15 } });
    expect(unknown.ok ? null : unknown.error.code).toBe('NOT_FOUND');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await state()).policy).toEqual({ maxHours: 12, idleMinutes: 15 });
  });

  it('an admin sets the policy; it applies at once and is recorded', async () => {
    const r = await invoke('session.setPolicy', { profileId: profileId(), policy: { maxHours: 8, idleMinutes: 10 } });
    expect(r.ok ? r.data : r.error).toEqual({ policy: { maxHours: 8, idleMinutes: 10 } });
    const s = await state();
    expect(s.locksAt).toBe(new Date(now + 10 * MIN).toISOString());
    expect(localRecords().at(-1)).toMatchObject({ action: 'session.policy_set', data: { before: { maxHours: 12, idleMinutes: 15 }, after: { maxHours: 8, idleMinutes: 10 } } });
  });

  it('input postpones the idle lock; with none, the main process locks, and a locked session refuses everything but the session channels', async () => {
    now += 9 * MIN;
    expect((await invoke('session.activity')).ok).toBe(true);
    now += 9 * MIN;
    expect((await state()).state).toBe('active');
    now += 2 * MIN;
    // No timer had to fire: the router decides at the call.
    const refused = await invoke('status.list');
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/screen is locked \(admin of shift, since .* UTC\)/) });
    for (const [channel, payload] of [
      ['audit.list', {}],
      ['incidents.create', { title: 'sneaked in', severity: 'sev3' }],
      ['connections.list', {}],
      ['session.setPolicy', { profileId: profileId(), policy: { maxHours: 72, idleMinutes: null } }],
      ['identity.signInFinish', { attemptId: '00000000-0000-4000-8000-000000000001' }],
    ] as const) {
      const r = await invoke(channel, payload);
      expect(r.ok ? null : r.error.code, channel).toBe('FORBIDDEN');
    }
    // Input while locked does not unlock.
    const act = await invoke('session.activity');
    expect(act.ok ? act.data : null).toMatchObject({ state: 'locked' });
    const s = await state();
    expect(s).toMatchObject({ state: 'locked', lockedHow: 'idle', lockedAt: new Date(now - MIN).toISOString() });
    expect((await invoke('system.info')).ok).toBe(true);
    expect(localRecords().filter((r) => r.action === 'session.locked').at(-1)).toMatchObject({ actor: { name: 'admin of shift' }, data: { how: 'idle' } });
    // Unlocking needs a fresh sign-in on a profile with a provider.
    const bare = await invoke('session.unlock', {});
    expect(bare.ok ? null : bare.error).toMatchObject({ code: 'VALIDATION', fields: { attemptId: expect.any(String) } });
    expect((await state()).state).toBe('locked');
  });

  it('an unlock by another subject is refused and stays locked; the same subject unlocks', async () => {
    const wrong = await unlockWithProvider('bola');
    expect(wrong.ok ? null : wrong.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('signed in bola@idp.test, not admin of shift') });
    expect((await state()).state).toBe('locked');
    expect((await invoke('status.list')).ok).toBe(false);
    const stranger = await unlockWithProvider('stranger');
    expect(stranger.ok ? null : stranger.error.code).toBe('FORBIDDEN');
    expect((await state()).state).toBe('locked');
    expect(localRecords().filter((r) => r.action === 'session.unlock_refused').map((r) => r.data.signedInAs)).toEqual(['bola@idp.test', 'stranger@idp.test']);
    // The unlock did not sign anybody in or replace the held login.
    expect(core.db.session?.email).toBe(org.admin.email);

    const right = await unlockWithProvider('ada');
    expect(right.ok ? right.data : right.error).toMatchObject({ state: 'active', operator: { email: org.admin.email } });
    expect((await invoke('status.list')).ok).toBe(true);
    expect(localRecords().at(-1)).toMatchObject({ action: 'session.unlocked', data: { method: 'identity-provider', lockedHow: 'idle' } });
  });

  it('locks by hand (Ctrl+L): recorded, refused calls stay refused, and org events are held back while locked', async () => {
    const seen: unknown[] = [];
    const sub = router.subscribe('status.changed', {}, WS, (e) => seen.push(e));
    if (!sub.ok) throw new Error(sub.error.message);
    const componentId = '00000000-0000-4000-8000-00000000000a';
    core.db.emit('notification', { topic: 'status.changed', orgId: org.orgId, id: componentId });
    expect(seen).toEqual([{ componentId }]);

    const r = await invoke('session.lock');
    expect(r.ok ? r.data : r.error).toMatchObject({ state: 'locked', lockedHow: 'by-hand' });
    expect(localRecords().at(-1)).toMatchObject({ action: 'session.locked', data: { how: 'by-hand', alreadyLocked: false } });
    expect((await invoke('grid.overview')).ok).toBe(false);
    core.db.emit('notification', { topic: 'status.changed', orgId: org.orgId, id: componentId });
    expect(seen).toHaveLength(1);
    sub.data();
    // Reconnecting (the same operator's login) does not unlock.
    await core.db.activate(profileId());
    expect((await state()).state).toBe('locked');
    expect((await invoke('status.list')).ok).toBe(false);
  });

  it('hand over signs the operator out, records both sides, and leaves nothing of the old session usable', async () => {
    const old = decodeMemberLogin(await core.vault.get(memberAccount()));
    expect(old && (await logsIn(old))).toBe(true);
    const r = await invoke('session.handover', { note: 'Lagos corridor degraded; INC-12 open, watch p95.' });
    expect(r.ok ? r.data : r.error).toMatchObject({ state: 'ended', ended: { reason: 'handed-over', operatorName: 'admin of shift', note: 'Lagos corridor degraded; INC-12 open, watch p95.' } });
    expect(core.db.session).toBeNull();
    expect(await core.vault.get(memberAccount())).toBeNull();
    expect(await logsIn(old!)).toBe(false);
    const refused = await invoke('status.list');
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/admin of shift handed over at .* UTC: the next operator signs in/) });
    // The outgoing side: the workstation's log and the org's chain (written before the login went).
    expect(localRecords().filter((x) => x.action === 'session.handed_over').at(-1)).toMatchObject({ actor: { name: 'admin of shift' }, data: { note: 'Lagos corridor degraded; INC-12 open, watch p95.', inOrgChain: true } });
    const chained = await asOwner(db, null, async (c) => (await c.query<{ actor_name: string; data: { note: string } }>(`SELECT actor_name, data FROM mc.audit_events WHERE action = 'session.handed_over'`)).rows);
    expect(chained).toEqual([{ actor_name: 'admin of shift', data: expect.objectContaining({ note: 'Lagos corridor degraded; INC-12 open, watch p95.' }) }]);

    // The incoming side: the next operator signs in the usual way, and the clock records who after whom.
    await signIn(org.operator.email);
    const s = await state();
    expect(s).toMatchObject({ state: 'active', operator: { email: org.operator.email }, signedInAt: new Date(now).toISOString() });
    expect(localRecords().filter((x) => x.action === 'session.started' && x.data.after).at(-1)).toMatchObject({ actor: { name: 'operator of shift' }, data: { after: { reason: 'handed-over', operator: 'admin of shift' } } });
    expect((await invoke('status.list')).ok).toBe(true);
  });

  it('only an admin sets the policy while signed in', async () => {
    const before = readFileSync(core.db.profileStore.path, 'utf8');
    const r = await invoke('session.setPolicy', { profileId: profileId(), policy: { maxHours: 72, idleMinutes: null } });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Only an admin') });
    expect(readFileSync(core.db.profileStore.path, 'utf8')).toBe(before);
  });

  it('an expired session is signed out: org calls and hand-made calls are refused, saying when it expired', async () => {
    const held = decodeMemberLogin(await core.vault.get(memberAccount()));
    const told: Response<'system.info'>[] = [];
    const sub = router.subscribe('system.changed', {}, WS, (e) => told.push((e as { info: Response<'system.info'> }).info));
    if (!sub.ok) throw new Error(sub.error.message);
    now += 8 * 60 * MIN;
    const r = await invoke('status.list');
    expect(r.ok ? null : r.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/^Your session expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC: sign in again\.$/) });
    const cmd = await router.invoke('incidents.create', { title: 'after expiry', severity: 'sev3' }, { readOnly: false, via: 'ws' });
    expect(cmd.ok ? null : cmd.error.code).toBe('UNAUTHENTICATED');
    expect(core.db.session).toBeNull();
    expect((await state()).state).toBe('ended');
    expect(localRecords().filter((x) => x.action === 'session.expired').at(-1)).toMatchObject({ actor: { name: 'operator of shift' } });
    await expect.poll(async () => logsIn(held!)).toBe(false);
    expect(await core.vault.get(memberAccount())).toBeNull();
    // Workstation settings still answer (the next person signs in from Connections).
    expect((await invoke('connections.list')).ok).toBe(true);
    // The views are told: system.changed carries the ended session and why.
    await expect.poll(() => told.some((i) => i.sessionClock?.state === 'ended' && i.sessionClock.ended?.reason === 'expired' && i.session === null)).toBe(true);
    sub.data();
  });
});
