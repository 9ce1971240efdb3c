import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { systemRecorder } from '../org';
import { runEscalation } from './escalation';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Shifts = Response<'oncall.list'>;

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.skipIf(!ok)('the on-call schedule and the escalation step that pages the commander on call', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let commander: Core;
  /** A second incident commander, so "the one on call" is not the same as "every commander". */
  let relief: Core;
  const reliefPerson = { id: randomUUID(), email: 'relief.oncall@example.test', name: 'Rhea Relief' };

  const list = (core: Core = operator) => call<Shifts>(core, 'oncall.list', {});
  const add = (core: Core, operatorId: string, from: number, to: number) => call<Response<'oncall.add'>>(core, 'oncall.add', { operatorId, startsAt: iso(from), endsAt: iso(to) });
  const stored = () =>
    asOwner(db, null, async (c) => (await c.query<{ operator_id: string; starts_at: Date; ends_at: Date }>('SELECT operator_id, starts_at, ends_at FROM mc.oncall_shifts WHERE org_id = $1 ORDER BY starts_at', [org.orgId])).rows);
  /** A raw INSERT as the app acting for `core`'s member: what the database alone lets through. */
  const insertAs = (core: Core, operatorId: string, from: number, to: number) =>
    core.db
      .tx(core.db.session!, (sql) => sql.query('INSERT INTO mc.oncall_shifts (org_id, operator_id, starts_at, ends_at) VALUES (mc.current_org_id(), $1, $2, $3)', [operatorId, iso(from), iso(to)]))
      .then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'oncall');
    await asOwner(db, org.orgId, async (c) => {
      await c.query('INSERT INTO mc.operators (id, email, display_name) VALUES ($1, $2, $3)', [reliefPerson.id, reliefPerson.email, reliefPerson.name]);
      await c.query(`INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, 'incident_commander')`, [org.orgId, reliefPerson.id]);
    });
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    commander = await coreOn(db, org.commander.email);
    relief = await coreOn(db, reliefPerson.email);
    // On call first, admins five minutes later: tells "fired at once" from "waited its turn".
    await call(admin, 'escalation.save', {
      name: 'On-call first',
      severities: ['medium'],
      steps: [
        { waitMinutes: 0, target: { kind: 'on_call' } },
        { waitMinutes: 5, target: { kind: 'role', role: 'admin' } },
      ],
      repeat: 0,
      ackTimeoutMinutes: 30,
    });
    await call(admin, 'escalation.save', { name: 'On-call only', severities: ['low'], steps: [{ waitMinutes: 0, target: { kind: 'on_call' } }], repeat: 0, ackTimeoutMinutes: null });
  });
  afterAll(async () => {
    for (const c of [admin, operator, auditor, commander, relief]) await c?.cleanup();
    await db?.drop();
  });
  beforeEach(async () => {
    await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.oncall_shifts WHERE org_id = $1', [org.orgId]));
  });

  it('an empty schedule: nobody on call and no shifts', async () => {
    expect(await list()).toEqual({ now: null, shifts: [] });
  });

  it('adds, lists and removes shifts, each change in the audit chain with its reason', async () => {
    const t = Date.now();
    const mine = (await add(commander, org.commander.operatorId, t - MIN, t + 60 * MIN)).shift;
    const later = (await add(admin, reliefPerson.id, t + 60 * MIN, t + 120 * MIN)).shift;
    expect(mine).toMatchObject({ operatorId: org.commander.operatorId, name: org.commander.name, startsAt: iso(t - MIN), endsAt: iso(t + 60 * MIN) });

    const seen = await list(auditor);
    expect(seen.now?.id).toBe(mine.id);
    expect(seen.shifts.map((s) => [s.name, s.startsAt])).toEqual([
      [org.commander.name, iso(t - MIN)],
      [reliefPerson.name, iso(t + 60 * MIN)],
    ]);

    await call(commander, 'oncall.remove', { shiftId: later.id, reason: 'Rhea is off sick' });
    expect((await list()).shifts.map((s) => s.id)).toEqual([mine.id]);
    expect(await refused(commander, 'oncall.remove', { shiftId: later.id, reason: 'again' })).toMatchObject({ code: 'NOT_FOUND' });

    const audit = await asOwner(db, null, async (c) =>
      (await c.query<{ action: string; target_id: string; reason: string | null; actor_id: string }>(`SELECT action, target_id, reason, actor_id FROM mc.audit_events WHERE org_id = $1 AND action LIKE 'oncall.%' ORDER BY seq`, [org.orgId])).rows,
    );
    expect(audit.slice(-3)).toEqual([
      { action: 'oncall.shift_added', target_id: mine.id, reason: null, actor_id: org.commander.operatorId },
      { action: 'oncall.shift_added', target_id: later.id, reason: null, actor_id: org.admin.operatorId },
      { action: 'oncall.shift_removed', target_id: later.id, reason: 'Rhea is off sick', actor_id: org.commander.operatorId },
    ]);
  });

  it('refuses an overlapping shift, in the service with words and in the database by itself; nothing changes', async () => {
    const t = Date.now();
    await add(commander, org.commander.operatorId, t, t + 60 * MIN);
    const before = await stored();
    const e = await refused(admin, 'oncall.add', { operatorId: reliefPerson.id, startsAt: iso(t + 30 * MIN), endsAt: iso(t + 90 * MIN) });
    expect(e).toMatchObject({ code: 'CONFLICT', fields: { startsAt: expect.stringMatching(/^Overlaps the shift .* remove it or pick another window\.$/) } });
    // Touching end to start is not an overlap (the end is exclusive).
    await add(admin, reliefPerson.id, t + 60 * MIN, t + 90 * MIN);
    expect(await stored()).toHaveLength(before.length + 1);

    const raw = await insertAs(admin, reliefPerson.id, t - 10 * MIN, t + 10 * MIN);
    expect(raw).toMatchObject({ code: '23P01', message: expect.stringContaining('on-call shifts overlap') });
    expect(await stored()).toHaveLength(before.length + 1);
  });

  it('lets only admins and incident commanders change the schedule (the database too); everyone reads it', async () => {
    const t = Date.now();
    const shift = (await add(admin, org.commander.operatorId, t, t + 30 * MIN)).shift;
    const before = await stored();
    for (const who of [operator, auditor]) {
      expect(await refused(who, 'oncall.add', { operatorId: reliefPerson.id, startsAt: iso(t + 60 * MIN), endsAt: iso(t + 90 * MIN) })).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refused(who, 'oncall.remove', { shiftId: shift.id, reason: 'not mine to remove' })).toMatchObject({ code: 'FORBIDDEN' });
      expect((await list(who)).now?.id).toBe(shift.id);
    }
    expect(await insertAs(operator, reliefPerson.id, t + 60 * MIN, t + 90 * MIN)).toMatchObject({ code: '42501' });
    const deleted = await operator.db.tx(operator.db.session!, (sql) => sql.query('DELETE FROM mc.oncall_shifts WHERE id = $1 RETURNING id', [shift.id]));
    expect(deleted).toEqual([]);
    expect(await stored()).toEqual(before);
  });

  it('puts only the org’s incident commanders on call, in the service and in the database', async () => {
    const t = Date.now();
    for (const [who, operatorId] of [
      ['an admin', org.admin.operatorId],
      ['an operator', org.operator.operatorId],
    ] as const) {
      const e = await refused(admin, 'oncall.add', { operatorId, startsAt: iso(t), endsAt: iso(t + 60 * MIN) });
      expect(e, who).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('Only an incident commander'), fields: { operatorId: 'Pick one of the org’s incident commanders.' } });
    }
    expect(await refused(admin, 'oncall.add', { operatorId: randomUUID(), startsAt: iso(t), endsAt: iso(t + 60 * MIN) })).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('not a member of this org'),
    });
    expect(await insertAs(admin, org.operator.operatorId, t, t + 60 * MIN)).toMatchObject({ code: '23514', message: expect.stringContaining('not an incident commander') });
    expect(await stored()).toEqual([]);
  });

  it('names bad windows field by field and stores nothing', async () => {
    const t = Date.now();
    const bad = async (startsAt: string, endsAt: string) => refused(commander, 'oncall.add', { operatorId: org.commander.operatorId, startsAt, endsAt });
    expect(await bad(iso(t + 60 * MIN), iso(t))).toMatchObject({ code: 'VALIDATION', fields: { endsAt: 'A shift ends after it starts.' } });
    expect(await bad(iso(t - 120 * MIN), iso(t - 60 * MIN))).toMatchObject({ code: 'VALIDATION', fields: { endsAt: expect.stringContaining('already ended') } });
    expect(await bad(iso(t), iso(t + 32 * 24 * 60 * MIN))).toMatchObject({ code: 'VALIDATION', fields: { endsAt: expect.stringContaining('at most 31 days') } });
    expect(await bad('tomorrow', iso(t))).toMatchObject({ code: 'VALIDATION', fields: { startsAt: expect.any(String) } });
    expect(await refused(commander, 'oncall.add', { operatorId: 'nobody', startsAt: iso(t), endsAt: iso(t + MIN) })).toMatchObject({ code: 'VALIDATION', fields: { operatorId: expect.any(String) } });
    expect(await refused(commander, 'oncall.remove', { shiftId: randomUUID(), reason: '' })).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Say why.' } });
    expect(await stored()).toEqual([]);
  });

  describe('escalation', () => {
    /** A new incident of `severity` and the escalation clock at `minutes` after it was armed. */
    async function incident(severity: 'medium' | 'low', title: string) {
      const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title, severity })).incident;
      const armed = new Date((await detail(i.id)).escalation.armedAt).getTime();
      const session = commander.db.session!;
      const tick = (minutes: number) => commander.db.tx(session, (sql) => runEscalation(sql, systemRecorder(sql, session, 'Escalation'), new Date(armed + minutes * MIN)));
      return { i, armed, tick };
    }
    const detail = (id: string) => call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: id });
    const bodies = async (id: string) => (await detail(id)).timeline.filter((t) => t.kind === 'escalated').map((t) => t.body ?? '');
    const fired = (id: string) =>
      asOwner(db, null, async (c) =>
        (await c.query<{ step: number; resolved_operator_id: string | null; unreachable: string | null; notified_at: Date; due_at: Date }>(
          'SELECT step, resolved_operator_id, unreachable, notified_at, due_at FROM mc.escalation_notifications WHERE incident_id = $1 ORDER BY step',
          [id],
        )).rows,
      );
    const notificationsFor = async (core: Core, incidentId: string) =>
      (await call<Response<'incidents.notifications'>>(core, 'incidents.notifications', { since: new Date(0).toISOString() })).notifications.filter((n) => n.incidentId === incidentId);

    it('with nobody on call says so on the timeline and fires the next step at once', async () => {
      const { i, armed, tick } = await incident('medium', 'Nobody holds the pager');
      expect((await tick(0)).notified).toBe(2);
      expect(await bodies(i.id)).toEqual([
        'Escalation step 1 of “On-call first” reached nobody: nobody on call. The next step fires at once.',
        'Escalated to every admin: step 2 of “On-call first”.',
      ]);
      const rows = await fired(i.id);
      expect(rows.map((r) => [r.step, r.resolved_operator_id, r.unreachable])).toEqual([
        [0, null, 'nobody_on_call'],
        [1, null, null],
      ]);
      // The admin step was due five minutes on; it fired with the unreachable one instead.
      expect(new Date(rows[1]!.notified_at).getTime()).toBe(armed);
      const d = await detail(i.id);
      expect(d.escalation.notified.map((n) => n.target)).toEqual(['the incident commander on call: reached nobody (nobody on call)', 'every admin']);
      expect(d.escalation.next).toBeNull();
      // Nobody is told of the step that reached nobody: no commander's workstation pops it up.
      expect((await notificationsFor(commander, i.id)).map((n) => n.step)).toEqual([1]);
      expect((await notificationsFor(admin, i.id)).find((n) => n.step === 1)?.forMe).toBe(true);
    });

    it('with someone on call records that person as the recipient, tells only them, and the next step keeps its wait', async () => {
      const t = Date.now();
      await add(commander, reliefPerson.id, t - 5 * MIN, t + 60 * MIN);
      const { i, tick } = await incident('medium', 'Pager with Rhea');
      expect((await tick(0)).notified).toBe(1);
      expect(await bodies(i.id)).toEqual([`Escalated to ${reliefPerson.name}, the incident commander on call: step 1 of “On-call first”.`]);
      expect((await fired(i.id)).map((r) => [r.step, r.resolved_operator_id, r.unreachable])).toEqual([[0, reliefPerson.id, null]]);
      expect((await detail(i.id)).escalation.notified.map((n) => n.target)).toEqual([`${reliefPerson.name} (on call)`]);
      expect((await notificationsFor(relief, i.id)).map((n) => [n.step, n.forMe, n.target])).toEqual([[0, true, `${reliefPerson.name} (on call)`]]);
      expect((await notificationsFor(commander, i.id)).map((n) => [n.step, n.forMe])).toEqual([[0, false]]);

      await tick(4.9);
      expect(await fired(i.id)).toHaveLength(1);
      await tick(5);
      expect((await fired(i.id)).map((r) => r.step)).toEqual([0, 1]);
    });

    it('resolves the step when it fires: a handover after the incident opened pages the new holder', async () => {
      const t = Date.now();
      const { i, tick } = await incident('medium', 'Handover at the hour');
      // The shift is added after the incident opened and before the clock runs.
      await add(admin, org.commander.operatorId, t - MIN, t + 30 * MIN);
      await tick(0);
      expect((await fired(i.id))[0]).toMatchObject({ resolved_operator_id: org.commander.operatorId, unreachable: null });
    });

    it('a person on call who lost the commander role since is unreachable, and says why', async () => {
      const t = Date.now();
      await add(admin, reliefPerson.id, t - MIN, t + 30 * MIN);
      await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET role = 'operator' WHERE org_id = $1 AND operator_id = $2`, [org.orgId, reliefPerson.id]));
      try {
        const { i, tick } = await incident('medium', 'Rhea moved to the NOC');
        expect((await tick(0)).notified).toBe(2);
        expect((await bodies(i.id))[0]).toBe('Escalation step 1 of “On-call first” reached nobody: the person on call no longer holds the incident commander role. The next step fires at once.');
        expect((await fired(i.id)).map((r) => [r.resolved_operator_id, r.unreachable])).toEqual([
          [reliefPerson.id, 'not_a_commander'],
          [null, null],
        ]);
      } finally {
        await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET role = 'incident_commander' WHERE org_id = $1 AND operator_id = $2`, [org.orgId, reliefPerson.id]));
      }
    });

    it('the last step reaching nobody says the chain ends there rather than promising a next step', async () => {
      const { i, tick } = await incident('low', 'Quiet night');
      expect((await tick(0)).notified).toBe(1);
      expect(await bodies(i.id)).toEqual([
        'Escalation step 1 of “On-call only” reached nobody: nobody on call. It was the last step: nobody else is paged unless the chain is armed again.',
      ]);
    });
  });
});
