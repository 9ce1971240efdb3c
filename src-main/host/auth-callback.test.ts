import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Response } from '../../src-shared/contract';
import type { ServerMessage } from '../../src-shared/contract/wire';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { call, coreOn, tempDataDir } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { browseToCallback, startTestIdp, type TestIdp } from '../testing/oidc-test-idp';
import { waitingHostCallbacks } from '../services/identity/host-callbacks';
import { CALLBACK_RATE_PER_MINUTE, CallbackRate, MAX_CALLBACK_URL } from './auth-callback';
import { type RunningHost, startHost } from './server';

const server = testServers()[0];
const ok = await needKeychain();

/** The page's side of the contract: the host's own WebSocket, with the page token. */
class Page {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  private id = 1;
  constructor(host: RunningHost) {
    this.ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as ServerMessage));
  }
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  async invoke(channel: string, payload: unknown, timeout = 15_000) {
    const id = this.id++;
    this.ws.send(JSON.stringify({ t: 'invoke', id, channel, payload }));
    await expect.poll(() => this.messages.find((m) => m.t === 'result' && m.id === id), { timeout }).toBeTruthy();
    return (this.messages.find((m) => m.t === 'result' && m.id === id) as Extract<ServerMessage, { t: 'result' }>).envelope;
  }
}

describe('the callback rate', () => {
  it('allows a minute’s worth of answers, refuses the next, and opens again a minute later', () => {
    let t = 1_000_000;
    const rate = new CallbackRate(CALLBACK_RATE_PER_MINUTE, () => t);
    for (let i = 0; i < CALLBACK_RATE_PER_MINUTE; i++) expect(rate.allow()).toBe(true);
    expect(rate.allow()).toBe(false);
    t += 59_000;
    expect(rate.allow()).toBe(false);
    t += 1_000;
    expect(rate.allow()).toBe(true);
  });
});

