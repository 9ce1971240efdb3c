import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { AuditEvent, AuditFilter } from '../../../src-shared/contract/audit';
import { asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const server = testServers()[0]!;
const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('audit log filters and subjects', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let incidentId: string;
  let goneNodeId: string;
  let componentId: string;
  let betweenAt: string;

  const list = async (filter?: AuditFilter, extra: Record<string, unknown> = {}) =>
    call<Response<'audit.list'>>(auditor, 'audit.list', { limit: 500, ...(filter ? { filter } : {}), ...extra });
  const actions = (events: AuditEvent[]) => events.map((e) => e.action);

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'audit-filters');
    grid = await seedGrid(db, org);
    componentId = (await seedComponents(db, org.orgId, [{ key: 'eu.gateway', name: 'EU gateway', kind: 'routing' }]))[0]!;
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);

    incidentId = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'Latency up in EU', severity: 'high' })).incident.id;
    await call(admin, 'nodes.transition', { nodeId: grid.nodeId, to: 'draining', reason: 'Swapping a failed fan on the GPU tray' });
    // A moment between the first events and the rest, for the time-range filter.
    await new Promise((r) => setTimeout(r, 20));
    betweenAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await call(operator, 'status.setState', { componentId, state: 'partial_outage', reason: 'Planned maintenance window, 50% off' });
    const node = await call<Response<'nodes.register'>>(admin, 'nodes.register', {
      siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'tmp-gone-01', runtimeGroup: 'vllm', gpuModel: 'L4', gpuCount: 1, gpuMemoryGb: 24, capacityTokensPerS: 100,
    });
    goneNodeId = node.node.id;
    // The record goes away; its events stay, and must still say which id they were about.
    await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.nodes WHERE id = $1', [goneNodeId]));
  });
  afterAll(async () => {
    for (const c of [admin, operator, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('names each subject by its number or name, with the record it opens, in one page', async () => {
    const { events } = await list();
    const opened = events.find((e) => e.action === 'incidents.opened')!;
    expect(opened.subject).toEqual({ label: 'INC-1', detail: 'Latency up in EU', link: { view: 'incidents', param: incidentId }, gone: false });
    const drained = events.find((e) => e.action === 'nodes.lifecycle_changed')!;
    expect(drained.subject).toEqual({ label: 'fra-01-gpu01', detail: null, link: { view: 'nodes', param: grid.nodeId }, gone: false });
    expect(drained.reason).toBe('Swapping a failed fan on the GPU tray');
    const state = events.find((e) => e.action === 'status.component_state_set')!;
    expect(state.subject).toMatchObject({ label: 'EU gateway', link: { view: 'status', param: null } });
    // Full hashes, linked: each event's prevHash is the hash of the one before it.
    const bySeq = [...events].sort((a, b) => a.seq - b.seq);
    for (const [i, e] of bySeq.entries()) {
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : bySeq[i - 1]!.hash);
    }
  });

  it('falls back to the raw id when the subject is gone', async () => {
    const { events } = await list({ subjectType: 'node', subjectId: goneNodeId });
    expect(actions(events)).toEqual(['nodes.registered']);
    expect(events[0]!.target).toEqual({ type: 'node', id: goneNodeId });
    expect(events[0]!.subject).toEqual({ label: null, detail: null, link: null, gone: true });
  });

  it('filters by action, or a whole domain', async () => {
    expect(actions((await list({ action: 'incidents.opened' })).events)).toEqual(['incidents.opened']);
    expect(actions((await list({ action: 'nodes' })).events).sort()).toEqual(['nodes.lifecycle_changed', 'nodes.registered']);
    expect((await list({ action: 'nodes.deleted' })).events).toEqual([]);
  });

  it('filters by actor id or words of the name', async () => {
    const byId = (await list({ actor: org.operator.operatorId })).events;
    expect(byId.length).toBe(2);
    expect(byId.every((e) => e.actor.id === org.operator.operatorId)).toBe(true);
    expect((await list({ actor: 'ADMIN OF' })).events.every((e) => e.actor.name === org.admin.name)).toBe(true);
    expect((await list({ actor: 'ADMIN OF' })).events.length).toBe(2);
  });

  it('filters by subject type and id', async () => {
    expect(actions((await list({ subjectType: 'incident', subjectId: incidentId })).events)).toEqual(['incidents.opened']);
    expect(actions((await list({ subjectType: 'component' })).events)).toEqual(['status.component_state_set']);
    // As people name them: an incident by number, a node by host name.
    expect(actions((await list({ subjectType: 'incident', subjectId: 'inc-1' })).events)).toEqual(['incidents.opened']);
    expect(actions((await list({ subjectType: 'node', subjectId: 'FRA-01-GPU01' })).events)).toEqual(['nodes.lifecycle_changed']);
    expect((await list({ subjectType: 'incident', subjectId: 'INC-99' })).events).toEqual([]);
  });

  it('filters by text in the reason and in the data, wildcards taken literally', async () => {
    expect(actions((await list({ text: 'failed FAN' })).events)).toEqual(['nodes.lifecycle_changed']);
    expect(actions((await list({ text: 'tmp-gone' })).events)).toEqual(['nodes.registered']);
    expect(actions((await list({ text: '50%' })).events)).toEqual(['status.component_state_set']);
    // "%" and "_" typed by an auditor are characters, not "anything".
    expect((await list({ text: '%%' })).events).toEqual([]);
    expect((await list({ text: '__' })).events).toEqual([]);
  });

  it('filters by time range', async () => {
    const before = (await list({ to: betweenAt })).events;
    const after = (await list({ from: betweenAt })).events;
    expect(actions(before).sort()).toEqual(['incidents.opened', 'nodes.lifecycle_changed']);
    expect(actions(after).sort()).toEqual(['nodes.registered', 'status.component_state_set']);
  });

  it('pages newest first with a keyset cursor, the filter held across pages', async () => {
    const all = (await list({ action: 'nodes' })).events.map((e) => e.seq);
    const seen: number[] = [];
    let beforeSeq: number | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await list({ action: 'nodes' }, { limit: 1, ...(beforeSeq ? { beforeSeq } : {}) });
      seen.push(...page.events.map((e) => e.seq));
      if (page.nextBeforeSeq === null) break;
      beforeSeq = page.nextBeforeSeq;
    }
    expect(seen).toEqual(all);
    expect(seen.length).toBe(2);
  });

  it('refuses bad filters with a clear error, and stores nothing', async () => {
    const head = (await list()).headSeq;
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ filter: { text: 'x' } }, /at least 2 characters/],
      [{ filter: { text: 'y'.repeat(201) } }, /text/i],
      [{ filter: { from: '2026-12-02T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' } }, /before/],
      [{ filter: { from: 'yesterday' } }, /from/i],
      [{ filter: { subjectId: incidentId } }, /needs its type/],
      [{ filter: { subjectType: "incident'; DROP TABLE x" } }, /subject type/],
      [{ filter: { action: 'DROP TABLE' } }, /action/],
      [{ filter: { actor: 'a'.repeat(201) } }, /actor/i],
      [{ filter: { colour: 'red' } }, /colour|unrecognized|not expected/i],
      [{ limit: 501 }, /limit/i],
    ];
    for (const [payload, message] of bad) {
      const e = await refused(auditor, 'audit.list', { limit: 10, ...payload });
      expect(e.code, JSON.stringify(payload)).toBe('VALIDATION');
      expect(`${e.message} ${JSON.stringify(e.fields ?? {})}`, JSON.stringify(payload)).toMatch(message);
    }
    for (const payload of [{ format: 'xml' }, { format: 'csv', limit: 2001 }, { format: 'csv', filter: { text: 'x' } }, { format: 'csv', afterSeq: -1 }]) {
      expect((await refused(auditor, 'audit.export', payload)).code, JSON.stringify(payload)).toBe('VALIDATION');
    }
    expect((await list()).headSeq).toBe(head);
  });

  it('shows one org only: another org’s filter finds nothing of this one', async () => {
    const other = await createOrg(db, 'audit-filters-other');
    const outsider = await coreOn(db, other.admin.email);
    try {
      const l = await call<Response<'audit.list'>>(outsider, 'audit.list', { limit: 50, filter: { subjectType: 'incident', subjectId: incidentId } });
      expect(l.events).toEqual([]);
      const x = await call<Response<'audit.export'>>(outsider, 'audit.export', { format: 'jsonl' });
      expect(x).toMatchObject({ rows: 0, text: '', nextAfterSeq: null });
    } finally {
      await outsider.cleanup();
    }
  });

  it('names customer keys; says gone only of a kind of record it looks up', async () => {
    const customerId = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme Health', tier: 'enterprise', homeCorridorId: grid.corridorId })).customer.id;
    const key = (await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'prod' })).key;
    await call(admin, 'invitations.create', { email: 'new.person@example.test', role: 'operator' });
    const { events } = await list();
    // Before, a key that exists was listed as "(no longer exists)": no branch looked customer keys up.
    const issued = events.find((e) => e.action === 'customer_keys.issued')!;
    expect(issued.subject).toEqual({ label: `${key.prefix}…`, detail: 'Acme Health', link: { view: 'keys', param: null }, gone: false });
    // An invitation is a kind the audit log does not look up: unnamed, and not claimed gone.
    const invited = events.find((e) => e.action === 'invitation.created')!;
    expect(invited.target.type).toBe('invitation');
    expect(invited.subject).toEqual({ label: null, detail: null, link: null, gone: false });
  });
});
