import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src-shared/contract';
import { createLogger } from '../core/log';
import { LocalAuditLog } from '../core/local-audit';
import { createDatabase, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { coreOn, DIRECT, READ_ONLY } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { handlers, topicHandlers } from './handlers';
import { createRouter } from './router';
import type { Handlers, RouterDeps } from './types';

const server = testServers()[0]!;
const ok = await needKeychain();

describe.skipIf(!ok)('router', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let componentId: string | undefined;
  const logged: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });

  /** A router over the same live database, with some handlers replaced, to test the router itself. */
  function routerWith(overrides: Partial<Handlers>) {
    const deps: RouterDeps = {
      log: createLogger({ stream: logStream, level: 'debug' }),
      db: core.db,
      vault: core.vault,
      shell: core.shell,
      localAudit: new LocalAuditLog(core.dataDir),
      appVersion: 'test',
      validateResponses: true,
    };
    return createRouter(deps, { ...handlers, ...overrides } as Handlers, topicHandlers);
  }

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'router');
    [componentId] = await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    core = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await core?.cleanup();
    await db?.drop();
  });

  it('answers a valid query', async () => {
    const r = await core.router.invoke('status.list', {}, DIRECT);
    expect(r.ok).toBe(true);
    expect((r as { data: Response<'status.list'> }).data.components.map((c) => c.key)).toEqual(['routing']);
  });

  it('names every invalid field, including unknown ones', async () => {
    const r = await core.router.invoke('status.setState', { componentId: 'not-a-uuid', state: 'on_fire', reason: '', surprise: true }, DIRECT);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('VALIDATION');
    expect(Object.keys(r.error.fields ?? {}).sort()).toEqual(['componentId', 'reason', 'state', 'surprise']);
    expect(r.error.fields?.surprise).toBe('Unknown field.');
    expect(r.error.message).toBe('Check these fields: component ID, state, reason, surprise.');
    expect(r.error.fields?.componentId).toBe('Not a valid id (a UUID).');
    expect(r.error.requestId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('says in plain words what is wrong with one field, with no schema jargon', async () => {
    const energy = await core.router.invoke('observability.setEnergyTarget', { whPer1k: -1, reason: 'x' }, DIRECT);
    expect(energy.ok ? null : energy.error.message).toBe('Check these fields: energy target (Wh per 1,000 tokens), reason.');
    const node = await core.router.invoke('nodes.register', { gpuMemoryGb: 1.5, capacityTokensPerS: -3, gpuCount: 0 }, DIRECT);
    expect(node.ok ? null : node.error.fields).toMatchObject({
      siteId: 'Required.',
      gpuMemoryGb: 'A whole number.',
      capacityTokensPerS: 'At least 0.',
      gpuCount: 'A GPU node has at least one GPU.',
    });
    expect(JSON.stringify(node)).not.toMatch(/Too small|expected int|Invalid input/);
    const email = await core.router.invoke('connections.setOperator', { id: 'embedded', operatorEmail: 'not-an-email' }, DIRECT);
    expect(email.ok ? null : email.error).toMatchObject({
      code: 'VALIDATION',
      // The schema's own message wins over the plain default.
      message: 'Check the operator email: Enter the operator’s e-mail address.',
      fields: { operatorEmail: 'Enter the operator’s e-mail address.' },
    });
  });

  it('refuses payloads that are not objects', async () => {
    for (const payload of ['text', 42, [1, 2], true]) {
      const r = await core.router.invoke('status.list', payload, DIRECT);
      expect(r.ok ? 'accepted' : r.error.code, JSON.stringify(payload)).toBe('VALIDATION');
    }
  });

  it('refuses NUL characters with the field named, before the database sees them', async () => {
    const r = await core.router.invoke('status.setState', { componentId, state: 'operational', reason: 'bad\u0000byte' }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Must not contain a NUL character.' } });
  });

  it('refuses an unknown channel', async () => {
    for (const channel of ['status.drop', '', 42, null, '__proto__', 'constructor']) {
      const r = await core.router.invoke(channel, {}, DIRECT);
      expect(r.ok ? 'accepted' : r.error.code, String(channel)).toBe('NOT_FOUND');
    }
  });

  it('refuses unknown topics and bad topic params', () => {
    expect(core.router.subscribe('status.nope', {}, DIRECT, () => undefined)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(core.router.subscribe('status.changed', { extra: 1 }, DIRECT, () => undefined)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses every command in read-only mode, and still answers queries', async () => {
    const r = await core.router.invoke('status.setState', { componentId, state: 'major_outage', reason: 'from the wall display' }, READ_ONLY);
    expect(r.ok ? null : r.error.code).toBe('FORBIDDEN');
    const activeBefore = core.db.profileStore.activeId;
    const activate = await core.router.invoke('connections.activate', { id: 'embedded' }, READ_ONLY);
    expect(activate.ok ? null : activate.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/read-only/) });
    expect(core.db.profileStore.activeId).toBe(activeBefore);
    expect((await core.router.invoke('status.list', {}, READ_ONLY)).ok).toBe(true);
    const state = (await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> };
    // Nothing was declared from the wall display.
    expect(state.data.components[0]).toMatchObject({ declared: null, changedBy: null });
    expect(state.data.components[0]?.state).not.toBe('major_outage');
  });

  it('writes the audit event in the same transaction as the change', async () => {
    const r = await core.router.invoke('status.setState', { componentId, state: 'degraded_performance', reason: 'p95 above 500 ms' }, DIRECT);
    expect(r.ok).toBe(true);
    const c = await db.owner();
    const ev = await c.query(`SELECT action, reason, actor_name, target_id, data FROM mc.audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`, [org.orgId]);
    const h = await c.query(`SELECT audit_seq, at FROM mc.component_status_history WHERE component_id = $1`, [componentId]);
    const e = await c.query(`SELECT seq, at FROM mc.audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`, [org.orgId]);
    await c.end();
    expect(ev.rows[0]).toMatchObject({
      action: 'status.component_state_set',
      reason: 'p95 above 500 ms',
      actor_name: org.operator.name,
      target_id: componentId,
      // Nothing was declared before: this declaration replaces none.
      data: { key: 'routing', from: null, to: 'degraded_performance' },
    });
    expect(h.rows[0]).toEqual({ audit_seq: e.rows[0].seq, at: e.rows[0].at });
  });

  it('rolls back a command that does not audit itself', async () => {
    const router = routerWith({
      'status.setState': async (input, ctx) => {
        await ctx.sql.query(`UPDATE mc.components SET state = 'major_outage' WHERE id = $1`, [input.componentId]);
        return { component: (await ctx.sql.query<never>('SELECT 1'))[0] as never };
      },
    });
    const r = await router.invoke('status.setState', { componentId, state: 'major_outage', reason: 'sneaky change' }, DIRECT);
    expect(r.ok ? null : r.error.code).toBe('INTERNAL');
    const c = await db.owner();
    const s = await c.query('SELECT state FROM mc.components WHERE id = $1', [componentId]);
    await c.end();
    expect(s.rows[0].state).not.toBe('major_outage');
  });

  it('refuses a response that breaks the contract, and logs it with the request id', async () => {
    const router = routerWith({ 'status.list': async () => ({ components: [{ id: 'x', secret: 'should never leave' }] }) as never });
    const r = await router.invoke('status.list', {}, DIRECT);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INTERNAL');
    expect(JSON.stringify(r)).not.toContain('should never leave');
    expect(logged.some((l) => l.requestId === r.error.requestId && l.msg === 'handler response broke the contract')).toBe(true);
  });

  it('strips fields the contract does not name from responses', async () => {
    const router = routerWith({ 'connections.status': async () => ({ active: null, message: 'x', password: 'hunter2-never-leaves' }) as never });
    const r = await router.invoke('connections.status', {}, DIRECT);
    expect(r).toEqual({ ok: true, data: { active: null, message: 'x' } });
  });

  it('never lets SQL text or a stack cross the boundary', async () => {
    const router = routerWith({
      'status.list': async (_i, ctx) => ctx.read(async (sql) => {
        await sql.query('SELECT secret_column FROM mc.no_such_table WHERE password = $1', ['p']);
        return { components: [] };
      }),
    });
    const r = await router.invoke('status.list', {}, DIRECT);
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/no_such_table|secret_column|SELECT|at .*\.ts/);
    expect(r.ok ? null : r.error.message).toMatch(/Something went wrong inside Mission Control \(request [0-9a-f]{12}\)/);
  });

  it('maps database refusals to contract codes', async () => {
    const router = routerWith({
      'status.list': async (_i, ctx) => ctx.read(async (sql) => {
        await sql.query(`INSERT INTO mc.orgs (slug, name) VALUES ('x', 'y')`);
        return { components: [] };
      }),
    });
    const r = await router.invoke('status.list', {}, DIRECT);
    // A read-only transaction refuses writes before RLS is even asked.
    expect(r.ok ? null : r.error.code).toBe('FORBIDDEN');
  });

  it('puts a request id on every call in the structured log', async () => {
    const router = routerWith({});
    const before = logged.length;
    await router.invoke('status.setState', { componentId, state: 'operational', reason: 'recovered after reroute' }, DIRECT);
    const lines = logged.slice(before);
    expect(lines.some((l) => l.msg === 'command done' && typeof l.requestId === 'string' && l.channel === 'status.setState')).toBe(true);
    // The acting org, operator and role, as the database derived them, on the same line.
    const done = lines.find((l) => l.msg === 'command done')!;
    expect(done).toMatchObject({ orgId: core.db.session!.orgId, operatorId: core.db.session!.operatorId, actorRole: core.db.session!.role });
  });
});

describe.skipIf(!ok)('router role checks', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'roles');
    core = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await core?.cleanup();
    await db?.drop();
  });

  it('lets an auditor read but not change anything, and says why', async () => {
    expect((await core.router.invoke('status.list', {}, DIRECT)).ok).toBe(true);
    expect((await core.router.invoke('audit.verify', {}, DIRECT)).ok).toBe(true);
    const r = await core.router.invoke('status.setState', { componentId: '00000000-0000-4000-8000-000000000001', state: 'operational', reason: 'auditor tries' }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/Your role \(Auditor\) cannot do this/) });
  });
});