describe.skipIf(!ok || !server)('the browser host’s sign-in callback (real provider, real HTTP)', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let idp: TestIdp;
  let admin: Awaited<ReturnType<typeof coreOn>>;
  let user: Awaited<ReturnType<typeof coreOn>>;
  let host: RunningHost;
  let page: Page;
  const statics = tempDataDir('mc-static-');
  const profileId = () => user.db.profileStore.activeId;
  const callbackBase = () => `http://127.0.0.1:${host.port}/auth/callback`;

  beforeAll(async () => {
    mkdirSync(join(statics.dir, 'assets'));
    writeFileSync(join(statics.dir, 'index.html'), '<!doctype html><title>mc</title>');
    idp = await startTestIdp();
    db = await migratedDatabase(server!);
    org = await createOrg(db, 'hostcb');
    admin = await coreOn(db, org.admin.email);
    user = await coreOn(db, 'nobody@idp.test');
    host = await startHost({ core: user, staticRoot: statics.dir });
    page = new Page(host);
    await page.open();
    await call(user, 'identity.setProvider', { profileId: profileId(), provider: { issuer: idp.issuer, clientId: 'mc-desktop' } });
  }, 60_000);
  afterAll(async () => {
    page?.ws.close();
    await host?.close();
    await admin?.cleanup();
    await user?.cleanup();
    await db?.drop();
    await idp?.stop();
    statics.remove();
  });

  it('shows the page this host’s own redirect URI to allow-list', async () => {
    const r = await page.invoke('identity.provider', { profileId: profileId() });
    expect(r.ok && r.data).toMatchObject({ redirectPattern: callbackBase() });
  });

  let replay: URL;
  it('the page goes to the provider and back to /auth/callback (no page token); the app then finishes the sign-in over its WebSocket', async () => {
    const { code } = await call<Response<'invitations.create'>>(admin, 'invitations.create', { email: 'hana@idp.test', role: 'operator' });
    const started = await page.invoke('identity.signInStart', { profileId: profileId(), invitationCode: code });
    if (!started.ok) throw new Error(started.error.message);
    const s = started.data as Response<'identity.signInStart'>;
    expect(s).toMatchObject({ openedInSystemBrowser: false, returnsToThisPage: true });
    expect(new URL(s.authorizationUrl).searchParams.get('redirect_uri')).toBe(callbackBase());
    const callback = await browseToCallback(s.authorizationUrl, 'hana');
    expect(callback.origin + callback.pathname).toBe(callbackBase());
    // The browser comes back: no cookie, no token, just the provider's answer.
    const landed = await fetch(callback, { redirect: 'manual' });
    expect(landed.status).toBe(200);
    const body = await landed.text();
    expect(body).toContain('<meta http-equiv="refresh" content="0;url=/#/connections">');
    expect(landed.headers.get('cache-control')).toBe('no-store');
    expect(landed.headers.get('referrer-policy')).toBe('no-referrer');
    for (const secret of [callback.searchParams.get('code')!, callback.searchParams.get('state')!, host.token]) expect(body).not.toContain(secret);
    // A page that asks twice (its first call timed out on its side, or it reloaded) waits on the one finish: one sign-in, not two.
    const [finished, again] = await Promise.all([page.invoke('identity.signInFinish', { attemptId: s.attemptId }), page.invoke('identity.signInFinish', { attemptId: s.attemptId })]);
    expect(finished.ok ? finished.data : finished.error).toMatchObject({ email: 'hana@idp.test', role: 'operator', orgName: expect.stringContaining('hostcb') });
    expect(again).toEqual(finished);
    const admins = await call<Response<'audit.list'>>(admin, 'audit.list', {});
    expect(admins.events.filter((e) => e.action === 'identity.signed_in' && e.actor.name === 'Person hana')).toHaveLength(1);
    expect(user.db.session).toMatchObject({ email: 'hana@idp.test' });
    expect(waitingHostCallbacks()).toBe(0);
    replay = callback;
  });

  it('a replayed answer finds no sign-in: a plain page says so, and nothing changes', async () => {
    const session = user.db.session;
    const r = await fetch(replay, { redirect: 'manual' });
    expect(r.status).toBe(400);
    const body = await r.text();
    expect(body).toContain('This sign-in is not under way');
    expect(body).toContain('already used, cancelled, or timed out');
    expect(body).not.toContain(replay.searchParams.get('code')!);
    expect(user.db.session).toEqual(session);
  });

  it('an unknown or missing state is refused the same way, and a waiting sign-in is not touched by it', async () => {
    const started = await page.invoke('identity.signInStart', { profileId: profileId() });
    if (!started.ok) throw new Error(started.error.message);
    const s = started.data as Response<'identity.signInStart'>;
    expect(waitingHostCallbacks()).toBe(1);
    for (const q of ['?code=abc&state=not-a-state', '?code=abc', '']) {
      const r = await fetch(`${callbackBase()}${q}`, { redirect: 'manual' });
      expect(r.status).toBe(400);
      expect(await r.text()).toContain('Nothing was signed in');
    }
    expect(waitingHostCallbacks()).toBe(1);
    // Cancelling stops it waiting: its real answer, arriving later, is refused like any unknown one.
    const callback = await browseToCallback(s.authorizationUrl, 'hana');
    await page.invoke('identity.signInCancel', { attemptId: s.attemptId });
    expect(waitingHostCallbacks()).toBe(0);
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
  });

  it('an oversized answer is refused without being read as one; other paths still need the token', async () => {
    const r = await fetch(`${callbackBase()}?state=x&code=${'a'.repeat(MAX_CALLBACK_URL)}`, { redirect: 'manual' });
    expect(r.status).toBe(414);
    expect(await r.text()).not.toContain('aaaa');
    expect((await fetch(`http://127.0.0.1:${host.port}/auth/other`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${host.port}/`)).status).toBe(401);
  });
});
