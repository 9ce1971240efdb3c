import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src-shared/contract';
import { createAppCore } from '../core/app-core';
import { createLogger, silentLogger } from '../core/log';
import { appRoot } from '../core/paths';
import { call, DIRECT, tempDataDir } from '../testing/harness';
import { TEST_SERVICE, testVault } from '../testing/keychain';
import { needKeychain } from '../testing/keychain-gate';
import { attachToDataDir } from '../db/attach';
import { ProfileStore, secretAccounts } from '../db';

const ok = await needKeychain();

describe.skipIf(!ok)('demo mode', () => {
  const data = tempDataDir('mc-demo-');
  afterAll(() => data.remove());

  it('brings the demo grid to life on first start, through the real ingest path', async () => {
    const core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger() });
    await core.start();
    try {
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 20_000, interval: 200 }).toBeGreaterThan(500);
      const overview = (await core.router.invoke('grid.overview', {}, DIRECT)) as { data: Response<'grid.overview'> };
      expect(overview.data.corridors.map((c) => c.name).sort()).toEqual(['APAC', 'Africa', 'EU', 'MENA', 'North America']);
      expect(overview.data.sites).toHaveLength(40);
      const nodes = (await core.router.invoke('nodes.list', {}, DIRECT)) as { data: Response<'nodes.list'> };
      expect(nodes.data.nodes).toHaveLength(400);
      await expect
        .poll(async () => ((await core.router.invoke('nodes.list', {}, DIRECT)) as { data: Response<'nodes.list'> }).data.nodes.filter((n) => n.seenAt).length, {
          timeout: 20_000,
          interval: 500,
        })
        .toBeGreaterThan(50);
      const keys = (await core.router.invoke('keys.list', {}, DIRECT)) as { data: Response<'keys.list'> };
      const mayRun = nodes.data.nodes.filter((n) => n.lifecycle !== 'retired').length;
      expect(keys.data.keys.filter((k) => k.label === 'demo agent' && k.status === 'active').length).toBe(mayRun);
      expect(keys.data.nodesWithoutValidKey).toEqual([]);
      // Made by the app on its own: Keys → Node keys names it as the audit log does (marked
      // simulated), never the admin whose session it used.
      expect(new Set(keys.data.keys.filter((k) => k.label === 'demo agent').map((k) => k.createdBy))).toEqual(new Set(['Mission Control demo agent (simulated)']));
      expect(core.demo?.simulator).not.toBeNull();
      const audit = (await core.router.invoke('audit.list', { limit: 10 }, DIRECT)) as { data: Response<'audit.list'> };
      expect(audit.data.events.map((e) => e.action)).toEqual(expect.arrayContaining(['grid.demo_provisioned', 'keys.issued_batch']));
      // The app did it on its own: named as the demo agent, never as the admin whose session it used.
      for (const e of audit.data.events.filter((x) => x.action === 'grid.demo_provisioned' || x.action === 'keys.issued_batch')) {
        expect(e.actor).toEqual({ id: null, name: 'Mission Control demo agent', role: null });
      }
    } finally {
      await core.close();
    }
  }, 60_000);

  it('loses no accepted sample when the database is killed or the app restarts, and does not provision twice', async () => {
    // Only this test's batches count: the first test's agent has stopped before t0.
    const t0 = new Date(Date.now() - 1).toISOString();
    const storedSince = (core: ReturnType<typeof createAppCore>) =>
      // As the demo org's operator: with no org selected, row-level security shows no rows at all.
      core.db.tx(core.db.session!, async (sql) => (await sql.one<{ n: number }>(`SELECT coalesce(sum(samples), 0)::int AS n FROM mc.ingest_batches WHERE received_at >= $1`, [t0])).n);
    let core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger() });
    await core.start();
    let accepted: number;
    try {
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 20_000 }).toBeGreaterThan(100);
      // Stopped, the agent has no batch in flight: what it was told "accepted" is exactly what is stored.
      const first = core.demo!.simulator!;
      await core.demo!.stop();
      expect(first.stats.failed).toBe(0);
      accepted = first.stats.accepted;
      expect(await storedSince(core)).toBe(accepted);

      const pid = Number(readFileSync(join(data.dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const states: string[] = [];
      core.db.on('changed', () => states.push(core.db.state));
      process.kill(pid, 'SIGKILL');
      // First the app notices (connecting), then it is back on a new server, with every sample.
      await expect.poll(() => states.includes('connecting'), { timeout: 10_000, interval: 50 }).toBe(true);
      await expect.poll(() => core.db.state === 'connected' && core.db.live, { timeout: 30_000, interval: 100 }).toBe(true);
      expect(await storedSince(core)).toBe(accepted);

      // The agent comes back with the database, and what it sends now is kept as well.
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
      const second = core.demo!.simulator!;
      await core.demo!.stop();
      expect(second).not.toBe(first);
      expect(second.stats.failed).toBe(0);
      accepted += second.stats.accepted;
      expect(await storedSince(core)).toBe(accepted);
    } finally {
      await core.close();
    }
    core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), demoAgent: false });
    await core.start();
    try {
      expect(await storedSince(core)).toBe(accepted);
      const audit = (await core.router.invoke('audit.list', { limit: 500 }, DIRECT)) as { data: Response<'audit.list'> };
      expect(audit.data.events.filter((e) => e.action === 'grid.demo_provisioned')).toHaveLength(1);
      expect((await core.router.invoke('audit.verify', {}, DIRECT)).ok).toBe(true);
    } finally {
      await core.close();
    }
  }, 90_000);

  it('after rotate all in compromise mode, takes delivery of its nodes’ new keys and keeps reporting; a restart uses them', async () => {
    type List = Response<'credentials.list'>;
    let core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger() });
    await core.start();
    try {
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
      let run = (await call<Response<'credentials.start'>>(core, 'credentials.start', { mode: 'compromise', confirm: 'ROTATE ALL', reason: 'demo breach' })).run;
      for (let i = 0; i < 200 && run.state === 'running'; i++) run = (await call<Response<'credentials.step'>>(core, 'credentials.step', { runId: run.id })).run;
      expect(run.state).toBe('done');
      const nodeItems = run.items.filter((i) => i.kind === 'node_key' && i.state === 'rotated');
      expect(nodeItems.length).toBeGreaterThan(300);
      // No grace: the derived keys stopped with the run. The agent takes delivery (every 10 s, or now).
      await core.demo!.takeDeliveries();
      // Every node that runs has switched; what is left are nodes that send nothing (in maintenance
      // or not yet in service): they switch when they next run, with the key the agent now holds.
      const idle = new Set(
        (await call<Response<'nodes.list'>>(core, 'nodes.list', {})).nodes.filter((n) => n.lifecycle !== 'active' && n.lifecycle !== 'draining').map((n) => n.hostname),
      );
      await expect
        .poll(async () => (await call<List>(core, 'credentials.list', {})).pendingSwitch.filter((p) => !idle.has(p.hostname)).length, { timeout: 90_000, interval: 2000 })
        .toBe(0);
      const sim = core.demo!.simulator!;
      expect(sim.silenced).toBe(0);
      const after = (await call<Response<'credentials.run'>>(core, 'credentials.run', { runId: run.id })).run;
      // Delivered for the nodes the agent runs, by the agent (named as such, not as the operator);
      // the keys of nodes it does not run stay held for an admin's Reveal.
      const delivered = after.items.filter((i) => i.kind === 'node_key' && i.delivery === 'revealed');
      const held = after.items.filter((i) => i.kind === 'node_key' && i.delivery === 'held');
      expect(delivered.length).toBe(sim.nodeIds.length);
      expect(delivered.length + held.length).toBe(nodeItems.length);
      const audit = await call<Response<'audit.list'>>(core, 'audit.list', { limit: 500, filter: { action: 'credentials.secret_revealed' } });
      expect(audit.events.length).toBe(delivered.length);
      expect(new Set(audit.events.map((e) => e.actor.name))).toEqual(new Set(['Mission Control demo agent']));
      // The ingest login's password was rotated too: the agent follows the new pool, nothing fails.
      expect(sim.stats.failed).toBe(0);
    } finally {
      await core.close();
    }
    core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger() });
    await core.start();
    let active: string[];
    try {
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 60_000 }).toBeGreaterThan(200);
      active = (await call<Response<'nodes.list'>>(core, 'nodes.list', {})).nodes.filter((n) => n.lifecycle === 'active').map((n) => n.id);
      const keys = await call<Response<'keys.list'>>(core, 'keys.list', {});
      expect(keys.nodesWithoutValidKey).toEqual([]);
      expect(core.demo!.simulator!.silenced).toBe(0);
    } finally {
      await core.close();
    }

    // A delivered-keys entry garbled in the keychain: that node is named in the log (its value
    // never) and falls back to its seed key; an entry that names no node is named as such.
    const vault = testVault();
    const account = secretAccounts.demoAgentDelivered(new ProfileStore(data.dir).instanceId);
    const stored = JSON.parse((await vault.get(account))!) as Record<string, string>;
    // A node that reports (an idle one sends nothing, so nothing of it would be refused).
    const garbled = Object.keys(stored).find((id) => active.includes(id))!;
    const other = Object.keys(stored).find((id) => id !== garbled)!;
    await vault.set(account, JSON.stringify({ ...stored, [garbled]: 'ume_node_not-a-key', 'not-a-node': stored[other] }));
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    core = createAppCore({ dataDir: data.dir, vault, log: createLogger({ stream: sink, level: 'warn' }) });
    await core.start();
    try {
      // The node sends with its seed key, which the rotation retired: refused as rotated out (the
      // garbled value, had it been sent, would be refused as an invalid key instead).
      await expect.poll(() => core.demo?.simulator?.stats.rejected.key_rotated_out ?? 0, { timeout: 90_000, interval: 500 }).toBeGreaterThan(0);
      const warned = lines.filter((l) => l.includes('a delivered node key in the keychain is not a node key'));
      expect(warned.map((l) => (JSON.parse(l) as { nodeId: string }).nodeId).sort()).toEqual(['(not a node id)', garbled].sort());
      expect(lines.join('')).not.toContain(stored[other]);
      expect(lines.join('')).not.toContain('ume_node_not-a-key');
    } finally {
      await core.close();
    }
  }, 300_000);
});

