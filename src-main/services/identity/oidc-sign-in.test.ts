import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { secretAccounts } from '../../db';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { browseToCallback, startTestIdp, type TestIdp } from '../../testing/oidc-test-idp';
import { invitationCodeHash, newInvitationCode } from './invitations';
import { completeSignIn, discoverForTest } from './oidc-flow';
import { oauthLoginAnswer } from '../checklists/oauth-login-check';

const ok = await needKeychain();
const server = testServers()[0];

describe.skipIf(!ok || !server)('sign-in with a real OpenID provider (oidc-provider, PKCE required)', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let idp: TestIdp;
  let admin: Awaited<ReturnType<typeof coreOn>>;
  let user: Awaited<ReturnType<typeof coreOn>>;
  const profileId = () => user.db.profileStore.activeId;
  const held = () => user.vault.get(secretAccounts.memberLogin(user.db.profileStore.instanceId, profileId()));
  const counts = () =>
    asOwner(db, null, async (c) => (await c.query<{ logins: number; links: number; members: number }>(
      'SELECT (SELECT count(*)::int FROM mc.member_logins) AS logins, (SELECT count(*)::int FROM mc.identity_links) AS links, (SELECT count(*)::int FROM mc.memberships) AS members',
    )).rows[0]);
  /** The pilot gate "OAuth login works", as the org's admin reads it. */
  const gate = () => admin.db.tx(admin.db.session!, (sql) => oauthLoginAnswer(sql), { readOnly: true });
  const invite = async (email: string, role = 'operator') => call<Response<'invitations.create'>>(admin, 'invitations.create', { email, role });

  /** Start in the app, do the browser part as the person would, and let the app finish. */
  async function signIn(login: string, opts: { code?: string; tamper?: (u: URL) => void; beforeCallback?: () => Promise<void> } = {}) {
    const started = await call<Response<'identity.signInStart'>>(user, 'identity.signInStart', { profileId: profileId(), ...(opts.code ? { invitationCode: opts.code } : {}) });
    expect(started.openedInSystemBrowser).toBe(false);
    const url = new URL(started.authorizationUrl);
    opts.tamper?.(url);
    const callback = await browseToCallback(url.href, login);
    await opts.beforeCallback?.();
    // The real HTTP round trip to the app's loopback receiver.
    const landed = await fetch(callback);
    expect(landed.status).toBe(200);
    return user.router.invoke('identity.signInFinish', { attemptId: started.attemptId }, { readOnly: false, via: 'direct' });
  }

  beforeAll(async () => {
    idp = await startTestIdp();
    db = await migratedDatabase(server!);
    org = await createOrg(db, 'lagos');
    admin = await coreOn(db, org.admin.email);
    user = await coreOn(db, 'nobody@idp.test');
    await call(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: idp.issuer, clientId: 'mc-desktop' } });
  }, 60_000);
  afterAll(async () => {
    await admin?.cleanup();
    await user?.cleanup();
    await db?.drop();
    await idp?.stop();
  });

  it('refuses an identity linked to no membership, and signs nobody in', async () => {
    expect(user.db.session).toBeNull();
    const before = await counts();
    const r = await signIn('stranger');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/stranger@idp\.test.*not linked to any membership.*Ask an admin .* for an invitation/) });
    expect(user.db.session).toBeNull();
    expect(await counts()).toEqual(before);
    expect(await held()).toBeNull();
  });

  it('an admin invites by e-mail with a role; the code is shown once and only its hash is stored', async () => {
    const { invitation, code } = await invite('ngozi@idp.test');
    expect(code).toMatch(/^MC-[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(invitation).toMatchObject({ email: 'ngozi@idp.test', role: 'operator', status: 'outstanding' });
    const hours = (Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)) / 3_600_000;
    expect(hours).toBeCloseTo(24, 1);
    const stored = await asOwner(db, null, async (c) => (await c.query<{ code_hash: string }>('SELECT code_hash FROM mc.invitations WHERE id = $1', [invitation.id])).rows[0]);
    expect(stored?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code.slice(3, 8));
    const list = await call<Response<'invitations.list'>>(admin, 'invitations.list', {});
    expect(list.invitations.map((i) => [i.email, i.status])).toContainEqual(['ngozi@idp.test', 'outstanding']);
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', {});
    const created = audit.events.find((e) => e.action === 'invitation.created');
    expect(created).toBeTruthy();
    expect(JSON.stringify(created)).not.toContain(code.slice(3));
    // Not an admin: refused.
    const operator = await coreOn(db, org.operator.email);
    try {
      expect(await refused(operator, 'invitations.create', { email: 'x@idp.test', role: 'operator' })).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refused(operator, 'invitations.list', {})).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await operator.cleanup();
    }
  });

  it('too short an invitation is refused: at least 15 minutes', async () => {
    expect(await refused(admin, 'invitations.create', { email: 'short@idp.test', role: 'operator', expiresInMinutes: 5 })).toMatchObject({ code: 'VALIDATION' });
  });

  let code = '';
  it('the pilot gate "OAuth login works" says no while nobody of the org has signed in through the provider', async () => {
    // The admin is signed in (by the test harness, as the embedded demo would): that is not the provider.
    expect(await gate()).toMatchObject({ ok: false, summary: expect.stringContaining('Nobody in this org has signed in through an identity provider yet'), record: { type: 'view', id: 'connections' } });
    // A link written by hand with a counter but no sign-in event in the chain proves nothing either.
    await asOwner(db, null, (c) => c.query(`INSERT INTO mc.identity_links (org_id, operator_id, issuer, subject, sign_in_count, last_sign_in_at) VALUES ($1, $2, $3, 'typed-by-hand', 1, now())`, [org.orgId, org.auditor.operatorId, idp.issuer]));
    expect(await gate()).toMatchObject({ ok: false, summary: expect.stringContaining('no sign-in through the provider is recorded') });
    await asOwner(db, null, (c) => c.query(`DELETE FROM mc.identity_links WHERE subject = 'typed-by-hand'`));
  });

  it('accepting with the identity provider links the subject to a new membership and signs in through its own login', async () => {
    ({ code } = await invite('amaka@idp.test', 'incident_commander'));
    const r = await signIn('amaka', { code });
    expect(r.ok ? r.data : r.error).toMatchObject({ email: 'amaka@idp.test', role: 'incident_commander' });
    expect(user.db.session).toMatchObject({ email: 'amaka@idp.test', role: 'incident_commander', orgName: 'Org lagos' });
    const link = await asOwner(db, null, async (c) => (await c.query<{ issuer: string; subject: string; last_sign_in_at: Date | string | null; sign_in_count: number }>(
      `SELECT l.issuer, l.subject, l.last_sign_in_at, l.sign_in_count FROM mc.identity_links l JOIN mc.operators o ON o.id = l.operator_id WHERE o.email = 'amaka@idp.test'`)).rows[0]);
    expect(link).toMatchObject({ issuer: idp.issuer, subject: 'amaka', sign_in_count: 1 });
    expect(link?.last_sign_in_at).toBeTruthy();
    // The refresh token went to the keychain, nowhere else.
    const token = await user.vault.get(secretAccounts.refreshToken(user.db.profileStore.instanceId, profileId()));
    expect(token).toBeTruthy();
    expect(JSON.stringify(r)).not.toContain(token!);
    const audit = await call<Response<'audit.list'>>(user, 'audit.list', {});
    expect(audit.events.map((e) => [e.action, e.actor.name])).toEqual(expect.arrayContaining([['invitation.accepted', 'Person amaka'], ['identity.signed_in', 'Person amaka']]));
    const list = await call<Response<'invitations.list'>>(admin, 'invitations.list', {});
    expect(list.invitations.find((i) => i.email === 'amaka@idp.test')?.status).toBe('accepted');
  });

  it('the same code used twice is refused, and nothing changes', async () => {
    const before = await counts();
    const session = user.db.session;
    const r = await signIn('amaka', { code });
    expect(!r.ok && r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already used') });
    expect(await counts()).toEqual(before);
    expect(user.db.session).toEqual(session);
  });

  it('a later sign-in of a linked identity needs no invitation, and is counted', async () => {
    const r = await signIn('amaka');
    expect(r.ok).toBe(true);
    const n = await asOwner(db, null, async (c) => (await c.query<{ n: number }>(`SELECT sign_in_count AS n FROM mc.identity_links WHERE subject = 'amaka'`)).rows[0]?.n);
    expect(n).toBe(2);
  });

  it('the pilot gate "OAuth login works" passes from the records of that sign-in, linking its audit event', async () => {
    const a = await gate();
    expect(a).toMatchObject({ ok: true, summary: expect.stringMatching(new RegExp(`^Person amaka signed in through ${idp.issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} on .*1 member has signed in this way\\.$`)), record: { type: 'audit' } });
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', {});
    const last = audit.events.find((e) => e.action === 'identity.signed_in');
    expect(a.record?.id).toBe(String(last?.seq));
  });

  it('an expired, a withdrawn, a mistyped invitation or one for a removed org is refused, each saying so', async () => {
    const before = await counts();
    const expired = await invite('late@idp.test');
    await asOwner(db, null, (c) => c.query(`UPDATE mc.invitations SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.invitation.id]));
    let r = await signIn('late', { code: expired.code });
    expect(!r.ok && r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });

    const withdrawn = await invite('gone@idp.test');
    const w = await call<Response<'invitations.withdraw'>>(admin, 'invitations.withdraw', { id: withdrawn.invitation.id });
    expect(w.invitation.status).toBe('withdrawn');
    expect(await refused(admin, 'invitations.withdraw', { id: withdrawn.invitation.id })).toMatchObject({ code: 'CONFLICT' });
    r = await signIn('gone', { code: withdrawn.code });
    expect(!r.ok && r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('withdrawn') });

    r = await signIn('late', { code: 'MC-AAAAA-BBBBB-CCCCC-DDDDD' });
    expect(!r.ok && r.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('not known') });

    // An invitation for another e-mail than the provider vouches for.
    const other = await invite('someone@idp.test');
    r = await signIn('late', { code: other.code });
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('is for someone@idp.test') });

    const doomed = await createOrg(db, 'doomed');
    // An org with an audit chain cannot be deleted at all; one removed by its database owner
    // before anything was recorded leaves its invitations behind, which must then say so.
    const lost = { code: newInvitationCode() };
    await asOwner(db, null, (c) =>
      c.query(`INSERT INTO mc.invitations (org_id, email, role, code_hash, created_by, expires_at) VALUES ($1, 'orphan@idp.test', 'auditor', $2, $3, now() + interval '1 day')`, [doomed.orgId, invitationCodeHash(lost.code), doomed.admin.operatorId]),
    );
    await asOwner(db, null, (c) => c.query('DELETE FROM mc.orgs WHERE id = $1', [doomed.orgId]));
    const afterRemoval = await counts();
    r = await signIn('orphan', { code: lost.code });
    expect(!r.ok && r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has been removed') });
    expect(await counts()).toEqual(afterRemoval);
    expect(afterRemoval?.links).toBe(before?.links);
  });

  it('refuses a state or nonce that is not the one the app sent, and keeps the current sign-in', async () => {
    const before = await counts();
    const session = user.db.session;
    const login = await held();
    let r = await signIn('amaka', { tamper: (u) => u.searchParams.set('state', 'forged-state') });
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('state mismatch') });
    r = await signIn('amaka', { tamper: (u) => u.searchParams.set('nonce', 'forged-nonce') });
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('nonce mismatch') });
    expect(await counts()).toEqual(before);
    expect(user.db.session).toEqual(session);
    expect(await held()).toBe(login);
  });

  it('refuses an ID token for another audience, and one outside the clock (skew)', async () => {
    const before = await counts();
    let r = await signIn('amaka', { beforeCallback: () => idp.setMode({ audience: 'other-app' }) });
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('audience mismatch') });
    r = await signIn('amaka', { beforeCallback: () => idp.setMode({ clockOffsetS: -2 * 3600 }) });
    expect(!r.ok && r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('clock skew') });
    await idp.setMode({});
    expect(await counts()).toEqual(before);
  });

  it('refuses an expired or replayed code (the exchange step the app uses)', async () => {
    const config = await discoverForTest({ issuer: idp.issuer, clientId: 'mc-desktop' }, {});
    const checks = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const ctx = { issuer: idp.issuer, clientId: 'mc-desktop' };
    const authorize = async () =>
      oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/callback', scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier), code_challenge_method: 'S256', state: checks.state, nonce: checks.nonce }).href;
    const callback = await browseToCallback(await authorize(), 'amaka');
    await expect(completeSignIn(config, callback, checks, ctx)).resolves.toMatchObject({ subject: 'amaka' });
    await expect(completeSignIn(config, callback, checks, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('already used') });
    const later = await browseToCallback(await authorize(), 'amaka');
    await idp.setMode({ clockOffsetS: 120 });
    await expect(completeSignIn(config, later, checks, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('expired') });
    await idp.setMode({});
  });

  it('refuses a wrong issuer and an unreachable provider before any browser opens', async () => {
    const port = new URL(idp.issuer).port;
    await call(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: `http://localhost:${port}`, clientId: 'mc-desktop' } });
    expect(await refused(user, 'identity.signInStart', { profileId: profileId() })).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('wrong issuer') });
    await call(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: 'http://127.0.0.1:9', clientId: 'mc-desktop' } });
    expect(await refused(user, 'identity.signInStart', { profileId: profileId() })).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('provider unreachable') });
    expect(await refused(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: 'http://idp.example.test', clientId: 'mc-desktop' } })).toMatchObject({ code: 'VALIDATION' });
    await call(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: idp.issuer, clientId: 'mc-desktop' } });
  });

  it('the loopback receiver answers its one callback only', async () => {
    const started = await call<Response<'identity.signInStart'>>(user, 'identity.signInStart', { profileId: profileId() });
    const redirect = new URL(new URL(started.authorizationUrl).searchParams.get('redirect_uri') ?? '');
    expect(redirect.hostname).toBe('127.0.0.1');
    expect((await fetch(new URL('/other', redirect))).status).toBe(404);
    await call(user, 'identity.signInCancel', { attemptId: started.attemptId });
    expect(await refused(user, 'identity.signInFinish', { attemptId: started.attemptId })).toMatchObject({ code: 'NOT_FOUND' });
  });
});
