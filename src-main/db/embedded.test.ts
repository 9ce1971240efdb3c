import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src-shared/contract';
import { createAppCore } from '../core/app-core';
import { silentLogger } from '../core/log';
import { appRoot } from '../core/paths';
import { DIRECT, signInWorkstation, tempDataDir } from '../testing/harness';
import { TEST_SERVICE, testVault } from '../testing/keychain';
import { needKeychain } from '../testing/keychain-gate';
import { processAlive } from './process-alive';
import { createOrg, migratedDatabase, testServers } from '../testing/db';
import { EmbeddedServer, isServerOf } from './embedded-server';
import { freeLoopbackPort } from './free-port';
import { ProfileStore, secretAccounts } from './profiles';

const ok = await needKeychain();

const alive = processAlive;

function postmasterPid(dataDir: string): { pid: number; port: number } | null {
  const f = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(f)) return null;
  const lines = readFileSync(f, 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** Every file under dir except the cluster itself, to look for secrets that must not be there. */
function readableFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'pg') continue;
    const st = statSync(p);
    if (st.isDirectory()) out.push(...readableFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The browser host in a child process, as `npm run serve` runs it (from source, no build needed). */
function startHostProcess(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/host/cli.ts'), '--data-dir', dataDir], {
    cwd: appRoot(),
    env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Mission Control at (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] as string });
    });
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`host exited (${code}): ${err}`)));
  });
}

async function healthOf(url: string) {
  return (await fetch(new URL('/healthz', url))).json() as Promise<{ status: string; database: { reachable: boolean } }>;
}