describe.skipIf(!ok)('npm run agent', () => {
  const data = tempDataDir('mc-agent-');
  let host: ChildProcess | null = null;
  afterAll(async () => {
    if (host && host.exitCode === null) {
      const exited = new Promise((r) => host!.once('exit', r));
      host.kill('SIGTERM');
      await exited;
    }
    data.remove();
  });

  it('says plainly when the app has not used the data folder yet', () => {
    const empty = tempDataDir('mc-agent-empty-');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/agent/cli.ts'), '--data-dir', empty.dir, '--duration', '1'], {
      cwd: appRoot(),
      encoding: 'utf8',
      env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE },
    });
    empty.remove();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^agent: .* is not a Mission Control data folder \(no config\.json\)\.$/);
  });

  it('refuses nonsense options with a usage line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/agent/cli.ts'), '--nodes', 'lots'], { cwd: appRoot(), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--nodes must be a number from 1 to 50000, got "lots"/);
  });

  /** The browser host on this data folder, as `npm run serve` runs it; resolves once its database answers. */
  async function startHost(): Promise<void> {
    host = spawn(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/host/cli.ts'), '--data-dir', data.dir], {
      cwd: appRoot(),
      env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE, MC_DEMO_AGENT: '0', MC_OPS_JOB: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const origin = await new Promise<string>((resolve, reject) => {
      let out = '';
      host!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Mission Control at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      host!.once('exit', (code) => reject(new Error(`host exited ${code}`)));
    });
    // The host answers before its database is up: wait until /healthz says the database is reachable
    // (a busy machine can take many seconds), not a fixed time.
    await expect
      .poll(
        async () => {
          try {
            return ((await (await fetch(`${origin}/healthz`)).json()) as { database: { reachable: boolean } }).database.reachable;
          } catch {
            return false;
          }
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
  }

  async function stopHost(): Promise<void> {
    const exited = new Promise((r) => host!.once('exit', r));
    host!.kill('SIGTERM');
    await exited;
  }

  it('plays N nodes against the database a running app uses, through the ingest function', async () => {
    await startHost();
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(appRoot(), 'src-main/agent/cli.ts'), '--data-dir', data.dir, '--nodes', '30', '--rate', '1', '--batch-seconds', '2', '--bad-key-rate', '0.1', '--duration', '12'],
      { cwd: appRoot(), encoding: 'utf8', env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE }, timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/agent: 30 nodes of UmamiEdge Demo Grid \(Embedded \(this workstation\)\) sending 1 sample sets\/s each/);
    const last = r.stdout.trim().split('\n').filter((l) => l.includes('batches')).pop()!;
    const accepted = Number(/(\d+) samples accepted/.exec(last)?.[1]);
    expect(accepted).toBeGreaterThan(30 * 9);
    expect(last).toMatch(/rejected \{"key_invalid":\d+/);
  }, 120_000);

  it('finds the app again after it restarts on another port, says what it waits for, and loses no accepted sample', async () => {
    if (!host || host.exitCode !== null) await startHost();
    const t0 = new Date(Date.now() - 1).toISOString();
    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', join(appRoot(), 'src-main/agent/cli.ts'), '--data-dir', data.dir, '--nodes', '20', '--rate', '1', '--batch-seconds', '1', '--bad-key-rate', '0', '--bad-sample-rate', '0'],
      { cwd: appRoot(), env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    agent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    agent.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => agent.once('exit', r));
    try {
      await expect.poll(() => out, { timeout: 60_000, interval: 250 }).toMatch(/agent: 20 nodes of/);
      // Let some batches land, then take the app (and its embedded server) away for a while.
      await new Promise((r) => setTimeout(r, 3000));
      await stopHost();
      await expect.poll(() => out, { timeout: 30_000, interval: 250 }).toMatch(/agent: waiting for the database at .* \(.+\); holding \d+ batch\(es\)/);
      await new Promise((r) => setTimeout(r, 2000));
      await startHost();
      await expect.poll(() => out, { timeout: 60_000, interval: 250 }).toMatch(/agent: the database is back at .*; sending the held batches\./);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      agent.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(err).toBe('');
    const last = out.trim().split('\n').filter((l) => l.includes('samples accepted')).pop()!;
    const accepted = Number(/(\d+) samples accepted/.exec(last)?.[1]);
    expect(last).toMatch(/failed 0/);
    expect(accepted).toBeGreaterThan(0);
    // What the agent was told "accepted" is exactly what the database holds from it.
    const db = await attachToDataDir(data.dir, testVault());
    try {
      const stored = await db.tx(async (sql) => (await sql.one<{ n: number }>('SELECT coalesce(sum(samples), 0)::int AS n FROM mc.ingest_batches WHERE received_at >= $1', [t0])).n);
      expect(stored).toBe(accepted);
    } finally {
      await db.close();
    }
  }, 240_000);
});