describe.skipIf(!ok)('router without a usable database', () => {
  it('answers app queries and says which profile failed for everything else', async () => {
    const db = await createDatabase(server);
    const core = await coreOn({ ...db, target: { ...db.target, port: 1 } }, 'nobody@example.test');
    try {
      expect(core.db.state).toBe('error');
      const info = await core.router.invoke('system.info', {}, DIRECT);
      expect(info.ok).toBe(true);
      const r = await core.router.invoke('status.list', {}, DIRECT);
      expect(r.ok ? null : r.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/Could not connect profile “test .*” \(.*:1\/.*\): connection refused/) });
    } finally {
      await core.cleanup();
      await db.drop();
    }
  });

  it('refuses a call without an org context before any SQL runs, and before the handler is asked', async () => {
    const db = await migratedDatabase(server);
    const core = await coreOn(db, 'stranger@example.test');
    try {
      // Every tenant statement goes through db.tx; count them, and count handler calls.
      let txs = 0;
      let handled = 0;
      const realTx = core.db.tx.bind(core.db);
      core.db.tx = ((...args: Parameters<typeof realTx>) => {
        txs++;
        return realTx(...args);
      }) as typeof core.db.tx;
      const count = async () => {
        handled++;
        throw new Error('handler must not run without an org');
      };
      const router = createRouter(
        { log: createLogger({ level: 'silent' }), db: core.db, vault: core.vault, shell: core.shell, localAudit: new LocalAuditLog(core.dataDir), appVersion: 'test', validateResponses: true },
        { ...handlers, 'status.list': count, 'members.list': count, 'members.suspend': count } as unknown as Handlers,
        topicHandlers,
      );
      for (const [channel, input] of [
        ['status.list', {}],
        ['members.list', {}],
        ['members.suspend', { operatorId: '00000000-0000-4000-8000-000000000001', reason: 'no org here' }],
      ] as const) {
        const r = await router.invoke(channel, input, DIRECT);
        expect(r.ok ? null : r.error.code, channel).toBe('FORBIDDEN');
      }
      expect(txs).toBe(0);
      expect(handled).toBe(0);
      // An app channel that must work without an org still answers.
      expect((await router.invoke('system.info', {}, DIRECT)).ok).toBe(true);
    } finally {
      await core.cleanup();
      await db.drop();
    }
  });

  it('says when the operator is not a member of any org there', async () => {
    const db = await migratedDatabase(server);
    const core = await coreOn(db, 'stranger@example.test');
    try {
      expect(core.db.state).toBe('connected');
      const r = await core.router.invoke('status.list', {}, DIRECT);
      expect(r.ok ? null : r.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/holds no sign-in for stranger@example.test/) });
    } finally {
      await core.cleanup();
      await db.drop();
    }
  });
});
