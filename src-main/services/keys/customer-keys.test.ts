/**
 * Customer API keys through the contract, on a real Postgres: issue (shown once, only the sha256
 * kept), the check a gateway makes as the data-plane role (last use; a key presented after it
 * stopped working is flagged), rotation with a grace period and with none, revocation, and every
 * refusal with nothing stored changed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { keyKind } from '../../../src-shared/domain/api-key';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { ingestLogin, seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { hashKey } from './generate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('customer API keys', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let customerId: string;
  let dataPlane: pg.Pool;

  const stored = () =>
    asOwner(db, null, async (c) => (await c.query(`SELECT to_jsonb(k) AS row FROM mc.customer_keys k WHERE k.org_id = $1 ORDER BY k.created_at, k.id`, [org.orgId])).rows.map((r) => r.row));
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored();
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }
  /** What the gateway will do for every request: the check as the data-plane role, by hash only. */
  const present = async (secret: string, source = '203.0.113.7') =>
    (await dataPlane.query<{ status: string; customer_id: string | null; mode: string | null }>('SELECT * FROM mc.customer_key_check($1, $2)', [hashKey(secret), source])).rows[0]!;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'customer-keys');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    customerId = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme Health', tier: 'enterprise', homeCorridorId: grid.corridorId })).customer.id;
    dataPlane = new pg.Pool({ ...(await ingestLogin(db)), max: 2 });
  });
  afterAll(async () => {
    await dataPlane?.end();
    for (const c of [auditor, operator, admin]) await c?.cleanup();
    await db?.drop();
  });

  it('issues a typed key shown once; the database keeps its sha256 and the app can never read it back', async () => {
    const r = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'prod backend' });
    expect(keyKind(r.secret)).toBe('live');
    expect(r.key).toMatchObject({ customerName: 'Acme Health', mode: 'live', status: 'active', prefix: r.secret.slice(0, 15), useCount: 0, stale: false, refusedCount: 0 });
    const rows = await stored();
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(`\\x${hashKey(r.secret).toString('hex')}`);
    expect(JSON.stringify(rows)).not.toContain(r.secret);
    const list = await call<Response<'customerKeys.list'>>(auditor, 'customerKeys.list', {});
    expect(list.keys.map((k) => k.prefix)).toEqual([r.key.prefix]);
    expect(list.customers.map((c) => c.name)).toEqual(['Acme Health']);
    expect(JSON.stringify(list)).not.toContain(r.secret.slice(15));
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 5 });
    expect(audit.events[0]).toMatchObject({ action: 'customer_keys.issued', data: { prefix: r.key.prefix, mode: 'live', customer: 'Acme Health' } });
    expect(JSON.stringify(audit.events)).not.toContain(r.secret);
    // The app's own login cannot select the hash, even for its org (column grant).
    await expect(admin.db.tx(admin.db.session!, (sql) => sql.query('SELECT key_hash FROM mc.customer_keys'))).rejects.toThrow(/permission denied/);
  });

  it('the data plane checks a key by hash: use is recorded; an unknown key reads like any invalid one', async () => {
    const { secret, key } = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'test', label: 'ci' });
    expect(await present(secret, 'ci-runner-3')).toMatchObject({ status: 'ok', customer_id: customerId, mode: 'test' });
    const after = (await call<Response<'customerKeys.list'>>(admin, 'customerKeys.list', {})).keys.find((k) => k.id === key.id)!;
    expect(after).toMatchObject({ useCount: 1, lastUsedSource: 'ci-runner-3' });
    expect(after.lastUsedAt).not.toBeNull();
    expect(await present(`ume_live_${'x'.repeat(38)}`)).toEqual({ status: 'invalid', org_id: null, customer_id: null, key_id: null, mode: null });
    // The app's role may not call it; the data plane's may not read the table.
    await expect(admin.db.tx(admin.db.session!, (sql) => sql.query('SELECT * FROM mc.customer_key_check($1, $2)', [hashKey(secret), 'x']))).rejects.toThrow(/permission denied/);
    await expect(dataPlane.query('SELECT count(*) FROM mc.customer_keys')).rejects.toThrow(/permission denied/);
  });

  it('rotates with a grace period (both work until it ends) and with none (the old key stops at once)', async () => {
    const first = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'rotating' });
    const graced = await call<Response<'customerKeys.rotate'>>(admin, 'customerKeys.rotate', { keyId: first.key.id, graceHours: 24 });
    expect(graced.previous).toMatchObject({ status: 'grace', supersededBy: graced.key.id });
    expect(graced.key).toMatchObject({ status: 'active', mode: 'live', label: 'rotating' });
    expect((await present(first.secret)).status).toBe('ok');
    expect((await present(graced.secret)).status).toBe('ok');
    const now = await call<Response<'customerKeys.rotate'>>(admin, 'customerKeys.rotate', { keyId: graced.key.id, graceHours: 0 });
    expect(now.previous.status).toBe('rotated_out');
    expect((await present(graced.secret, 'old-client')).status).toBe('rotated_out');
    expect((await present(now.secret)).status).toBe('ok');
    const list = await call<Response<'customerKeys.list'>>(admin, 'customerKeys.list', {});
    expect(list.keys.find((k) => k.id === graced.key.id)).toMatchObject({ refusedCount: 1, lastRefusedSource: 'old-client' });
    expect(list.flags.refusedStillPresented).toBe(1);
    // A key in its grace period cannot be rotated again: only the active one.
    const err = await refusedUnchanged(admin, 'customerKeys.rotate', { keyId: first.key.id, graceHours: 1 });
    expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Only an active key can be rotated') });
  });

  it('revokes at once (an operator may); a revoked key presented again is flagged on the list', async () => {
    const k = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'leaked' });
    const r = await call<Response<'customerKeys.revoke'>>(operator, 'customerKeys.revoke', { keyId: k.key.id, reason: 'found in a public repository' });
    // Who revoked it comes from the record (the operator who did), for the keys page to show instead of an expiry.
    expect(r.key).toMatchObject({ status: 'revoked', revokeReason: 'found in a public repository', revokedBy: org.operator.name, revokedAt: expect.any(String) });
    expect((await present(k.secret, 'unknown-host')).status).toBe('revoked');
    const list = await call<Response<'customerKeys.list'>>(admin, 'customerKeys.list', {});
    expect(list.keys.find((x) => x.id === k.key.id)).toMatchObject({ refusedCount: 1, lastRefusedSource: 'unknown-host', revokedBy: org.operator.name });
    expect(list.keys.filter((x) => x.status !== 'revoked').every((x) => x.revokedBy === null && x.revokedAt === null)).toBe(true);
    expect(list.flags.refusedStillPresented).toBe(2);
    const again = await refusedUnchanged(admin, 'customerKeys.revoke', { keyId: k.key.id, reason: 'twice' });
    expect(again).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already revoked') });
  });

  it('marks a working key unused for the stale period as stale', async () => {
    const k = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'test', label: 'forgotten' });
    await asOwner(db, null, (c) => c.query(`UPDATE mc.customer_keys SET created_at = now() - interval '40 days' WHERE id = $1`, [k.key.id]));
    const list = await call<Response<'customerKeys.list'>>(admin, 'customerKeys.list', { staleDays: 30 });
    expect(list.keys.find((x) => x.id === k.key.id)?.stale).toBe(true);
    expect(list.keys.filter((x) => x.stale).map((x) => x.id)).toEqual([k.key.id]);
    expect(list.flags.stale).toBe(1);
  });

  it('refuses bad input, the wrong role and unknown ids with a clear error, and stores nothing', async () => {
    expect(await refusedUnchanged(operator, 'customerKeys.issue', { customerId, mode: 'live' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(auditor, 'customerKeys.revoke', { keyId: randomUUID(), reason: 'auditor tries' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(admin, 'customerKeys.issue', { customerId: randomUUID(), mode: 'live' })).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('add it in SLA (New customer) first'),
    });
    expect(await refusedUnchanged(admin, 'customerKeys.issue', { customerId, mode: 'prod' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'x'.repeat(81), expiresInDays: 0 })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(admin, 'customerKeys.rotate', { keyId: randomUUID() })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(admin, 'customerKeys.revoke', { keyId: randomUUID(), reason: 'lost' })).toMatchObject({ code: 'NOT_FOUND' });
    const live = (await call<Response<'customerKeys.list'>>(admin, 'customerKeys.list', {})).keys.find((k) => k.status === 'active')!;
    expect(await refusedUnchanged(admin, 'customerKeys.revoke', { keyId: live.id, reason: 'no' })).toMatchObject({ code: 'VALIDATION' });
    // Another org's admin sees none of these keys and cannot touch them.
    const other = await createOrg(db, 'customer-keys-other');
    const stranger = await coreOn(db, other.admin.email);
    try {
      expect((await call<Response<'customerKeys.list'>>(stranger, 'customerKeys.list', {})).keys).toEqual([]);
      expect(await refusedUnchanged(stranger, 'customerKeys.revoke', { keyId: live.id, reason: 'not mine' })).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await stranger.cleanup();
    }
  });
});