describe.skipIf(!ok)('embedded PostgreSQL lifecycle', () => {
  const data = tempDataDir('mc-embedded-');
  const vault = testVault();
  let instanceId = '';
  afterAll(async () => {
    if (instanceId) {
      for (const a of [secretAccounts.embeddedSuperuser(instanceId), secretAccounts.authenticator(instanceId, 'embedded')]) await vault.delete(a).catch(() => undefined);
    }
    const pm = postmasterPid(data.dir);
    if (pm && alive(pm.pid) && isServerOf(pm.pid, join(data.dir, 'pg'))) process.kill(pm.pid, 'SIGQUIT');
    data.remove();
  });

  it('first start creates the cluster, keeps its password only in the keychain, migrates and loads the demo org', async () => {
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      expect(core.db.state).toBe('connected');
      instanceId = new ProfileStore(data.dir).instanceId;
      expect(existsSync(join(data.dir, 'pg', 'PG_VERSION'))).toBe(true);
      const password = await vault.get(secretAccounts.embeddedSuperuser(instanceId));
      expect(password).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const list = (await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> };
      expect(list.data.components).toHaveLength(12);
      expect(core.db.session).toMatchObject({ operatorName: 'Ada Okafor', role: 'admin', orgName: 'UmamiEdge Demo Grid', orgSimulated: true });
      expect(await core.health()).toMatchObject({ status: 'ok', database: { reachable: true }, migrations: { current: true } });
      // The server listens on loopback only.
      expect(core.db.activeProfile?.host).toBe('127.0.0.1');
      const c = list.data.components[0]!;
      expect((await core.router.invoke('status.setState', { componentId: c.id, state: 'major_outage', reason: 'survives restarts' }, DIRECT)).ok).toBe(true);
      for (const f of readableFiles(data.dir)) expect(readFileSync(f, 'utf8').includes(password as string), f).toBe(false);
    } finally {
      await core.close();
    }
  });

  it('the app reaches its server only through a private Unix socket', async () => {
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      const viaSocket = await core.db.tx(core.db.session!, (sql) => sql.one<{ unix: boolean }>('SELECT inet_client_addr() IS NULL AS unix'));
      expect(viaSocket.unix).toBe(true);
      expect(statSync(join(data.dir, 'run')).mode & 0o777).toBe(0o700);
    } finally {
      await core.close();
    }
  });

  it('stopping the app stops the server', async () => {
    expect(postmasterPid(data.dir)).toBeNull();
  });

  it('a second start keeps the data, does not load the demo org twice, and removes a password file a killed first start left', async () => {
    // As left when the app was killed during initdb and initdb finished the cluster anyway.
    const dead = spawnSync('true').pid as number;
    mkdirSync(join(data.dir, `.pw-${dead}`));
    writeFileSync(join(data.dir, `.pw-${dead}`, 'pw'), 'left-behind\n');
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      expect(existsSync(join(data.dir, `.pw-${dead}`))).toBe(false);
      const list = (await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> };
      expect(list.data.components).toHaveLength(12);
      expect(list.data.components[0]).toMatchObject({ state: 'major_outage', reason: 'survives restarts' });
      const v = (await core.router.invoke('audit.verify', {}, DIRECT)) as { data: Response<'audit.verify'> };
      expect(v.data).toMatchObject({ ok: true, headSeq: 1 });
    } finally {
      await core.close();
    }
  });

  it('refuses a second app on the same data folder, naming the process that holds it', async () => {
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    try {
      expect(() => createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false })).toThrow(
        new RegExp(`Another Mission Control \\(process ${process.pid}\\) is using the data folder`),
      );
    } finally {
      await core.close();
    }
  });

  it('recovers after the app was killed: orphaned server stopped, port reused by someone else, data intact', async () => {
    const { child, url } = await startHostProcess(data.dir);
    await expect.poll(async () => (await healthOf(url)).database.reachable, { timeout: 30_000, interval: 200 }).toBe(true);
    const orphan = postmasterPid(data.dir);
    expect(orphan && alive(orphan.pid)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The server outlives the killed app, still holding its port and pid file.
    expect(alive(orphan!.pid)).toBe(true);

    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      expect(core.db.state).toBe('connected');
      expect(alive(orphan!.pid)).toBe(false);
      const now = postmasterPid(data.dir);
      expect(now?.pid).not.toBe(orphan!.pid);
      const list = (await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> };
      expect(list.data.components[0]?.reason).toBe('survives restarts');
    } finally {
      await core.close();
    }

    // Now something else takes the port the last server used: the next start simply uses another.
    const squatter = createServer();
    const lastPort = orphan!.port;
    await new Promise<void>((r) => squatter.listen(lastPort, '127.0.0.1', () => r()));
    const again = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await again.start();
    try {
      expect(again.db.state).toBe('connected');
      expect(again.db.activeProfile?.port).not.toBe(lastPort);
    } finally {
      await again.close();
      squatter.close();
    }
  }, 90_000);

  it('brings the server back by itself when it dies under a running app', async () => {
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      const before = postmasterPid(data.dir)!;
      const states: string[] = [];
      core.db.on('changed', () => states.push(core.db.state));
      process.kill(before.pid, 'SIGKILL');
      await expect.poll(() => states.includes('connecting'), { timeout: 5000 }).toBe(true);
      await expect.poll(() => core.db.state === 'connected' && postmasterPid(data.dir)?.pid !== before.pid, { timeout: 30_000, interval: 100 }).toBe(true);
      const list = (await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> };
      expect(list.data.components[0]?.reason).toBe('survives restarts');
      expect(core.db.live).toBe(true);
    } finally {
      await core.close();
    }
  }, 60_000);

  it('an operator’s switch to another profile wins over the restart of a crashed embedded server', async () => {
    const db = await migratedDatabase(testServers()[0]!);
    const org = await createOrg(db, 'switch-away');
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    const store = core.db.profileStore;
    const remote = store.saveRemote(undefined, { name: 'Remote', host: db.target.host, port: db.target.port, database: db.target.database, user: db.target.user, sslmode: 'disable', sslRootCert: null, operatorEmail: org.admin.email });
    await vault.set(secretAccounts.profilePassword(store.instanceId, remote.id), db.password);
    await signInWorkstation(db, vault, secretAccounts.memberLogin(store.instanceId, remote.id), org.admin.email);
    try {
      process.kill(postmasterPid(data.dir)!.pid, 'SIGKILL');
      await expect.poll(() => core.db.state, { timeout: 5000 }).toBe('connecting');
      await core.db.activate(remote.id);
      // The restart sees the operator's choice at its next step and gives way.
      await core.db.restartSettled();
      expect(core.db.activeProfile?.id).toBe(remote.id);
      expect(core.db.session?.orgId).toBe(org.orgId);
      expect(JSON.parse(readFileSync(join(data.dir, 'config.json'), 'utf8')).activeProfileId).toBe(remote.id);
      const pm = postmasterPid(data.dir);
      expect(pm === null || !alive(pm.pid)).toBe(true);
      await core.db.activate('embedded');
      expect(core.db.state).toBe('connected');
    } finally {
      await core.close();
      await vault.delete(secretAccounts.profilePassword(store.instanceId, remote.id)).catch(() => undefined);
      await vault.delete(secretAccounts.memberLogin(store.instanceId, remote.id)).catch(() => undefined);
      store.deleteRemote(remote.id);
      await db.drop();
    }
  }, 60_000);

  it('removes a stale postmaster.pid and instance lock left by a dead process', async () => {
    writeFileSync(join(data.dir, 'pg', 'postmaster.pid'), '999999\n/nowhere\n1700000000\n5999\n\n127.0.0.1\n  0 0\nready\n');
    writeFileSync(join(data.dir, 'instance.lock'), '999999');
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    try {
      expect(core.db.state).toBe('connected');
    } finally {
      await core.close();
    }
  });

  it('reports plainly when the keychain lost the embedded password, and stays up', async () => {
    const account = secretAccounts.embeddedSuperuser(instanceId);
    const saved = await vault.get(account);
    await vault.delete(account);
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: false, opsJob: false });
    try {
      await core.start();
      expect(core.db.state).toBe('error');
      expect(core.db.message).toMatch(/password is no longer in the OS keychain/);
      const info = (await core.router.invoke('system.info', {}, DIRECT)) as { data: Response<'system.info'> };
      expect(info.data.database).toMatchObject({ state: 'error', profileId: 'embedded' });
    } finally {
      await core.close();
      if (saved) await vault.set(account, saved);
    }
  });
});

