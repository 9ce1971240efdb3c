import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_UNREAD, MAX_CALLS_IN_FLIGHT, MAX_SUBSCRIPTIONS, PAUSE_READING_AT_UNREAD_BYTES, type ServerMessage } from '../../src-shared/contract/wire';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { coreOn, tempDataDir } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { type RunningHost, startHost } from './server';

const server = testServers()[0]!;
const ok = await needKeychain();

/** Raw HTTP, so the Host header and methods can be anything a hostile page could send. */
function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

class Client {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  private id = 1;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as ServerMessage));
  }
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }
  async invoke(channel: string, payload: unknown) {
    const id = this.id++;
    this.ws.send(JSON.stringify({ t: 'invoke', id, channel, payload }));
    await expect.poll(() => this.messages.find((m) => m.t === 'result' && m.id === id), { timeout: 5000 }).toBeTruthy();
    return (this.messages.find((m) => m.t === 'result' && m.id === id) as Extract<ServerMessage, { t: 'result' }>).envelope;
  }
  close() {
    this.ws.close();
  }
}

describe.skipIf(!ok)('browser host', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let host: RunningHost;
  let ro: RunningHost;
  const statics = tempDataDir('mc-static-');
  const ws = (h: RunningHost, token: string | null = h.token) => `ws://127.0.0.1:${h.port}/ws${token === null ? '' : `?token=${token}`}`;

  beforeAll(async () => {
    mkdirSync(join(statics.dir, 'assets'));
    writeFileSync(join(statics.dir, 'index.html'), '<!doctype html><title>mc</title>');
    writeFileSync(join(statics.dir, 'assets', 'app.js'), 'console.log(1)');
    db = await migratedDatabase(server);
    org = await createOrg(db, 'host');
    await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    core = await coreOn(db, org.operator.email);
    host = await startHost({ core, staticRoot: statics.dir });
    ro = await startHost({ core, staticRoot: statics.dir, readOnly: true });
  });
  afterAll(async () => {
    await ro?.close();
    await host?.close();
    await core?.cleanup();
    await db?.drop();
    statics.remove();
  });

  it('listens on loopback only and prints a URL with a long random token', () => {
    const addr = host.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
    expect(ro.token).not.toBe(host.token);
  });

  it('answers /healthz without a token, with status only', async () => {
    const r = await http(host.port, '/healthz', { headers: { Host: `127.0.0.1:${host.port}` } });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['database', 'keychain', 'migrations', 'readOnly', 'status']);
    expect(body).toMatchObject({ status: 'ok', readOnly: false, database: { reachable: true }, migrations: { current: true } });
    expect(r.body).not.toMatch(new RegExp(`${org.slug}|${db.target.database}|${org.operator.email}`));
    expect(JSON.parse((await http(ro.port, '/healthz', { headers: { Host: `127.0.0.1:${ro.port}` } })).body).readOnly).toBe(true);
  });

  it('refuses pages without the token, or with a wrong one', async () => {
    const h = { Host: `127.0.0.1:${host.port}` };
    expect((await http(host.port, '/', { headers: h })).status).toBe(401);
    expect((await http(host.port, `/?token=${ro.token}`, { headers: h })).status).toBe(401);
    expect((await http(host.port, `/?token=${host.token.slice(0, -1)}`, { headers: h })).status).toBe(401);
    expect((await http(host.port, '/assets/app.js', { headers: h })).status).toBe(401);
  });

  it('serves with the token, sets an HttpOnly SameSite cookie, and accepts the cookie after', async () => {
    const h = { Host: `127.0.0.1:${host.port}` };
    const first = await http(host.port, `/?token=${host.token}`, { headers: h });
    expect(first.status).toBe(200);
    expect(first.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'/);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`mc_token_${host.port}=.+; HttpOnly; SameSite=Strict; Path=/`));
    const asset = await http(host.port, '/assets/app.js', { headers: { ...h, Cookie: cookie.split(';')[0] as string } });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log(1)');
  });

  it('does not accept one host’s cookie at another host’s port', async () => {
    const r = await http(ro.port, '/', { headers: { Host: `127.0.0.1:${ro.port}`, Cookie: `mc_token_${host.port}=${host.token}` } });
    expect(r.status).toBe(401);
  });

  it('refuses requests that name another host (DNS rebinding) and methods other than GET', async () => {
    expect((await http(host.port, `/?token=${host.token}`, { headers: { Host: `evil.example:${host.port}` } })).status).toBe(421);
    expect((await http(host.port, `/?token=${host.token}`, { method: 'POST', headers: { Host: `127.0.0.1:${host.port}` } })).status).toBe(405);
  });

  it('never serves files outside the renderer folder', async () => {
    const h = { Host: `127.0.0.1:${host.port}`, Cookie: `mc_token_${host.port}=${host.token}` };
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5cpackage.json', '/%00']) {
      const r = await http(host.port, p, { headers: h });
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('umamiedge-mission-control');
    }
  });

  it('refuses WebSockets without the token, from another origin, or on another path', async () => {
    await expect(new Client(ws(host, null)).open()).rejects.toThrow(/401/);
    await expect(new Client(ws(host, 'wrong')).open()).rejects.toThrow(/401/);
    await expect(new Client(ws(host), { Origin: 'https://evil.example' }).open()).rejects.toThrow(/403/);
    await expect(new Client(`ws://127.0.0.1:${host.port}/other?token=${host.token}`).open()).rejects.toThrow(/404/);
  });

  it('carries the contract: a query answered, validation errors named', async () => {
    const c = new Client(ws(host), { Origin: `http://127.0.0.1:${host.port}` });
    await c.open();
    const r = await c.invoke('status.list', {});
    expect(r.ok).toBe(true);
    const bad = await c.invoke('status.setState', { componentId: 'x' });
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'VALIDATION', fields: { componentId: expect.any(String), state: expect.any(String), reason: expect.any(String) } });
    c.close();
  });

  it('answers malformed frames with an error and keeps going', async () => {
    const c = new Client(ws(host));
    await c.open();
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ t: 'explode', id: 1 }));
    c.ws.send(JSON.stringify({ t: 'invoke', id: -4, channel: 'status.list' }));
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.ws.send(JSON.stringify(null));
    await expect.poll(() => c.messages.filter((m) => m.t === 'error').length).toBe(5);
    expect((c.messages.filter((m) => m.t === 'error') as Extract<ServerMessage, { t: 'error' }>[]).map((m) => m.error.code)).toEqual(Array(5).fill('VALIDATION'));
    expect((await c.invoke('status.list', {})).ok).toBe(true);
    c.close();
  });

  it('closes a connection that sends an oversized frame (1009) and serves everyone else', async () => {
    const big = new Client(ws(host));
    await big.open();
    const closed = new Promise<number>((r) => big.ws.once('close', (code) => r(code)));
    big.ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'status.list', payload: { pad: 'x'.repeat(300 * 1024) } }));
    expect(await closed).toBe(1009);
    const other = new Client(ws(host));
    await other.open();
    expect((await other.invoke('status.list', {})).ok).toBe(true);
    other.close();
  });

  it('refuses every command in read-only mode, and serves queries', async () => {
    const c = new Client(ws(ro));
    await c.open();
    const list = await c.invoke('status.list', {});
    expect(list.ok).toBe(true);
    const id = (list as { data: { components: { id: string }[] } }).data.components[0]!.id;
    const r = await c.invoke('status.setState', { componentId: id, state: 'major_outage', reason: 'from the wall' });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/read-only/) });
    const again = await c.invoke('status.list', {});
    // Nothing was declared from the wall.
    expect((again as { data: { components: { declared: unknown; changedBy: unknown }[] } }).data.components[0]).toMatchObject({ declared: null, changedBy: null });
    c.close();
  });

  it('delivers subscriptions, stops them on unsub, and drops them when the socket closes', async () => {
    const watcher = new Client(ws(host));
    const actor = new Client(ws(host));
    await Promise.all([watcher.open(), actor.open()]);
    watcher.ws.send(JSON.stringify({ t: 'sub', id: 77, topic: 'status.changed', params: {} }));
    watcher.ws.send(JSON.stringify({ t: 'sub', id: 77, topic: 'status.changed', params: {} }));
    await expect.poll(() => watcher.messages.some((m) => m.t === 'sub-error' && m.id === 77)).toBe(true);
    const id = ((await actor.invoke('status.list', {})) as { data: { components: { id: string }[] } }).data.components[0]!.id;
    expect((await actor.invoke('status.setState', { componentId: id, state: 'degraded_performance', reason: 'ws subscription test' })).ok).toBe(true);
    await expect.poll(() => watcher.messages.some((m) => m.t === 'event' && m.id === 77), { timeout: 2000 }).toBe(true);
    watcher.ws.send(JSON.stringify({ t: 'unsub', id: 77 }));
    // Frames are handled in order: once this answer is back, the unsub has been handled too. A
    // second subscription on the same socket then marks when 77's event would have arrived.
    watcher.ws.send(JSON.stringify({ t: 'sub', id: 79, topic: 'status.changed', params: {} }));
    expect((await watcher.invoke('status.list', {})).ok).toBe(true);
    const count = watcher.messages.filter((m) => m.t === 'event' && m.id === 77).length;
    const back = await actor.invoke('status.setState', { componentId: id, state: 'operational', reason: 'ws subscription test done' });
    expect(back.ok).toBe(true);
    await expect.poll(() => watcher.messages.some((m) => m.t === 'event' && m.id === 79)).toBe(true);
    expect(watcher.messages.filter((m) => m.t === 'event' && m.id === 77).length).toBe(count);
    watcher.ws.send(JSON.stringify({ t: 'unsub', id: 79 }));
    expect((await watcher.invoke('status.list', {})).ok).toBe(true);
    const listeners = core.db.listenerCount('notification');
    watcher.ws.send(JSON.stringify({ t: 'sub', id: 78, topic: 'status.changed', params: {} }));
    await expect.poll(() => core.db.listenerCount('notification')).toBe(listeners + 1);
    watcher.close();
    await expect.poll(() => core.db.listenerCount('notification')).toBe(listeners);
    actor.close();
  });

  it('caps calls in flight and subscriptions per connection, and serves again once answers are back', async () => {
    const c = new Client(ws(host));
    await c.open();
    const subs = MAX_SUBSCRIPTIONS + 10;
    for (let i = 1; i <= subs; i++) c.ws.send(JSON.stringify({ t: 'sub', id: 1000 + i, topic: 'status.changed', params: {} }));
    await expect.poll(() => c.messages.filter((m) => m.t === 'sub-error').length).toBe(10);
    const subErrors = c.messages.filter((m) => m.t === 'sub-error') as Extract<ServerMessage, { t: 'sub-error' }>[];
    expect(subErrors.map((m) => m.id)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + MAX_SUBSCRIPTIONS + 1 + i));
    expect(subErrors[0]!.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/Too many subscriptions/) });

    // Sent in one go, far more than the cap: the first MAX are taken, the rest refused at once.
    const calls = MAX_CALLS_IN_FLIGHT * 3;
    for (let i = 1; i <= calls; i++) c.ws.send(JSON.stringify({ t: 'invoke', id: i, channel: 'status.list', payload: {} }));
    await expect.poll(() => c.messages.filter((m) => m.t === 'result').length, { timeout: 20_000 }).toBe(calls);
    const results = (c.messages.filter((m) => m.t === 'result') as Extract<ServerMessage, { t: 'result' }>[]).map((m) => m.envelope);
    const refused = results.filter((e) => !e.ok);
    expect(results.filter((e) => e.ok).length).toBeGreaterThanOrEqual(MAX_CALLS_IN_FLIGHT);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.ok ? null : e.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/Too many calls in flight/) });
    expect((await c.invoke('status.list', {})).ok).toBe(true);
    c.close();
  });

  /** Frames a client sends while its own socket is paused: answers pile up unless the host pushes back. */
  const flood = (c: Client, from: number, count: number) => {
    // An unknown channel is answered without the database, so the host can answer as fast as it reads.
    for (let i = from; i < from + count; i++) c.ws.send(JSON.stringify({ t: 'invoke', id: i, channel: 'no.such-channel', payload: { pad: 'x'.repeat(40) } }));
  };

  it('stops reading a client that does not read its answers, and answers everything once it reads again', async () => {
    const c = new Client(ws(host));
    await c.open();
    c.ws.pause();
    const count = 120_000;
    flood(c, 1, count);
    // The host pushed back: it stopped reading, so what it sent stays near the pause mark and the
    // client's own frames wait on the client's side.
    await expect.poll(() => host.stats().paused, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => c.ws.bufferedAmount, { timeout: 30_000 }).toBeGreaterThan(4 * 1024 * 1024);
    const unread = host.stats().unreadBytes;
    expect(unread).toBeGreaterThan(PAUSE_READING_AT_UNREAD_BYTES / 2);
    expect(unread).toBeLessThan(2 * PAUSE_READING_AT_UNREAD_BYTES);

    c.ws.resume();
    await expect.poll(() => c.messages.length, { timeout: 120_000, interval: 200 }).toBe(count);
    const ids = new Set(c.messages.map((m) => (m.t === 'result' ? m.id : -1)));
    expect(ids.size).toBe(count);
    expect(ids.has(-1)).toBe(false);
    expect(host.stats().paused).toBe(0);
    c.ws.send(JSON.stringify({ t: 'invoke', id: count + 1, channel: 'status.list', payload: {} }));
    await expect.poll(() => c.messages.find((m) => m.t === 'result' && m.id === count + 1)).toMatchObject({ envelope: { ok: true } });
    c.close();
  }, 180_000);

  it('closes a client that lets too much pile up unread, with CLOSE_UNREAD, and serves everyone else', async () => {
    const tight = await startHost({ core, staticRoot: statics.dir, unreadLimits: { pauseReadingAt: 64 * 1024 * 1024, closeAt: 2 * 1024 * 1024, closeGraceMs: 60_000 } });
    try {
      const other = new Client(ws(tight));
      await other.open();
      const c = new Client(ws(tight));
      await c.open();
      const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
      c.ws.pause();
      flood(c, 1, 100_000);
      await expect.poll(() => tight.stats().closing, { timeout: 30_000 }).toBe(1);
      c.ws.resume();
      expect(await closed).toBe(CLOSE_UNREAD);
      await expect.poll(() => tight.stats()).toMatchObject({ clients: 1, closing: 0 });
      expect(tight.stats().unreadBytes).toBeLessThan(1024 * 1024);
      expect((await other.invoke('status.list', {})).ok).toBe(true);
      other.close();
    } finally {
      await tight.close();
    }
  }, 60_000);
});
