/**
 * The customer gateway end to end: real Postgres, real HTTP on loopback, fake runtimes speaking
 * vLLM's and Ollama's documented wire formats. The gateway runs in this process here (so a test
 * can drain its spool on demand); gateway-crash.test.ts runs it as a child and kills it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRuntime, startFakeOllama, startFakeVllm } from '../../runtimes/fake';
import { bindLoginOrgs } from '../../db/login-orgs';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { type GatewayLogin, type GatewayWorld, gatewayLogin, MODEL, seedCustomerKey, seedGatewayWorld } from '../../testing/gateway';
import { type Limiter, unlimited } from './admission';
import { runtimeKeyAccount } from '../../services/runtimes/runtimes';
import { testVault } from '../../testing/keychain';
import { keychainKeys } from './runtime-keys';
import { type Gateway, startGateway } from './server';

const silent = pino({ level: process.env.GW_DEBUG ? 'debug' : 'silent' });
const chat = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'one two three four' }], ...extra });

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function post(gw: Gateway, path: string, key: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* SSE */
  }
  return { status: res.status, headers: res.headers, text, json };
}

function expectOpenAiError(a: Answer, status: number, code?: string) {
  expect(a.status).toBe(status);
  expect(a.headers.get('x-request-id')).toMatch(/^req_[0-9A-Za-z]{24}$/);
  const e = (a.json as { error: Record<string, unknown> }).error;
  expect(Object.keys(e).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof e.message).toBe('string');
  if (code) expect(e.code).toBe(code);
}