describe('embedded server start', () => {
  it('retries on another port when the one it chose was taken meanwhile, and removes a password file a killed initdb left', async () => {
    const data = tempDataDir('mc-port-');
    // As left by an app killed during initdb (its process gone), and one of a live process beside it.
    const dead = spawnSync('true').pid as number;
    for (const pid of [dead, process.ppid]) {
      mkdirSync(join(data.dir, `.pw-${pid}`));
      writeFileSync(join(data.dir, `.pw-${pid}`, 'pw'), 'left-behind\n');
    }
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const taken = (squatter.address() as { port: number }).port;
    const offered: number[] = [];
    const server = new EmbeddedServer({
      clusterDir: join(data.dir, 'pg'),
      superuser: 'mc_owner',
      password: 'port-test-password',
      log: silentLogger(),
      choosePort: async () => {
        const p = offered.length === 0 ? taken : await freeLoopbackPort();
        offered.push(p);
        return p;
      },
    });
    try {
      const info = await server.start();
      expect(offered[0]).toBe(taken);
      expect(offered.length).toBeGreaterThanOrEqual(2);
      expect(info.port).not.toBe(taken);
      expect(existsSync(join(data.dir, `.pw-${dead}`))).toBe(false);
      expect(existsSync(join(data.dir, `.pw-${process.ppid}`, 'pw'))).toBe(true);
      expect(readdirSync(data.dir).filter((n) => n.startsWith('.pw-'))).toEqual([`.pw-${process.ppid}`]);
    } finally {
      await server.stop();
      squatter.close();
      data.remove();
    }
  }, 60_000);
});
