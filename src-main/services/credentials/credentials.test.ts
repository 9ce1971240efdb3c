/**
 * Rotate all credentials through the contract on a real Postgres and the real keychain: a grid
 * with every credential kind; a compromise run (new credentials verified, old ones refused, other
 * sessions ended, what the app cannot rotate reported with what to do); a scheduled run stopped by
 * a failure injected part-way (every credential still usable) and resumed to the end; and every
 * refusal with nothing stored changed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { RotationRunDetail } from '../../../src-shared/contract/credentials';
import { ProfileStore, secretAccounts } from '../../db';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { ingestLogin, seedGrid, seedKey, type TestGrid } from '../../testing/grid';
import { call, coreOn, DIRECT, refused } from '../../testing/harness';
import { unchangedOn } from '../../testing/unchanged';
import { needKeychain } from '../../testing/keychain-gate';
import { hashKey } from '../keys';
import { CheckpointStore, checkpointKeyAge } from '../audit/anchor';
import { rotationFaults } from './faults';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type List = Response<'credentials.list'>;

describe.skipIf(!ok)('rotate all credentials', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let node2: string;
  let admin: Core;
  let dataPlane: pg.Pool;
  let customerId: string;
  /** The current secret of each key the test can present, by node id or 'customer'. */
  const secrets = new Map<string, string>();

  const TABLES = ['credential_rotation_runs', 'credential_rotation_items', 'node_keys', 'customer_keys', 'audit_events'];
  /** Refused by the service, with nothing stored added, lost or changed. */
  const { refusedUnchanged } = unchangedOn(() => db, () => org.orgId, TABLES);
  /** A node agent presenting its key to the ingest function, as the telemetry door does. */
  const presentNode = async (secret: string) =>
    (await dataPlane.query<{ r: { status: string; code?: string } }>('SELECT mc.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[]) AS r', [secret, randomUUID(), [new Date()], ['gpu_util_pct'], [42]])).rows[0]!.r;
  /** The gateway's check of a customer key. */
  const presentCustomer = async (secret: string) => (await dataPlane.query<{ status: string }>('SELECT status FROM mc.customer_key_check($1, $2)', [hashKey(secret), '198.51.100.4'])).rows[0]!.status;

  async function runToEnd(runId: string): Promise<RotationRunDetail> {
    for (let i = 0; i < 100; i++) {
      const { run } = await call<Response<'credentials.step'>>(admin, 'credentials.step', { runId });
      if (run.state !== 'running') return run;
    }
    throw new Error('the run did not finish in 100 steps');
  }
  const reveal = (itemId: string) => call<Response<'credentials.reveal'>>(admin, 'credentials.reveal', { itemId });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'rotate');
    grid = await seedGrid(db, org);
    node2 = (await seedGrid(db, org, 'fra-01-gpu02')).nodeId;
    secrets.set(grid.nodeId, (await seedKey(db, org, grid.nodeId)).secret);
    secrets.set(node2, (await seedKey(db, org, node2)).secret);
    admin = await coreOn(db, org.admin.email);
    customerId = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme Health', tier: 'enterprise', homeCorridorId: grid.corridorId })).customer.id;
    secrets.set('customer', (await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'prod' })).secret);
    await asOwner(db, org.orgId, async (c) => {
      await c.query(`INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, api_key_set) VALUES ($1, $2, 'vllm-fra', 'vllm', 'http://10.0.0.5:8000', 'vllm', true)`, [org.orgId, grid.nodeId]);
      await c.query(`INSERT INTO mc.notification_channels (org_id, kind, name, config) VALUES ($1, 'webhook', 'Ops hook', '{"target": "https://hooks.example.test"}')`, [org.orgId]);
    });
    dataPlane = new pg.Pool({ ...(await ingestLogin(db)), max: 2 });
    for (const [k, s] of secrets) expect(k === 'customer' ? await presentCustomer(s) : (await presentNode(s)).status).toMatch(/^(ok|accepted)$/);
  });
  afterEach(() => rotationFaults.clear());
  afterAll(async () => {
    await dataPlane?.end();
    await admin?.cleanup();
    await db?.drop();
  });

  it('lists every credential kind from records, in the documented order, with no secret', async () => {
    const operator = await coreOn(db, org.operator.email);
    try {
      const list = await call<List>(admin, 'credentials.list', {});
      const kinds = list.credentials.map((c) => c.kind);
      for (const k of ['session', 'signing_key', 'database_role', 'ingest_login', 'customer_key', 'runtime_credential', 'notify_secret', 'node_key']) expect(kinds).toContain(k);
      const stage = ['session', 'signing_key', 'database_role', 'ingest_login', 'node_key'].map((k) => kinds.indexOf(k as never));
      expect([...stage].sort((a, b) => a - b)).toEqual(stage);
      expect(list.credentials.filter((c) => c.kind === 'node_key').map((c) => c.owner).sort()).toEqual(['fra-01-gpu01', 'fra-01-gpu02']);
      expect(list.credentials.find((c) => c.kind === 'runtime_credential')).toMatchObject({ rotatable: false, howToRotate: expect.stringContaining('vllm-fra') });
      expect(list.credentials.filter((c) => c.kind === 'session')).toHaveLength(2);
      expect(list.credentials.find((c) => c.kind === 'session' && c.owner === org.admin.name)).toMatchObject({ rotatable: false });
      const text = JSON.stringify(list);
      for (const s of secrets.values()) expect(text).not.toContain(s.slice(15));
    } finally {
      await operator.cleanup();
    }
  });

  it('refuses bad input and the wrong role with a clear error, storing nothing', async () => {
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'panic', reason: 'breach' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'compromise', reason: 'breach', confirm: 'rotate' })).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('type ROTATE ALL'),
    });
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'compromise', reason: 'breach', confirm: 'ROTATE ALL', graceHours: 4 })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'scheduled', reason: 'x' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(admin, 'credentials.step', { runId: randomUUID() })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(admin, 'credentials.reveal', { itemId: randomUUID() })).toMatchObject({ code: 'NOT_FOUND' });
    const operator = await coreOn(db, org.operator.email);
    try {
      expect(await refusedUnchanged(operator, 'credentials.start', { mode: 'scheduled', reason: 'monthly rotation' })).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await operator.cleanup();
    }
  });

  it('the checkpoint key’s age is the one the advisory scan reads: from its first checkpoint while never rotated', async () => {
    const signing = async () => (await call<List>(admin, 'credentials.list', {})).credentials.find((c) => c.kind === 'signing_key')!;
    const store = new CheckpointStore(admin.dataDir);
    if (!checkpointKeyAge(store, org.orgId)) expect((await signing()).createdAt).toBeNull();
    await call(admin, 'audit.verify', {});
    const age = checkpointKeyAge(store, org.orgId);
    expect(age).not.toBeNull();
    // Read "not recorded" here while Advisories computed an age for the same key.
    expect((await signing()).createdAt).toBe(age!.createdAt);
  });

  it('compromise mode: every new credential verified, every old one refused at once, other sessions ended', async () => {
    const operator = await coreOn(db, org.operator.email);
    const ringBefore = (await call<List>(admin, 'credentials.list', {})).credentials.find((c) => c.kind === 'signing_key')!.ref;
    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'compromise', confirm: 'ROTATE ALL', reason: 'laptop stolen' });
    expect(started.run).toMatchObject({ mode: 'compromise', graceHours: 0, state: 'running' });
    expect(started.run.items.every((i) => i.state === 'pending')).toBe(true);
    // One run at a time.
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'scheduled', reason: 'again' })).toMatchObject({ code: 'CONFLICT' });
    const run = await runToEnd(started.run.id);
    expect({ state: run.state, stopReason: run.stopReason }).toEqual({ state: 'done', stopReason: null });
    expect(run.items.filter((i) => i.state === 'pending' || i.state === 'failed')).toEqual([]);
    const byKind = (k: string) => run.items.filter((i) => i.kind === k);
    expect(byKind('signing_key')[0]).toMatchObject({ state: 'rotated', oldRef: expect.any(String), newRef: expect.stringMatching(/^SHA256:/) });
    expect(byKind('signing_key')[0]!.newRef).not.toBe(ringBefore);
    // The app's login and the advisory scan's (database roles), and the ingest login.
    expect(byKind('database_role').filter((i) => i.state === 'rotated').map((i) => i.ref.replace(/_[0-9a-f]+$/, ''))).toEqual(['mc_auth', 'mc_advisor']);
    expect(byKind('ingest_login').filter((i) => i.state === 'rotated')).toHaveLength(1);
    expect(byKind('runtime_credential')[0]).toMatchObject({ state: 'manual', action: expect.stringContaining('Runtimes') });
    expect(byKind('notify_secret')[0]).toMatchObject({ state: 'manual', action: expect.stringContaining('receiver') });
    const sessions = byKind('session');
    expect(sessions.find((s) => s.owner === org.operator.name)).toMatchObject({ state: 'rotated' });
    expect(sessions.find((s) => s.owner === org.admin.name)).toMatchObject({ state: 'manual' });
    // The operator's session is gone: its next call sees nothing.
    expect((await refused(operator, 'credentials.list', {})).code).toMatch(/FORBIDDEN|UNAVAILABLE/);
    await operator.cleanup();

    // Node keys: old refused by the ingest function, new (revealed once) accepted.
    for (const item of byKind('node_key')) {
      expect(item).toMatchObject({ state: 'rotated', delivery: 'held', action: expect.stringContaining(item.owner) });
      const nodeId = item.owner === 'fra-01-gpu01' ? grid.nodeId : node2;
      expect(await presentNode(secrets.get(nodeId)!)).toMatchObject({ status: 'rejected', code: 'key_rotated_out' });
      const r = await reveal(item.id);
      expect(r.prefix).toBe(item.newRef);
      expect(r.secret.startsWith(item.newRef!)).toBe(true);
      expect((await presentNode(r.secret)).status).toBe('accepted');
      secrets.set(nodeId, r.secret);
      expect(await refusedUnchanged(admin, 'credentials.reveal', { itemId: item.id })).toMatchObject({ code: 'CONFLICT' });
    }
    const customer = byKind('customer_key')[0]!;
    expect(await presentCustomer(secrets.get('customer')!)).toBe('rotated_out');
    const c = await reveal(customer.id);
    expect(await presentCustomer(c.secret)).toBe('ok');
    secrets.set('customer', c.secret);

    // The app still works on its rotated logins, and the audit chain (signed by the new key) verifies.
    const after = await call<List>(admin, 'credentials.list', {});
    expect(after.openRunId).toBeNull();
    expect(after.runs[0]).toMatchObject({ id: run.id, state: 'done' });
    expect(after.credentials.find((x) => x.kind === 'signing_key')!.ref).toBe(byKind('signing_key')[0]!.newRef);
    const verify = await call<Response<'audit.verify'>>(admin, 'audit.verify', {});
    expect(verify.ok).toBe(true);
    // An audit event per credential (what was rotated, ended, or left to a person), none carrying a secret.
    const events = await asOwner(db, org.orgId, async (x) =>
      (await x.query<{ action: string; data: unknown }>(`SELECT action, data FROM mc.audit_events WHERE org_id = $1 AND seq > (SELECT seq FROM mc.audit_events WHERE target_id = $2 AND action = 'credentials.rotation_started')`, [org.orgId, run.id])).rows,
    );
    const perCredential = events.filter((e) => e.action !== 'credentials.rotation_finished' && e.action !== 'credentials.secret_revealed');
    expect(perCredential).toHaveLength(run.items.length);
    for (const s of secrets.values()) expect(JSON.stringify(events)).not.toContain(s.slice(15));
  });

  it('a failure part-way leaves every credential usable; resuming continues where it stopped (scheduled mode, with grace)', async () => {
    const customerKeysBefore = await asOwner(db, org.orgId, async (c) => (await c.query('SELECT count(*)::int AS n FROM mc.customer_keys WHERE org_id = $1', [org.orgId])).rows[0].n);
    rotationFaults.arm('customer_key:after-new');
    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', graceHours: 12, reason: 'monthly rotation' });
    const stopped = await runToEnd(started.run.id);
    expect(stopped.state).toBe('failed');
    expect(stopped.stopReason).toContain('injected failure at customer_key:after-new');
    const failed = stopped.items.find((i) => i.state === 'failed')!;
    expect(failed).toMatchObject({ kind: 'customer_key', detail: expect.stringContaining('still works') });
    // Before it: done; after it: untouched.
    expect(stopped.items.filter((i) => i.position < failed.position).every((i) => i.state !== 'pending')).toBe(true);
    expect(stopped.items.filter((i) => i.position > failed.position).every((i) => i.state === 'pending')).toBe(true);
    // Old and working: the customer's key, no half-made new key, and the node keys (not reached).
    expect(await presentCustomer(secrets.get('customer')!)).toBe('ok');
    expect(await asOwner(db, org.orgId, async (c) => (await c.query('SELECT count(*)::int AS n FROM mc.customer_keys WHERE org_id = $1', [org.orgId])).rows[0].n)).toBe(customerKeysBefore);
    for (const id of [grid.nodeId, node2]) expect((await presentNode(secrets.get(id)!)).status).toBe('accepted');
    // The app still reaches its database (its logins were rotated before the failure).
    await call<List>(admin, 'credentials.list', {});
    // A failed run is not stepped, and blocks a new one, until resumed or closed.
    expect(await refusedUnchanged(admin, 'credentials.step', { runId: started.run.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('resume') });
    expect(await refusedUnchanged(admin, 'credentials.start', { mode: 'scheduled', reason: 'another' })).toMatchObject({ code: 'CONFLICT' });

    rotationFaults.clear();
    await call(admin, 'credentials.resume', { runId: started.run.id });
    const done = await runToEnd(started.run.id);
    expect(done.state).toBe('done');
    expect(done.items.filter((i) => i.state === 'failed' || i.state === 'pending')).toEqual([]);
    // Items rotated before the failure were not rotated again.
    for (const i of stopped.items.filter((x) => x.position < failed.position)) expect(done.items.find((d) => d.id === i.id)).toMatchObject({ state: i.state, finishedAt: i.finishedAt });
    // Scheduled: old keys still work in their grace, new ones work too.
    const customer = done.items.find((i) => i.id === failed.id)!;
    expect(customer.state).toBe('rotated');
    expect(await presentCustomer(secrets.get('customer')!)).toBe('ok');
    expect(await presentCustomer((await reveal(customer.id)).secret)).toBe('ok');
    // Node keys: not switched until the node presents its new key.
    const pending = (await call<List>(admin, 'credentials.list', {})).pendingSwitch;
    expect(pending.map((p) => p.hostname).sort()).toEqual(['fra-01-gpu01', 'fra-01-gpu02']);
    expect(pending.every((p) => p.oldStillWorks)).toBe(true);
    for (const id of [grid.nodeId, node2]) expect((await presentNode(secrets.get(id)!)).status).toBe('accepted');
    const gpu02 = done.items.find((i) => i.kind === 'node_key' && i.owner === 'fra-01-gpu02')!;
    expect((await presentNode((await reveal(gpu02.id)).secret)).status).toBe('accepted');
    const still = (await call<List>(admin, 'credentials.list', {})).pendingSwitch;
    expect(still.map((p) => p.hostname)).toEqual(['fra-01-gpu01']);
  });

  it('a failure at the signing key or a database role leaves the old one working; each resume continues there', async () => {
    const store = new ProfileStore(admin.dataDir);
    const account = secretAccounts.authenticator(store.instanceId, store.activeId);
    const role = (await admin.db.appLogins())!.logins.find((l) => l.kind === 'authenticator')!.role;
    /** A fresh login with what this workstation's keychain holds: what the app's next connection does. */
    const keychainLogsIn = async () => {
      const c = new pg.Client({ host: db.target.host, port: db.target.port, database: db.target.database, user: role, password: (await admin.vault.get(account))! });
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
    const signingKey = async () => (await call<List>(admin, 'credentials.list', {})).credentials.find((c) => c.kind === 'signing_key')!.ref;
    const keyBefore = await signingKey();

    rotationFaults.arm('signing_key:after-new');
    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', reason: 'quarterly rotation' });
    let run = await runToEnd(started.run.id);
    expect(run).toMatchObject({ state: 'failed', stopReason: expect.stringContaining('signing_key:after-new') });
    expect(await signingKey()).toBe(keyBefore);
    expect((await call<Response<'audit.verify'>>(admin, 'audit.verify', {})).ok).toBe(true);

    rotationFaults.clear();
    rotationFaults.arm('database_role:after-new');
    await call(admin, 'credentials.resume', { runId: started.run.id });
    run = await runToEnd(started.run.id);
    expect(run).toMatchObject({ state: 'failed', stopReason: expect.stringContaining('database_role:after-new') });
    expect(run.items.find((i) => i.kind === 'signing_key')).toMatchObject({ state: 'rotated' });
    expect(await signingKey()).not.toBe(keyBefore);
    // The role has its old password back: the keychain's password logs in, and the app works.
    expect(await keychainLogsIn()).toBe(true);
    await call<List>(admin, 'credentials.list', {});

    rotationFaults.clear();
    const held = await admin.vault.get(account);
    await call(admin, 'credentials.resume', { runId: started.run.id });
    run = await runToEnd(started.run.id);
    expect(run.state).toBe('done');
    expect(run.items.find((i) => i.kind === 'database_role' && i.ref === role)).toMatchObject({ state: 'rotated' });
    expect(await admin.vault.get(account)).not.toBe(held);
    expect(await keychainLogsIn()).toBe(true);
    expect((await call<Response<'audit.verify'>>(admin, 'audit.verify', {})).ok).toBe(true);
  });

  it('cancels between credentials, then resumes or closes the run', async () => {
    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', reason: 'drill' });
    await call(admin, 'credentials.step', { runId: started.run.id });
    const cancelled = (await call<Response<'credentials.cancel'>>(admin, 'credentials.cancel', { runId: started.run.id })).run;
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    expect(cancelled.counts.pending).toBe(cancelled.counts.total - 1);
    expect(await refusedUnchanged(admin, 'credentials.cancel', { runId: started.run.id })).toMatchObject({ code: 'CONFLICT' });
    const closed = (await call<Response<'credentials.close'>>(admin, 'credentials.close', { runId: started.run.id, reason: 'drill over' })).run;
    expect(closed).toMatchObject({ state: 'closed', stopReason: 'drill over' });
    expect(await refusedUnchanged(admin, 'credentials.resume', { runId: started.run.id })).toMatchObject({ code: 'CONFLICT' });
    expect((await call<List>(admin, 'credentials.list', {})).openRunId).toBeNull();
  });

  it('two starts at once make one run; the other is refused as a conflict, not an internal error', async () => {
    const [a, b] = await Promise.all([
      admin.router.invoke('credentials.start', { mode: 'scheduled', reason: 'first click' }, DIRECT),
      admin.router.invoke('credentials.start', { mode: 'scheduled', reason: 'second click' }, DIRECT),
    ]);
    const won = [a, b].filter((r) => r.ok);
    const lost = [a, b].filter((r) => !r.ok);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.ok ? null : r.error.code))).toEqual(['CONFLICT']);
    const runId = (won[0] as { data: Response<'credentials.start'> }).data.run.id;
    expect((await call<List>(admin, 'credentials.list', {})).openRunId).toBe(runId);
    await call(admin, 'credentials.cancel', { runId });
    await call(admin, 'credentials.close', { runId, reason: 'double click' });
  });

  /**
   * Holds node2's key rows as the telemetry queue does while it records a batch's key use, from
   * another connection, until `release` resolves. Resolves `waiting` once the rotation waits on them.
   */
  function holdNodeKeys(release: Promise<unknown>): { waiting: Promise<void>; done: Promise<void> } {
    let seen!: () => void;
    const waiting = new Promise<void>((r) => (seen = r));
    const done = asOwner(db, org.orgId, async (c) => {
      await c.query('SELECT id FROM mc.node_keys WHERE org_id = $1 AND node_id = $2 FOR UPDATE', [org.orgId, node2]);
      const watch = (async () => {
        for (let i = 0; i < 600; i++) {
          const r = await db.owner().then(async (w) => {
            try {
              return (await w.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%node_keys%FOR UPDATE%'`)).rows[0].n as number;
            } finally {
              await w.end();
            }
          });
          if (r > 0) return seen();
          await new Promise((x) => setTimeout(x, 100));
        }
      })();
      await release;
      await watch;
    });
    return { waiting, done };
  }

  it('a key held by another transaction is tried again, not failed; held through every try, it fails with why and the old key works', async () => {
    // Held for longer than one try's lock timeout after the rotation starts waiting: a retry rotates it.
    let free!: () => void;
    const released = new Promise<void>((r) => (free = r));
    const held = holdNodeKeys(released);
    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', graceHours: 1, reason: 'contention' });
    const running = runToEnd(started.run.id);
    await held.waiting;
    await new Promise((r) => setTimeout(r, 3_500));
    free();
    await held.done;
    const done = await running;
    expect(done.state).toBe('done');
    expect(done.items.find((i) => i.kind === 'node_key' && i.owner === 'fra-01-gpu02')).toMatchObject({ state: 'rotated' });

    // Held until the run stops: every try waits in vain, the item fails, nothing of it changed.
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const longHeld = holdNodeKeys(stopped);
    const again = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', graceHours: 1, reason: 'contention held' });
    const failedRun = await runToEnd(again.run.id);
    stop();
    await longHeld.done;
    expect(failedRun.state).toBe('failed');
    const failed = failedRun.items.find((i) => i.state === 'failed')!;
    expect(failed).toMatchObject({ kind: 'node_key', owner: 'fra-01-gpu02', detail: expect.stringContaining('lock timeout') });
    expect(failed.detail).toContain('still works');
    // Once free, resuming rotates it.
    await call(admin, 'credentials.resume', { runId: again.run.id });
    expect((await runToEnd(again.run.id)).state).toBe('done');
  }, 120_000);
});