describe('the customer gateway', () => {
  let db: TestDatabase;
  let login: GatewayLogin;
  const spools: string[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    login = await gatewayLogin(db);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    for (const s of spools) rmSync(s, { recursive: true, force: true });
    await db?.drop();
  });

  async function gateway(extra: Partial<Parameters<typeof startGateway>[0]> = {}): Promise<Gateway> {
    const spoolDir = mkdtempSync(join(tmpdir(), 'mc-spool-'));
    spools.push(spoolDir);
    const gw = await startGateway({ db: login, port: 0, spoolDir, limiter: unlimited, log: silent, drainIntervalMs: 60_000, instance: 'test', ...extra });
    closers.push(() => gw.close());
    return gw;
  }
  async function fakeVllm(init: Parameters<typeof startFakeVllm>[1] = {}): Promise<FakeRuntime> {
    const f = await startFakeVllm({ models: [{ id: MODEL, maxModelLen: 131072 }] }, init);
    closers.push(() => f.close());
    return f;
  }
  const rows = (org: TestOrg) =>
    asOwner(db, org.orgId, async (c) => ({
      requests: (await c.query(`SELECT * FROM mc.api_requests WHERE org_id = $1 ORDER BY started_at`, [org.orgId])).rows,
      usage: (await c.query(`SELECT * FROM mc.usage_events WHERE org_id = $1`, [org.orgId])).rows,
      decisions: (await c.query(`SELECT * FROM mc.routing_decisions WHERE org_id = $1`, [org.orgId])).rows,
    }));
  let n = 0;
  async function world(fakes: { key: string; country: string; corridor: 'eu' | 'us'; fake: FakeRuntime; p95Ms: number; kind?: 'vllm' | 'ollama' }[], failover?: 'same_corridor' | 'none' | 'fallback_corridor') {
    const org = await createOrg(db, `gw-${++n}`);
    // The gateway's login serves each org a test makes, as an operator binds it (sql/0058).
    await asOwner(db, null, (c) => bindLoginOrgs(c, login.user, 'gateway', [org.orgId]));
    const w: GatewayWorld = await seedGatewayWorld(
      db,
      org,
      fakes.map((f) => ({ key: f.key, country: f.country, corridor: f.corridor, runtimeUrl: f.fake.url, p95Ms: f.p95Ms, kind: f.kind ?? 'vllm' })),
      failover,
    );
    const key = await seedCustomerKey(db, org, w.customerId);
    return { org, w, key: key.secret, prefix: key.prefix };
  }

  it('serves a non-streaming chat completion, stores the decision and meters it exactly once from the runtime’s usage', async () => {
    const fake = await fakeVllm({ tokens: 6 });
    const { org, w, key, prefix } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    const a = await post(gw, '/v1/chat/completions', key, chat());
    expect(a.status).toBe(200);
    const id = a.headers.get('x-request-id');
    expect(id).toMatch(/^req_/);
    expect(a.headers.get('x-umamiedge-route')).toMatch(new RegExp(`^decision=[0-9a-f-]{36}; corridor=EU; node=fra-gpu01; runtime=${w.sites.fra!.runtimeId}$`));
    const body = a.json as { object: string; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.object).toBe('chat.completion');
    expect(body.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 6 });
    expect(fake.state.served).toBe(1);
    // No max_tokens from the client: the runtime gets the figure admission counted, not its context window.
    expect(fake.state.calls.find((c) => c.path === '/v1/chat/completions')?.body).toMatchObject({ model: MODEL, max_tokens: 256 });
    // Nothing in Postgres until the spool drains; then exactly one of each.
    expect((await rows(org)).requests).toHaveLength(0);
    expect(gw.spool.backlog).toBe(1);
    await gw.spool.drain();
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ request_id: id, status: 200, outcome: 'served', key_prefix: prefix, endpoint: 'chat.completions', model: MODEL, stream: false, prompt_tokens: 4, completion_tokens: 6, runtime_id: w.sites.fra!.runtimeId, gateway_instance: 'test' });
    expect(r.usage).toHaveLength(1);
    expect(r.usage[0]).toMatchObject({ request_id: id, prompt_tokens: 4, completion_tokens: 6, estimated: false, node_id: w.sites.fra!.nodeId });
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]).toMatchObject({ source: 'gateway', selected_runtime_id: w.sites.fra!.runtimeId, customer_id: w.customerId, replay: null });
    expect(r.requests[0].decision_id).toBe(r.decisions[0].id);
    expect(gw.spool.backlog).toBe(0);
  });

  it('streams chat chunk by chunk with the runtime’s usage, asks for usage itself, and meters the exact tokens', async () => {
    const fake = await startFakeOllama({ models: [{ name: MODEL, family: 'llama', parameterSize: '8B', quantization: 'Q4', contextLength: 131072, size: 1 }] }, { tokens: 12 });
    closers.push(() => fake.close());
    const { org, key } = await world([{ key: 'ams', country: 'NL', corridor: 'eu', fake, p95Ms: 50, kind: 'ollama' }]);
    const gw = await gateway();
    const a = await post(gw, '/v1/chat/completions', key, chat({ stream: true }));
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toContain('text/event-stream');
    const events = a.text.split('\n\n').filter(Boolean);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as { object: string; system_fingerprint: string; choices: { delta: { content?: string } }[]; usage?: unknown });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.system_fingerprint === 'fp_ollama')).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(12);
    // The client did not ask for usage; the gateway did (stream_options.include_usage), for metering.
    expect(chunks[chunks.length - 1]!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 });
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.usage).toHaveLength(1);
    expect(r.usage[0]).toMatchObject({ request_id: a.headers.get('x-request-id'), prompt_tokens: 4, completion_tokens: 12, estimated: false });
    expect(r.requests[0]).toMatchObject({ stream: true, outcome: 'served', status: 200 });
  });

  it('serves completions and embeddings too, and lists the catalog at /v1/models and /api/v1/models', async () => {
    const fake = await fakeVllm({ tokens: 3 });
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    const c = await post(gw, '/v1/completions', key, { model: MODEL, prompt: 'a b' });
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ object: 'text_completion', usage: { prompt_tokens: 2, completion_tokens: 3 } });
    const e = await post(gw, '/v1/embeddings', key, { model: MODEL, input: ['x y z'] });
    expect(e.status).toBe(200);
    expect(e.json).toMatchObject({ object: 'list', usage: { prompt_tokens: 3 } });
    for (const path of ['/v1/models', '/api/v1/models']) {
      const m = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(m.status).toBe(200);
      expect(await m.json()).toEqual({ object: 'list', data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'vllm' }] });
    }
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests.map((x) => x.endpoint).sort()).toEqual(['completions', 'embeddings', 'models', 'models']);
    expect(r.usage.map((u) => [u.prompt_tokens, u.completion_tokens]).sort()).toEqual([
      [2, 3],
      [3, 0],
    ]);
  });

  it('refuses every bad key with the same 401 in OpenAI’s shape and a request id, and meters nothing', async () => {
    const fake = await fakeVllm();
    const { org, w, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const revoked = await seedCustomerKey(db, org, w.customerId, { revokedAt: new Date(Date.now() - 60_000).toISOString() });
    const expired = await seedCustomerKey(db, org, w.customerId, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    const rotated = await seedCustomerKey(db, org, w.customerId, { rotatedOut: true });
    const badChecksum = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const unknown = (await import('../../services/keys/generate')).generateKey('live').secret;
    const nodeKey = (await import('../../services/keys/generate')).generateKey('node').secret;
    const gw = await gateway();
    const answers: Answer[] = [];
    for (const k of [null, 'not-a-key', badChecksum, unknown, nodeKey, revoked.secret, expired.secret, rotated.secret]) {
      const a = await post(gw, '/v1/chat/completions', k, chat());
      expectOpenAiError(a, 401, 'invalid_api_key');
      answers.push(a);
    }
    // No hint: every refusal reads the same.
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${revoked.secret}` } });
    expect(models.status).toBe(401);
    expect(fake.state.served).toBe(0);
    await gw.spool.drain();
    expect((await rows(org)).requests).toHaveLength(0);
    // The keys that no longer work were recorded as still presented (the keys page flags them).
    const refused = await asOwner(db, org.orgId, async (c) => (await c.query(`SELECT id, refused_count FROM mc.customer_keys WHERE id = ANY($1)`, [[revoked.id, expired.id, rotated.id]])).rows);
    // Each presented once to /v1/chat/completions, the revoked one also to /v1/models.
    expect(Object.fromEntries(refused.map((x) => [x.id, Number(x.refused_count)]))).toEqual({ [revoked.id]: 2, [expired.id]: 1, [rotated.id]: 1 });
    // A working key of an org this gateway's login is not bound to: the same 401 to the client
    // (no "retry", no hint the key exists), a warning for the operator, nothing served or stamped.
    const stranger = await createOrg(db, `gw-stranger-${++n}`);
    const sw = await seedGatewayWorld(db, stranger, [{ key: 'fra', country: 'DE', corridor: 'eu', runtimeUrl: fake.url, p95Ms: 50, kind: 'vllm' }]);
    const theirs = await seedCustomerKey(db, stranger, sw.customerId);
    const warned: string[] = [];
    const watched = await gateway({ log: pino({ level: 'warn' }, { write: (line: string) => void warned.push(line) }) });
    const a = await post(watched, '/v1/chat/completions', theirs.secret, chat());
    expectOpenAiError(a, 401, 'invalid_api_key');
    expect(a.text).toBe(answers[0]!.text);
    expect(warned.some((w) => w.includes('not bound to'))).toBe(true);
    expect(warned.join('')).not.toContain(theirs.secret);
    expect(fake.state.served).toBe(0);
    const stamped = await asOwner(db, stranger.orgId, async (c) => (await c.query('SELECT last_used_at FROM mc.customer_keys WHERE id = $1', [theirs.id])).rows[0]);
    expect(stamped).toEqual({ last_used_at: null });
  });

  it('a key revoked while the gateway remembers it stops working at once (the revocation notifies)', async () => {
    const fake = await fakeVllm();
    const { org, w } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const k = await seedCustomerKey(db, org, w.customerId);
    const gw = await gateway();
    expect((await post(gw, '/v1/chat/completions', k.secret, chat())).status).toBe(200);
    expect((await post(gw, '/v1/chat/completions', k.secret, chat())).status).toBe(200);
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.customer_keys SET revoked_at = now() WHERE id = $1`, [k.id]));
    const until = Date.now() + 2000;
    let status = 200;
    // The notification is asynchronous; it arrives within milliseconds, far inside the cache's 5 s.
    while (status === 200 && Date.now() < until) {
      status = (await post(gw, '/v1/chat/completions', k.secret, chat())).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(fake.state.served).toBeLessThanOrEqual(3);
  });

  it('refuses non-JSON, invalid JSON, oversized bodies, missing fields and unknown models with OpenAI errors, logged but not metered as usage', async () => {
    const fake = await fakeVllm();
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway({ bodyLimit: 4096 });
    const text = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body: 'hello' });
    expectOpenAiError({ status: text.status, headers: text.headers, text: '', json: await text.json() }, 415, 'unsupported_media_type');
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, '{"model": '), 400, 'invalid_json');
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, chat({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] })), 413, 'request_too_large');
    const missing = await post(gw, '/v1/chat/completions', key, { model: MODEL });
    expectOpenAiError(missing, 400, 'invalid_request');
    expect((missing.json as { error: { param: string } }).error.param).toBe('messages');
    const unknownModel = await post(gw, '/v1/chat/completions', key, chat({ model: 'no-such-model' }));
    expectOpenAiError(unknownModel, 404, 'model_not_found');
    // A model name Postgres could not store in JSON (NUL) is refused, so it never reaches the spool.
    const control = await post(gw, '/v1/chat/completions', key, chat({ model: 'llama\u0000' }));
    expectOpenAiError(control, 400, 'invalid_request');
    expect((control.json as { error: { param: string } }).error.param).toBe('model');
    // The router decodes paths: /%761/models is /v1/models, and is keyed like it.
    const encoded = await fetch(`${gw.url}/%761/models`);
    expect(encoded.status).toBe(401);
    expect(fake.state.served).toBe(0);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests.map((x) => [x.status, x.outcome]).sort()).toEqual([
      [400, 'bad_request'],
      [400, 'bad_request'],
      [400, 'invalid_json'],
      [404, 'unknown_model'],
      [413, 'request_too_large'],
      [415, 'unsupported_media_type'],
    ]);
    expect(r.usage).toHaveLength(0);
  });

  it('a client that disconnects mid-stream cancels the runtime request, and what was delivered is metered once, marked estimated', async () => {
    const fake = await fakeVllm({ tokens: 200, streamDelayMs: 20 });
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
        let seen = 0;
        res.on('data', (d: Buffer) => {
          seen += (d.toString().match(/"content":"tok/g) ?? []).length;
          if (seen >= 5) {
            req.destroy();
            resolve(String(res.headers['x-request-id']));
          }
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify(chat({ stream: true })));
      setTimeout(() => reject(new Error('no stream')), 10_000);
    });
    await waitFor(() => fake.state.cut === 1);
    expect(fake.state.served).toBe(0);
    await waitFor(() => gw.spool.backlog === 1);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ request_id: requestId, outcome: 'client_closed', stream: true });
    expect(r.usage).toHaveLength(1);
    expect(r.usage[0].estimated).toBe(true);
    expect(r.usage[0].completion_tokens).toBeGreaterThanOrEqual(5);
    expect(r.usage[0].completion_tokens).toBeLessThan(200);
  });

  it('a runtime that dies mid-stream ends the client’s stream with an error event, and the delivered part is metered, estimated', async () => {
    const fake = await fakeVllm({ tokens: 50, dieAfterEvents: 8 });
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    const a = await post(gw, '/v1/chat/completions', key, chat({ stream: true }));
    expect(a.status).toBe(200);
    expect(a.text).not.toContain('[DONE]');
    expect(a.text).toContain('"code":"upstream_broken"');
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests[0]).toMatchObject({ outcome: 'upstream_died' });
    // Role chunk + 7 content chunks were delivered before the runtime died.
    expect(r.usage[0]).toMatchObject({ estimated: true, completion_tokens: 7 });
  });

  it('retries a runtime failure before the first byte once on the fallback in the same corridor, never crossing residency', async () => {
    const failing = await fakeVllm({ fault: 'error500', faultPaths: ['/v1/chat/completions'] });
    const second = await fakeVllm();
    const abroad = await fakeVllm();
    // The US site looks best on latency; the customer's EU residency must still keep it out.
    const { org, w, key } = await world([
      { key: 'fra', country: 'DE', corridor: 'eu', fake: failing, p95Ms: 10 },
      { key: 'par', country: 'FR', corridor: 'eu', fake: second, p95Ms: 900 },
      { key: 'nyc', country: 'US', corridor: 'us', fake: abroad, p95Ms: 1 },
    ]);
    const gw = await gateway();
    const a = await post(gw, '/v1/chat/completions', key, chat());
    expect(a.status).toBe(200);
    expect(a.headers.get('x-umamiedge-route')).toContain('node=par-gpu01');
    expect(a.headers.get('x-umamiedge-route')).toContain('fallback=true');
    expect(failing.state.calls.filter((c) => c.path === '/v1/chat/completions')).toHaveLength(1);
    expect(second.state.served).toBe(1);
    expect(abroad.state.calls).toHaveLength(0);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.usage[0]).toMatchObject({ runtime_id: w.sites.par!.runtimeId, corridor_id: w.corridors.eu });
  });

  it('with only a failing site in the home corridor, answers 502 rather than serve abroad; with failover "none" it does not retry at all', async () => {
    const failing = await fakeVllm({ fault: 'error500', faultPaths: ['/v1/chat/completions'] });
    const abroad = await fakeVllm();
    const one = await world([
      { key: 'fra', country: 'DE', corridor: 'eu', fake: failing, p95Ms: 10 },
      { key: 'nyc', country: 'US', corridor: 'us', fake: abroad, p95Ms: 1 },
    ]);
    const gw = await gateway();
    expectOpenAiError(await post(gw, '/v1/chat/completions', one.key, chat()), 502, 'upstream_unavailable');
    expect(abroad.state.calls).toHaveLength(0);

    const failing2 = await fakeVllm({ fault: 'error500', faultPaths: ['/v1/chat/completions'] });
    const healthy = await fakeVllm();
    const none = await world(
      [
        { key: 'fra', country: 'DE', corridor: 'eu', fake: failing2, p95Ms: 10 },
        { key: 'par', country: 'FR', corridor: 'eu', fake: healthy, p95Ms: 900 },
      ],
      'none',
    );
    expectOpenAiError(await post(gw, '/v1/chat/completions', none.key, chat()), 502, 'upstream_unavailable');
    expect(healthy.state.calls).toHaveLength(0);
    await gw.spool.drain();
    // Failed before any runtime served: a log row, no usage event.
    expect((await rows(one.org)).requests[0]).toMatchObject({ status: 502, outcome: 'upstream' });
    expect((await rows(one.org)).usage).toHaveLength(0);
  });

  it('honours Idempotency-Key: the same body answers the stored response without serving again; another body is 409', async () => {
    const fake = await fakeVllm();
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    const first = await post(gw, '/v1/chat/completions', key, chat(), { 'idempotency-key': 'order-42' });
    expect(first.status).toBe(200);
    const again = await post(gw, '/v1/chat/completions', key, chat(), { 'idempotency-key': 'order-42' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(fake.state.served).toBe(1);
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, chat({ temperature: 0.1 }), { 'idempotency-key': 'order-42' }), 409, 'idempotency_conflict');
    expect(fake.state.served).toBe(1);
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, chat(), { 'idempotency-key': 'has space' }), 400, 'invalid_idempotency_key');
    // A claim whose gateway died before answering: a conflict while it could still be in flight,
    // served again once it is older than any request could last.
    const abandoned = (minutes: number) =>
      asOwner(db, org.orgId, (c) =>
        c.query(
          `INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id, created_at)
           SELECT org_id, customer_id, $2, body_sha256, 'req_died_claim_1', now() - make_interval(mins => $3) FROM mc.idempotency_keys WHERE org_id = $1 AND idem_key = 'order-42'`,
          [org.orgId, `order-${minutes}m`, minutes],
        ),
      );
    await abandoned(1);
    await abandoned(11);
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, chat(), { 'idempotency-key': 'order-1m' }), 409, 'idempotency_conflict');
    expect((await post(gw, '/v1/chat/completions', key, chat(), { 'idempotency-key': 'order-11m' })).status).toBe(200);
    expect(fake.state.served).toBe(2);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.usage).toHaveLength(2);
    expect(r.requests.map((x) => x.outcome).sort()).toEqual(['bad_request', 'idempotency_conflict', 'idempotency_conflict', 'idempotent_replay', 'served', 'served']);
  });

  it('sends a runtime its API key from the runtime keys, and never shows it to the client', async () => {
    const fake = await fakeVllm({ apiKey: 'rt-secret-123' });
    const { w, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const without = await gateway();
    // The runtime refusing the gateway is not the client's key being wrong: 502, not 401.
    expectOpenAiError(await post(without, '/v1/chat/completions', key, chat()), 502, 'upstream_unavailable');
    const gw = await gateway({ runtimeKeys: new Map([[w.sites.fra!.runtimeId, 'rt-secret-123']]) });
    const a = await post(gw, '/v1/chat/completions', key, chat());
    expect(a.status).toBe(200);
    expect(fake.state.calls.at(-1)?.auth).toBe('Bearer rt-secret-123');
    expect(a.text).not.toContain('rt-secret-123');
  });

  it('on a workstation reads a runtime key from the OS keychain, where Runtimes saved it', async () => {
    const fake = await fakeVllm({ apiKey: 'rt-keychain-456' });
    const { w, key, org } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const vault = testVault();
    const account = runtimeKeyAccount(org.orgId, w.sites.fra!.runtimeId);
    const errors: string[] = [];
    const gw = await gateway({ runtimeKeys: keychainKeys(vault, { ttlMs: 0, onError: (a) => errors.push(a) }) });
    // Nothing saved yet: the runtime refuses the gateway, which is a 502, not the client's 401.
    await vault.delete(account).catch(() => undefined);
    expectOpenAiError(await post(gw, '/v1/chat/completions', key, chat()), 502, 'upstream_unavailable');
    await vault.set(account, 'rt-keychain-456');
    try {
      const a = await post(gw, '/v1/chat/completions', key, chat());
      expect(a.status).toBe(200);
      expect(fake.state.calls.at(-1)?.auth).toBe('Bearer rt-keychain-456');
      expect(a.text).not.toContain('rt-keychain-456');
      expect(errors).toEqual([]);
    } finally {
      await vault.delete(account);
    }
  });

  it('a request that reaches a gateway while it shuts down gets a 503 with Retry-After and its own request id', async () => {
    const fake = await fakeVllm({ fault: 'slow', slowMs: 800 });
    const { key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const spoolDir = mkdtempSync(join(tmpdir(), 'mc-spool-'));
    spools.push(spoolDir);
    const gw = await startGateway({ db: login, port: 0, spoolDir, limiter: unlimited, log: silent, drainIntervalMs: 60_000, instance: 'test' });
    // Two requests on one kept-alive connection: the second is sent once close() has begun, while
    // the first is still with the runtime (the connection is busy, so close() cannot drop it).
    const body = JSON.stringify(chat());
    const sock = connect(Number(new URL(gw.url).port), '127.0.0.1');
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    const ended = once(sock, 'close');
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await expect.poll(() => fake.state.calls.length, { timeout: 5000 }).toBe(1);
    const closed = gw.close();
    sock.write(`GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n`);
    await ended;
    await closed;
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503']);
    expect(answers[1]).toMatch(/x-request-id: req_/i);
    expect(answers[1]).toMatch(/retry-after: 1/i);
    expect(answers[1]).toContain('shutting_down');
  });

  it('answers /healthz and /metrics with requests, latency, upstream errors and circuit states', async () => {
    const fake = await fakeVllm();
    const { key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const gw = await gateway();
    await post(gw, '/v1/chat/completions', key, chat());
    await post(gw, '/v1/chat/completions', key, chat({ stream: true }));
    await post(gw, '/v1/chat/completions', null, chat());
    const h = await fetch(`${gw.url}/healthz`);
    expect(h.status).toBe(200);
    expect(h.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await h.json()).toMatchObject({ status: 'ok', database: true });
    const m = await (await fetch(`${gw.url}/metrics`)).text();
    // One plain and one streamed answer: two, each counted once (a stream where it ends).
    expect(m).toMatch(/umamiedge_gateway_requests_total\{endpoint="chat.completions",status="200"\} 2\n/);
    expect(m).toMatch(/umamiedge_gateway_request_duration_seconds_count\{endpoint="chat.completions",stream="true"\} 1\n/);
    expect(m).toMatch(/umamiedge_gateway_request_duration_seconds_count\{endpoint="chat.completions",stream="false"\} 2\n/);
    expect(m).toMatch(/umamiedge_gateway_requests_total\{endpoint="chat.completions",status="401"\} 1/);
    expect(m).toContain('umamiedge_gateway_request_duration_seconds_bucket');
    expect(m).toContain('umamiedge_gateway_circuit_state');
    const notFound = await fetch(`${gw.url}/v1/nothing`, { headers: { authorization: `Bearer ${key}` } });
    expect(notFound.status).toBe(404);
  });

  it('asks the limiter before routing: a refusal is 429 with Retry-After and a log row; a served request settles its real tokens', async () => {
    const fake = await fakeVllm({ tokens: 6 });
    const { org, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    // The Postgres limiter is built elsewhere; this one admits the first request only, through the same interface.
    const settled: number[] = [];
    let admitted = 0;
    const limiter: Limiter = {
      admit: async () => (admitted++ === 0 ? { ok: true, lease: 'slot-1' } : { ok: false, refusal: 'requests_per_min', retryAfterS: 7.2, message: 'Over 1 request a minute for this customer.' }),
      settle: async (r) => {
        settled.push(r.tokens);
      },
    };
    const gw = await gateway({ limiter });
    expect((await post(gw, '/v1/chat/completions', key, chat())).status).toBe(200);
    const refused = await post(gw, '/v1/chat/completions', key, chat());
    expectOpenAiError(refused, 429, 'requests_per_min');
    expect(refused.headers.get('retry-after')).toBe('8');
    expect(fake.state.served).toBe(1);
    expect(settled).toEqual([10]);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.requests.map((x) => [x.status, x.outcome]).sort()).toEqual([
      [200, 'served'],
      [429, 'requests_per_min'],
    ]);
    expect(r.usage).toHaveLength(1);
    const m = await (await fetch(`${gw.url}/metrics`)).text();
    expect(m).toMatch(/umamiedge_gateway_limit_refusals_total\{reason="requests_per_min"\} 1/);
  });

  it('by default admits through the shared Postgres limits: 6 concurrent requests against 3 a minute serve exactly 3, the rest 429 with Retry-After', async () => {
    const fake = await fakeVllm({ tokens: 4 });
    const { org, w, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    await asOwner(db, org.orgId, (c) => c.query('UPDATE mc.customers SET requests_per_min = 3 WHERE id = $1', [w.customerId]));
    const gw = await gateway({ limiter: undefined });
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(gw, '/v1/chat/completions', key, chat())));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    for (const a of answers.filter((x) => x.status === 429)) {
      expectOpenAiError(a, 429, 'requests_per_min');
      const wait = Number(a.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
    }
    expect(fake.state.served).toBe(3);
    await gw.spool.drain();
    const r = await rows(org);
    expect(r.usage).toHaveLength(3);
    expect(r.requests.filter((x) => x.outcome === 'requests_per_min')).toHaveLength(3);
  });

  it('a gateway login reads only the org it selected, nothing without one, and writes no table directly', async () => {
    const fa = await fakeVllm();
    const a = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake: fa, p95Ms: 50 }]);
    const b = await world([{ key: 'par', country: 'FR', corridor: 'eu', fake: fa, p95Ms: 50 }]);
    const c = new (await import('pg')).default.Client(login);
    await c.connect();
    try {
      const count = async (table: string) => (await c.query(`SELECT count(*)::int AS n FROM mc.${table}`)).rows[0].n as number;
      for (const t of ['customers', 'runtimes', 'corridors', 'sla_policies']) expect(await count(t)).toBe(0);
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', $1, true)`, [a.org.orgId]);
      const seen = (await c.query<{ org_id: string }>('SELECT org_id FROM mc.customers UNION ALL SELECT org_id FROM mc.runtimes')).rows;
      expect(seen.length).toBe(2);
      expect(seen.every((r) => r.org_id === a.org.orgId)).toBe(true);
      expect((await c.query('SELECT count(*)::int AS n FROM mc.customers WHERE org_id = $1', [b.org.orgId])).rows[0].n).toBe(0);
      await expect(c.query(`UPDATE mc.runtimes SET enabled = false`)).rejects.toMatchObject({ code: '42501' });
      await c.query('ROLLBACK');
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', $1, true)`, [a.org.orgId]);
      await expect(
        c.query(
          `INSERT INTO mc.routing_decisions (org_id, source, model, origin_country, workload_class, inputs_digest, policy_reason, rejected, considered, eligible) VALUES ($1, 'gateway', 'm', 'DE', 'general', repeat('a', 64), 'x', '{}', 0, 0)`,
          [a.org.orgId],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await c.query('ROLLBACK');
      // Idempotency records: only in the selected org.
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', $1, true)`, [a.org.orgId]);
      await expect(
        c.query(`INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id) VALUES ($1, $2, 'k', sha256('x'::bytea), 'req_cross_0001')`, [b.org.orgId, b.w.customerId]),
      ).rejects.toMatchObject({ code: '42501' });
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
  });

  it('mc.gateway_record skips duplicates and refuses a bad record without storing it, keeping the rest of the batch', async () => {
    const fake = await fakeVllm();
    const { org, w, prefix, key } = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const other = await world([{ key: 'fra', country: 'DE', corridor: 'eu', fake, p95Ms: 50 }]);
    const now = new Date().toISOString();
    const good = (id: string) => ({
      request: { org_id: org.orgId, request_id: id, started_at: now, finished_at: now, customer_id: w.customerId, key_prefix: prefix, endpoint: 'chat.completions', model: MODEL, status: 200, outcome: 'served', latency_ms: 5, prompt_tokens: 1, completion_tokens: 2 },
      usage: { request_id: id, occurred_at: now, model: MODEL, prompt_tokens: 1, completion_tokens: 2 },
    });
    const bad = [
      { ...good('req_bad_tokens1'), usage: { ...good('req_bad_tokens1').usage, completion_tokens: -1 } },
      { ...good('req_bad_time_01'), request: { ...good('req_bad_time_01').request, finished_at: '2000-01-01T00:00:00Z' } },
      { ...good('req_bad_endpoint'), request: { ...good('req_bad_endpoint').request, endpoint: 'images' } },
      { ...good('req_other_usage'), usage: { ...good('req_other_usage').usage, request_id: 'req_someone_else' } },
      { request: 'nope' },
      { ...good('req_bad_decision'), decision: { id: '00000000-0000-4000-8000-000000000001', decided_at: now } },
    ];
    const c = new (await import('pg')).default.Client(login);
    await c.connect();
    try {
      // Records are bound to a key the database accepted: none before the key was ever presented,
      // and none under another org's customer with this key's prefix.
      const unseen = (await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([good('req_unseen_0001')])])).rows[0].r;
      expect(unseen).toMatchObject({ inserted: 0, usage: 0 });
      expect(unseen.rejected[0].reason).toMatch(/no key of this customer with prefix ume_live_\w{6} was accepted and working when it started/);
      expect((await c.query(`SELECT status FROM mc.customer_key_check($1, 'test')`, [createHash('sha256').update(key).digest()])).rows[0].status).toBe('ok');
      const foreign = { ...good('req_foreign_001'), request: { ...good('req_foreign_001').request, org_id: other.org.orgId, customer_id: other.w.customerId } };
      const r0 = (await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([foreign])])).rows[0].r;
      expect(r0.rejected).toHaveLength(1);
      // A key revoked later still covers what it served before; not what "started" after.
      await asOwner(db, org.orgId, (o) => o.query(`UPDATE mc.customer_keys SET revoked_at = now() + interval '1 minute' WHERE org_id = $1 AND prefix = $2`, [org.orgId, prefix]));
      const late = { ...good('req_after_revoke'), request: { ...good('req_after_revoke').request, started_at: new Date(Date.now() + 120_000).toISOString(), finished_at: new Date(Date.now() + 121_000).toISOString() } };
      const r00 = (await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([late])])).rows[0].r;
      expect(r00.rejected[0].reason).toMatch(/was accepted and working when it started/);
      await asOwner(db, org.orgId, (o) => o.query(`UPDATE mc.customer_keys SET revoked_at = NULL WHERE org_id = $1 AND prefix = $2`, [org.orgId, prefix]));
      const r1 = (await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([good('req_good_00001'), ...bad])])).rows[0].r;
      expect(r1).toMatchObject({ inserted: 1, usage: 1, duplicates: 0 });
      expect(r1.rejected.map((x: { index: number }) => x.index)).toEqual([1, 2, 3, 4, 5, 6]);
      const r2 = (await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [JSON.stringify([good('req_good_00001')])])).rows[0].r;
      expect(r2).toMatchObject({ inserted: 0, usage: 0, duplicates: 1, rejected: [] });
      // Drained after a two-day outage: the request and its usage are kept, the stale decision is not.
      const stale = '00000000-0000-4000-8000-0000000000aa';
      const old = good('req_old_decision');
      const r3 = (
        await c.query(`SELECT mc.gateway_record($1::jsonb, 'test') AS r`, [
          JSON.stringify([
            {
              ...old,
              request: { ...old.request, decision_id: stale },
              decision: { id: stale, decided_at: new Date(Date.now() - 2 * 86_400_000).toISOString(), model: MODEL, origin_country: 'DE', workload_class: 'general', inputs_digest: '0'.repeat(64), policy_reason: 'test', rejected: {}, considered: 1, eligible: 1 },
            },
          ]),
        ])
      ).rows[0].r;
      expect(r3).toMatchObject({ inserted: 1, usage: 1, rejected: [] });
      // The gateway's own login cannot write the tables directly, nor read another org's.
      await expect(c.query(`INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, prompt_tokens, completion_tokens) VALUES ($1, 'req_direct_01', now(), $2, 'm', 1, 1)`, [org.orgId, w.customerId])).rejects.toMatchObject({ code: '42501' });
      expect((await c.query('SELECT count(*)::int AS n FROM mc.customers')).rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
    const r = await rows(org);
    expect(r.requests.map((x) => [x.request_id, x.decision_id]).sort()).toEqual([
      ['req_good_00001', null],
      ['req_old_decision', null],
    ]);
    expect(r.usage.map((x) => x.request_id).sort()).toEqual(['req_good_00001', 'req_old_decision']);
    expect(r.decisions).toEqual([]);
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
