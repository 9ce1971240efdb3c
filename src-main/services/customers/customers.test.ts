/**
 * Customers through the contract, on a real Postgres: a save with every term, every bad term
 * refused with a clear message and nothing stored changed, the usage summary from what the
 * gateway records, and another org that can neither read nor write them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const NOWHERE = '00000000-0000-4000-8000-00000000beef';

describe.skipIf(!ok)('customers', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let grid: TestGrid;
  let otherGrid: TestGrid;
  let mena: string;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let commander: Core;
  let outsider: Core;
  let id: string;

  const stored = () =>
    asOwner(db, null, async (c) => ({
      customers: (await c.query(`SELECT to_jsonb(x) AS row FROM mc.customers x ORDER BY x.org_id, x.key`)).rows.map((r) => r.row),
      reservations: (await c.query(`SELECT to_jsonb(x) AS row FROM mc.node_reservations x ORDER BY x.node_id`)).rows.map((r) => r.row),
      audit: (await c.query(`SELECT count(*)::int AS n FROM mc.audit_events`)).rows[0].n,
      orgLimits: (await c.query(`SELECT org_id, requests_per_min FROM mc.org_limits ORDER BY org_id`)).rows,
    }));
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored();
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }

  const full = () => ({
    key: 'acme',
    name: 'Acme Health',
    tier: 'enterprise' as const,
    homeCorridorId: grid.corridorId,
    requestsPerMin: 1200,
    tokensPerMin: 400_000,
    monthlyTokenQuota: 2_000_000_000,
    maxConcurrency: 64,
    committedRequestsPerMin: 600,
    committedTokensPerMin: 150_000,
    allowedCorridorIds: [grid.corridorId, mena],
    contacts: [
      { name: 'Nia Achebe', role: 'on-call', email: 'noc@acme.example', phone: '+49 30 1234567' },
      { name: 'Tom Berg', role: 'billing', email: 'billing@acme.example' },
    ],
  });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'customers');
    other = await createOrg(db, 'customers-other');
    grid = await seedGrid(db, org);
    otherGrid = await seedGrid(db, other, 'ams-01-gpu01');
    mena = await asOwner(db, org.orgId, async (c) => (await c.query(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries) VALUES ($1, 'mena', 'MENA', 'mena', '{AE}') RETURNING id`, [org.orgId])).rows[0].id);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    commander = await coreOn(db, org.commander.email);
    outsider = await coreOn(db, other.admin.email);
  });
  afterAll(async () => {
    for (const c of [outsider, commander, auditor, operator, admin]) await c?.cleanup();
    await db?.drop();
  });

  it('an operator saves a customer with every term; the audit event names contacts without their email or phone', async () => {
    const r = await call<Response<'customers.save'>>(operator, 'customers.save', full());
    id = r.customer.id;
    expect(r.customer).toMatchObject({
      key: 'acme',
      name: 'Acme Health',
      tier: 'enterprise',
      homeCorridorName: 'EU',
      slaPolicyId: null,
      effectivePolicyId: null,
      limits: { requestsPerMin: 1200, tokensPerMin: 400_000, monthlyTokenQuota: 2_000_000_000, maxConcurrency: 64 },
      committed: { requestsPerMin: 600, tokensPerMin: 150_000 },
      allowedCorridors: [
        { id: grid.corridorId, name: 'EU' },
        { id: mena, name: 'MENA' },
      ],
      contacts: full().contacts,
      keys: { working: 0, total: 0 },
    });
    const row = await asOwner(db, null, async (c) => (await c.query(`SELECT * FROM mc.customers WHERE id = $1`, [id])).rows[0]);
    expect(row).toMatchObject({ org_id: org.orgId, requests_per_min: 1200, monthly_token_quota: 2_000_000_000, committed_tokens_per_min: 150000, contacts: full().contacts });
    expect([...row.allowed_corridor_ids].sort()).toEqual([grid.corridorId, mena].sort());
    const audit = await call<Response<'audit.list'>>(auditor, 'audit.list', { limit: 1 });
    expect(audit.events[0]).toMatchObject({ action: 'customers.created', data: { key: 'acme', requestsPerMin: 1200, contacts: ['Nia Achebe (on-call)', 'Tom Berg (billing)'] } });
    expect(JSON.stringify(audit.events[0])).not.toContain('acme.example');
  });

  it('a change is audited field by field; saving the same terms again changes nothing and writes no event', async () => {
    const before = (await stored()).audit;
    const changed = { ...full(), id, requestsPerMin: null, committedRequestsPerMin: 5000, contacts: full().contacts.slice(0, 1), reason: 'new contract' };
    const r = await call<Response<'customers.save'>>(admin, 'customers.save', changed);
    expect(r.customer.limits.requestsPerMin).toBeNull();
    expect(r.customer.contacts).toHaveLength(1);
    const audit = await call<Response<'audit.list'>>(auditor, 'audit.list', { limit: 1 });
    expect(audit.events[0]).toMatchObject({
      action: 'customers.changed',
      reason: 'new contract',
      data: { changed: ['requestsPerMin', 'committedRequestsPerMin', 'contacts'], before: { requestsPerMin: 1200, committedRequestsPerMin: 600 }, after: { requestsPerMin: null, committedRequestsPerMin: 5000 } },
    });
    await call(admin, 'customers.save', changed);
    expect((await stored()).audit).toBe(before + 1);
    // Back to the full terms for what follows.
    await call(admin, 'customers.save', { ...full(), id });
  });

  it('refuses every bad term with a message that says how to fix it, and stores nothing', async () => {
    const bad = async (over: Record<string, unknown>, field: string, message: RegExp) => {
      const err = await refusedUnchanged(admin, 'customers.save', { ...full(), id, ...over });
      expect(err.code, JSON.stringify(over)).toBe('VALIDATION');
      expect(Object.keys(err.fields ?? {}).join(','), JSON.stringify(over)).toContain(field);
      expect(`${err.message} ${JSON.stringify(err.fields)}`, JSON.stringify(over)).toMatch(message);
    };
    await bad({ requestsPerMin: 0 }, 'requestsPerMin', /at least 1, or empty for the org default/);
    await bad({ requestsPerMin: -5 }, 'requestsPerMin', /at least 1/);
    await bad({ requestsPerMin: 1.5 }, 'requestsPerMin', /whole number/);
    await bad({ requestsPerMin: 20_000_000 }, 'requestsPerMin', /at most 10,000,000/);
    await bad({ requestsPerMin: '100' }, 'requestsPerMin', /number/i);
    await bad({ tokensPerMin: 0 }, 'tokensPerMin', /at least 1/);
    await bad({ monthlyTokenQuota: 0 }, 'monthlyTokenQuota', /at least 1/);
    await bad({ maxConcurrency: 0 }, 'maxConcurrency', /at least 1/);
    await bad({ maxConcurrency: 100_001 }, 'maxConcurrency', /at most 100,000/);
    await bad({ committedRequestsPerMin: -1 }, 'committedRequestsPerMin', /cannot be negative/);
    await bad({ committedRequestsPerMin: 1201 }, 'committedRequestsPerMin', /exceed the limit of 1200/);
    await bad({ requestsPerMin: null, committedRequestsPerMin: 10_001 }, 'committedRequestsPerMin', /exceed the org default of 10000/);
    await bad({ committedTokensPerMin: 400_001 }, 'committedTokensPerMin', /exceed the limit of 400000/);
    await bad({ allowedCorridorIds: [grid.corridorId, NOWHERE] }, 'allowedCorridorIds', /does not exist in this org/);
    await bad({ allowedCorridorIds: [grid.corridorId, otherGrid.corridorId] }, 'allowedCorridorIds', /does not exist in this org/);
    await bad({ allowedCorridorIds: [mena] }, 'allowedCorridorIds', /must include the home corridor/);
    await bad({ allowedCorridorIds: [grid.corridorId, grid.corridorId] }, 'allowedCorridorIds', /listed twice/);
    await bad({ allowedCorridorIds: ['eu'] }, 'allowedCorridorIds', /UUID|uuid/);
    const contact = { name: 'X', role: 'on-call', email: 'x@acme.example' };
    await bad({ contacts: Array.from({ length: 21 }, (_, i) => ({ ...contact, email: `c${i}@acme.example` })) }, 'contacts', /At most 20 contacts/);
    await bad({ contacts: [{ ...contact, email: 'not-an-email' }] }, 'contacts', /email address/);
    await bad({ contacts: [{ ...contact, role: ' ' }] }, 'contacts', /what the contact is for/);
    await bad({ contacts: [{ ...contact, name: '' }] }, 'contacts', /Give the contact a name/);
    await bad({ contacts: [{ ...contact, phone: 'call me' }] }, 'contacts', /digits/);
    await bad({ contacts: [{ ...contact, password: 'x' }] }, 'contacts', /password|unrecognized|Unrecognized/i);
    await bad({ contacts: [contact, { ...contact, name: 'Y', email: 'X@ACME.example' }] }, 'contacts', /same email/);
    await bad({ homeCorridorId: NOWHERE, allowedCorridorIds: [] }, 'homeCorridorId', /does not exist in this org/);
    await bad({ slaPolicyId: NOWHERE }, 'slaPolicyId', /does not exist in this org/);
    await bad({ key: 'acme-2' }, 'key', /cannot change/);
    await bad({ name: '' }, 'name', /name/);
    await bad({ tier: 'gold' }, 'tier', /pilot|enterprise|sovereign/);
    await bad({ tier: 'sovereign' }, 'reservedNodeIds', /reserve at least one node/);
    expect(await refusedUnchanged(admin, 'customers.save', { ...full(), id: null })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('exists already') });
    expect(await refusedUnchanged(admin, 'customers.save', { ...full(), id: NOWHERE })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('auditors and incident commanders read customers but cannot change them', async () => {
    expect(await refusedUnchanged(auditor, 'customers.save', { ...full(), id })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(commander, 'customers.save', { ...full(), id })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await call<Response<'customers.get'>>(auditor, 'customers.get', { id })).customer.name).toBe('Acme Health');
  });

  it('the SLA view’s save changes tier and home corridor and keeps the commercial terms', async () => {
    const sla = await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { id, key: 'acme', name: 'Acme Health AG', tier: 'pilot', homeCorridorId: grid.corridorId });
    expect(sla.customer).toMatchObject({ name: 'Acme Health AG', tier: 'pilot', reservedNodes: 0 });
    const after = (await call<Response<'customers.get'>>(admin, 'customers.get', { id })).customer;
    expect(after).toMatchObject({ limits: { requestsPerMin: 1200, maxConcurrency: 64 }, committed: { requestsPerMin: 600 }, contacts: full().contacts });
    // Moving the home corridor out of the allowed list is refused there too, with where to fix it.
    expect(await refusedUnchanged(admin, 'sla.saveCustomer', { id, key: 'acme', name: 'Acme Health AG', tier: 'pilot', homeCorridorId: otherGrid.corridorId })).toMatchObject({ code: 'VALIDATION' });
    await call(admin, 'customers.save', { ...full(), id });
  });

  it('the list and the page count keys and traffic: today, this month, the busiest minute, against the quota', async () => {
    await call(admin, 'customerKeys.issue', { customerId: id, mode: 'live' });
    const k2 = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId: id, mode: 'test' });
    await call(admin, 'customerKeys.revoke', { keyId: k2.key.id, reason: 'test key no longer needed' });
    const when = await asOwner(db, org.orgId, async (c) => {
      const ins = (rid: string, at: string, status: number, tokens: [number, number] | null) =>
        c.query(
          `WITH t AS (SELECT ${at} AS at)
           INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, status, outcome, latency_ms, prompt_tokens, completion_tokens, gateway_instance)
           SELECT $1, $2, t.at, t.at, $3, 'ume_live_AAAAAA', 'chat.completions', 'm', $4, CASE WHEN $4 = 200 THEN 'served' ELSE 'rate_limited' END, 5, $5, $6, 'test' FROM t`,
          [org.orgId, rid, id, status, tokens?.[0] ?? 0, tokens?.[1] ?? 0],
        ).then(() =>
          tokens
            ? c.query(`WITH t AS (SELECT ${at} AS at) INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, prompt_tokens, completion_tokens) SELECT $1, $2, t.at, $3, 'm', $4, $5 FROM t`, [org.orgId, rid, id, tokens[0], tokens[1]])
            : undefined,
        );
      const minute = `date_trunc('minute', now()) + interval '1 second'`;
      await ins('req_now_0001', minute, 200, [100, 50]);
      await ins('req_now_0002', minute, 200, [30, 20]);
      await ins('req_now_0003', minute, 429, null);
      // Earlier this month (or today, on the 1st): counted in the month.
      const earlier = `greatest(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', now() - interval '1 day')`;
      await ins('req_earlier1', earlier, 200, [1000, 500]);
      await ins('req_old_0001', `now() - interval '40 days'`, 200, [7, 7]);
      // Another customer's traffic is not this one's.
      const other = (await c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'zeta', 'Zeta', 'pilot', $2) RETURNING id`, [org.orgId, grid.corridorId])).rows[0].id;
      await c.query(`INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, prompt_tokens, completion_tokens) VALUES ($1, 'req_zeta_001', now(), $2, 'm', 9, 9)`, [org.orgId, other]);
      return (await c.query(`SELECT ${earlier} >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS today`)).rows[0].today as boolean;
    });
    const list = await call<Response<'customers.list'>>(auditor, 'customers.list', {});
    expect(list.customers.map((c) => c.key)).toEqual(['acme', 'zeta']);
    expect(list.customers[0]).toMatchObject({ keys: { working: 1, total: 2 }, requestsToday: when ? 4 : 3, tokensToday: when ? 1700 : 200 });
    expect(list.customers[1]).toMatchObject({ requestsToday: 0, tokensToday: 18, keys: { working: 0, total: 0 } });
    const page = await call<Response<'customers.get'>>(auditor, 'customers.get', { id });
    expect(page.usage.today).toEqual(when ? { requests: 4, refused: 1, promptTokens: 1130, completionTokens: 570 } : { requests: 3, refused: 1, promptTokens: 130, completionTokens: 70 });
    expect(page.usage.month).toEqual({ requests: 4, refused: 1, promptTokens: 1130, completionTokens: 570 });
    expect(page.usage.peakRequestsPerMinToday).toBe(3);
    expect(page.usage.peakTokensPerMinToday).toBe(200);
    expect(page.usage.quotaUsed).toBeCloseTo(1700 / 2_000_000_000);
    expect(page.usage.simulated).toBe(false);
    expect(page.decisions).toEqual([]);
  });

  it('the org request limit: the default until an admin sets it, audited; bad values and non-admins refused, nothing changed', async () => {
    const first = (await call<Response<'customers.orgLimit'>>(operator, 'customers.orgLimit', {})).limit;
    expect(first).toMatchObject({ requestsPerMin: null, effectiveRequestsPerMin: 10_000, defaultRequestsPerMin: 10_000, updatedAt: null, thisMinute: 0 });
    for (const bad of [0, 1.5, 100_000_001]) {
      const err = await refusedUnchanged(admin, 'customers.setOrgLimit', { requestsPerMin: bad, reason: 'capacity plan' });
      expect(err).toMatchObject({ code: 'VALIDATION', fields: { requestsPerMin: expect.stringMatching(/whole number|at least 1|at most 100,000,000/) } });
    }
    expect(await refusedUnchanged(admin, 'customers.setOrgLimit', { requestsPerMin: 20_000, reason: '' })).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    expect(await refusedUnchanged(operator, 'customers.setOrgLimit', { requestsPerMin: 20_000, reason: 'capacity plan' })).toMatchObject({ code: 'FORBIDDEN' });
    const set = (await call<Response<'customers.setOrgLimit'>>(admin, 'customers.setOrgLimit', { requestsPerMin: 20_000, reason: 'capacity plan Q1' })).limit;
    expect(set).toMatchObject({ requestsPerMin: 20_000, effectiveRequestsPerMin: 20_000 });
    expect(set.updatedAt).not.toBeNull();
    const event = await asOwner(db, org.orgId, async (c) => (await c.query(`SELECT action, data, reason FROM mc.audit_events WHERE action = 'customers.org_limit_set'`)).rows);
    expect(event).toEqual([{ action: 'customers.org_limit_set', data: { requestsPerMin: 20_000, before: 10_000, wasDefault: true }, reason: 'capacity plan Q1' }]);
    // The same value again is no change and no event; the other org still has the default.
    const before = await stored();
    await call(admin, 'customers.setOrgLimit', { requestsPerMin: 20_000, reason: 'again' });
    expect(await stored()).toEqual(before);
    expect((await call<Response<'customers.orgLimit'>>(outsider, 'customers.orgLimit', {})).limit.requestsPerMin).toBeNull();
  });

  it('another org can neither read nor change them, nor point at them', async () => {
    expect((await call<Response<'customers.list'>>(outsider, 'customers.list', {})).customers).toEqual([]);
    expect(await refused(outsider, 'customers.get', { id })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(outsider, 'customers.save', { ...full(), id, homeCorridorId: otherGrid.corridorId, allowedCorridorIds: [] })).toMatchObject({ code: 'NOT_FOUND' });
    // Its own customer may not name this org's corridors.
    expect(await refusedUnchanged(outsider, 'customers.save', { ...full(), key: 'mine', homeCorridorId: otherGrid.corridorId, allowedCorridorIds: [otherGrid.corridorId, mena] })).toMatchObject({
      code: 'VALIDATION',
      fields: { allowedCorridorIds: expect.any(String) },
    });
    // Directly as the app role, RLS hides the row: an UPDATE touches nothing.
    const n = await outsider.db.tx(outsider.db.session!, async (sql) => (await sql.query(`UPDATE mc.customers SET requests_per_min = 1 WHERE id = $1 RETURNING id`, [id])).length);
    expect(n).toBe(0);
    expect((await call<Response<'customers.get'>>(admin, 'customers.get', { id })).customer.limits.requestsPerMin).toBe(1200);
  });
});
