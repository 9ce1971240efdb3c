/**
 * Rotate all covers this installation's logins on the workstation's other profiles too: a breach of
 * the workstation exposes every password its keychain holds, not only the connected profile's. Two
 * real servers (the embedded PostgreSQL and Debian's PostgreSQL 15): login roles are per server, so
 * the second profile's logins are really its own.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { ProfileFields } from '../../../src-shared/contract/connections';
import type { RotationRunDetail } from '../../../src-shared/contract/credentials';
import { secretAccounts } from '../../db';
import { advisorRoleName, authenticatorRoleName, ingestRoleName } from '../../db/authenticator';
import { clientConfig } from '../../db/pg-config';
import { createOrg, migratedDatabase, type TestDatabase, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
const servers = testServers();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok || servers.length < 2)('rotate all: the logins of the workstation’s other profiles', () => {
  let home: TestDatabase;
  let other: TestDatabase;
  let admin: Core;
  let otherId: string;
  let homeId: string;
  /** The installation's three logins on the other profile: keychain account and role. */
  const logins = () => {
    const inst = admin.db.profileStore.instanceId;
    return [
      { account: secretAccounts.authenticator(inst, otherId), role: authenticatorRoleName(inst) },
      { account: secretAccounts.ingest(inst, otherId), role: ingestRoleName(inst) },
      { account: secretAccounts.advisor(inst, otherId), role: advisorRoleName(inst) },
    ];
  };
  /** Whether a password logs in as that role on the other profile's server. */
  const logsIn = async (role: string, password: string) => {
    const c = new pg.Client(clientConfig({ ...other.target, user: role }, password));
    c.on('error', () => undefined);
    try {
      await c.connect();
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '28P01') return false;
      throw err;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const list = () => call<Response<'credentials.list'>>(admin, 'credentials.list', {});

  beforeAll(async () => {
    home = await migratedDatabase(servers[0]!);
    other = await migratedDatabase(servers[1]!);
    const homeOrg = await createOrg(home, 'rot-home');
    const otherOrg = await createOrg(other, 'rot-other');
    admin = await coreOn(home, homeOrg.admin.email);
    homeId = admin.db.profileStore.activeId;
    const fields: ProfileFields = {
      name: 'Second region',
      host: other.target.host,
      port: other.target.port,
      database: other.target.database,
      user: other.target.user,
      sslmode: 'disable',
      sslRootCert: null,
      operatorEmail: otherOrg.admin.email,
    };
    otherId = (await call<Response<'connections.save'>>(admin, 'connections.save', { fields, password: other.password })).profile.id;
    // Connected once on this workstation: that makes the installation's logins there, held in this keychain.
    await call(admin, 'connections.activate', { id: otherId });
    await call(admin, 'connections.activate', { id: homeId });
  });
  afterAll(async () => {
    await admin?.cleanup();
    await home?.drop();
    await other?.drop();
  });

  it('lists them by profile, rotates them there through that profile’s owner, and the profile still connects with the new passwords', async () => {
    const others = async () => (await list()).credentials.filter((c) => c.ref.endsWith(`@profile:${otherId}`));
    // All three are listed at once; a keychain that does not answer (a loaded CI machine has seen
    // it) lists them as unknown and not rotatable, never hides them, and the next list sees them.
    expect((await others()).map((c) => c.kind).sort()).toEqual(['database_role', 'database_role', 'ingest_login']);
    await expect.poll(async () => (await others()).every((c) => c.rotatable), { timeout: 15_000, interval: 500 }).toBe(true);
    const listed = await others();
    expect(listed.map((c) => [c.kind, c.rotatable]).sort()).toEqual([
      ['database_role', true],
      ['database_role', true],
      ['ingest_login', true],
    ]);
    expect(listed.every((c) => c.label.includes('“Second region”') && !/password=|[A-Za-z0-9_-]{40}/.test(JSON.stringify(c)))).toBe(true);

    expect(listed.map((c) => c.ref.split('@')[0]).sort()).toEqual(logins().map((l) => l.role).sort());
    const before = await Promise.all(logins().map((l) => admin.vault.get(l.account)));
    expect(before.every((p) => typeof p === 'string')).toBe(true);

    const started = await call<Response<'credentials.start'>>(admin, 'credentials.start', { mode: 'scheduled', graceHours: 1, reason: 'monthly rotation' });
    let run: RotationRunDetail = started.run;
    for (let i = 0; i < 100 && run.state === 'running'; i++) run = (await call<Response<'credentials.step'>>(admin, 'credentials.step', { runId: run.id })).run;
    expect(run.state).toBe('done');
    const items = run.items.filter((i) => i.ref.endsWith(`@profile:${otherId}`));
    expect(items.map((i) => i.state)).toEqual(['rotated', 'rotated', 'rotated']);
    expect(items.every((i) => i.detail?.includes('profile “Second region”'))).toBe(true);

    // Each new password logs in on that server and the old one is refused; the keychain holds the new one.
    for (const [i, l] of logins().entries()) {
      const now = await admin.vault.get(l.account);
      expect(now).not.toBe(before[i]);
      expect(await logsIn(l.role, now!)).toBe(true);
      expect(await logsIn(l.role, before[i]!)).toBe(false);
    }
    // The connected profile kept working throughout, and the rotated one connects with what the keychain holds.
    expect((await list()).credentials.length).toBeGreaterThan(0);
    await call(admin, 'connections.activate', { id: otherId });
    expect(admin.db.activeProfile?.id).toBe(otherId);
    await call(admin, 'connections.activate', { id: homeId });
    // The audit event names the profile and its server, never a password.
    const events = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 100, filter: { action: 'credentials.rotated' } });
    const there = events.events.filter((e) => JSON.stringify(e.data).includes('Second region'));
    expect(there).toHaveLength(3);
    for (const p of before) expect(JSON.stringify(events)).not.toContain(p);
  }, 180_000);

  it('refuses to rotate on a profile that does not exist, and on the embedded one while another is active, changing nothing', async () => {
    const account = logins()[0]!.account;
    const held = await admin.vault.get(account);
    await expect(admin.db.rotateAppLogin('authenticator', undefined, 'no-such-profile')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.db.rotateAppLogin('authenticator', undefined, 'embedded')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await admin.vault.get(account)).toBe(held);
    // The contract refuses a run nobody confirmed, as for the connected profile's logins.
    expect(await refused(admin, 'credentials.start', { mode: 'compromise', reason: 'breach', confirm: 'rotate' })).toMatchObject({ code: 'VALIDATION' });
  });
});
