import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { afterAll, describe, expect, it } from 'vitest';
import { secretAccounts } from '../db';
import { asOwner, createOrg, migratedDatabase, testServers } from '../testing/db';
import { DIRECT, signInWorkstation, tempDataDir } from '../testing/harness';
import { TEST_SERVICE, testVault } from '../testing/keychain';
import { needKeychain } from '../testing/keychain-gate';
import { createAppCore } from './app-core';
import { appRoot } from './paths';
import { silentLogger } from './log';

const ok = await needKeychain();

/** The keychain column of docs/security.md's secrets table, as account patterns. */
function documentedAccounts(): string[] {
  const doc = readFileSync(join(appRoot(), 'docs', 'security.md'), 'utf8');
  return [...doc.matchAll(/\| keychain `([^`]+)` \|/g)].map((m) => m[1] as string).sort();
}

describe.skipIf(!ok)('switching away from the embedded demo', () => {
  const data = tempDataDir('mc-switch-');
  const vault = testVault();
  let instanceId = '';
  afterAll(async () => {
    if (instanceId) for (const c of await findCredentialsAsync(TEST_SERVICE)) if (c.account.startsWith(`${instanceId}:`)) await vault.delete(c.account);
    data.remove();
  });

  it('stops the demo agent and the ops clock, with their batches in flight, before the remote database becomes active', async () => {
    const remote = await migratedDatabase(testServers()[0]!);
    const org = await createOrg(remote, 'switch-target');
    const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), demoAgent: true, opsJob: true });
    await core.start();
    instanceId = core.db.profileStore.instanceId;
    const store = core.db.profileStore;
    const profile = store.saveRemote(undefined, {
      name: 'Remote',
      host: remote.target.host,
      port: remote.target.port,
      database: remote.target.database,
      user: remote.target.user,
      sslmode: 'disable',
      sslRootCert: null,
      operatorEmail: org.admin.email,
    });
    await vault.set(secretAccounts.profilePassword(instanceId, profile.id), remote.password);
    // On a remote database the workstation acts only through a member login it holds (sql/0017).
    expect(await signInWorkstation(remote, vault, secretAccounts.memberLogin(instanceId, profile.id), org.admin.email)).toBe(true);
    try {
      // The fresh demo grid's hour of history is being sent: hundreds of batches, many in flight.
      await expect.poll(() => core.demo?.simulator?.stats.accepted ?? 0, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
      expect(core.ops?.running).toBe(true);
      const demoSession = core.db.session!;
      const r = await core.router.invoke('connections.activate', { id: profile.id }, DIRECT);
      expect(r.ok ? null : r.error).toBeNull();
      expect(core.db.session?.orgId).toBe(org.orgId);
      expect(core.demo?.simulator ?? null).toBeNull();
      // Give anything that escaped the time to land.
      await new Promise((res) => setTimeout(res, 1500));
      const landed = await asOwner(remote, null, async (c) => {
        const q = async (sql: string) => Number((await c.query<{ n: string }>(sql)).rows[0]?.n);
        return {
          rejections: await q('SELECT count(*) AS n FROM mc.ingest_rejections'),
          batches: await q('SELECT count(*) AS n FROM mc.ingest_batches'),
          telemetry: await q('SELECT count(*) AS n FROM mc.telemetry'),
          foreignAudit: await q(`SELECT count(*) AS n FROM mc.audit_events WHERE org_id <> '${org.orgId}'`),
        };
      });
      expect(landed).toEqual({ rejections: 0, batches: 0, telemetry: 0, foreignAudit: 0 });
      // Work begun as the demo operator before the switch cannot run on the new database either.
      const late = await core.db.tx(demoSession, async (sql) => sql.query('SELECT 1')).catch((e: unknown) => e);
      expect(late).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/connection changed/) });
      expect(core.ops?.running).toBe(true);

      // What this run stored in the keychain is exactly what docs/security.md lists.
      const stored = (await findCredentialsAsync(TEST_SERVICE))
        .map((c) => c.account)
        .filter((a) => a.startsWith(`${instanceId}:`))
        .map((a) => a.replace(instanceId, '<installation>').replace(/:profile:[^:]+:/, ':profile:<id>:'));
      const documented = documentedAccounts();
      for (const a of new Set(stored)) expect(documented, `${a} is stored but not in docs/security.md`).toContain(a);
      expect(new Set(stored)).toEqual(
        new Set(['<installation>:embedded:superuser', '<installation>:embedded:demo-agent', '<installation>:profile:<id>:password', '<installation>:profile:<id>:authenticator', '<installation>:profile:<id>:ingest', '<installation>:profile:<id>:advisor', '<installation>:profile:<id>:member']),
      );
    } finally {
      await core.close();
      await remote.drop();
    }
  }, 180_000);

  it('docs/security.md lists every kind of keychain entry the app can write, and nothing else', () => {
    const kinds = Object.values(secretAccounts).map((f) => f('<installation>', '<id>'));
    expect(documentedAccounts()).toEqual([...kinds].sort());
  });
});
