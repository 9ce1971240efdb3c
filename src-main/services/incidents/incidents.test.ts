import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { allowedIncidentTransitions, INCIDENT_STATES, type IncidentState } from '../../../src-shared/domain/incident-lifecycle';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, DIRECT, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { systemRecorder } from '../org';
import { runEscalation } from './escalation';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;


describe.skipIf(!ok)('incidents through the contract', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let commander: Core;
  let auditor: Core;

  const create = async (core: Core, over: Record<string, unknown> = {}) =>
    ((await call(core, 'incidents.create', { title: 'Latency up in EU', severity: 'high', ...over })) as Response<'incidents.create'>).incident;
  const detail = async (id: string, core: Core = admin) => (await call(core, 'incidents.get', { incidentId: id })) as Response<'incidents.get'>;
  const move = (core: Core, id: string, from: IncidentState, to: IncidentState, extra: Record<string, unknown> = {}) =>
    call(core, 'incidents.transition', { incidentId: id, expectedState: from, to, ...extra }) as Promise<Response<'incidents.transition'>>;

  /** Drive a new incident to `state` by allowed moves. */
  async function incidentIn(state: IncidentState): Promise<string> {
    const i = await create(operator, { title: `In ${state}` });
    const path: Record<IncidentState, IncidentState[]> = {
      triage: [],
      active: ['active'],
      monitoring: ['active', 'monitoring'],
      resolved: ['active', 'resolved'],
      closed: ['active', 'resolved', 'closed'],
      declined: ['declined'],
      merged: [],
    };
    if (state === 'merged') {
      const other = await create(operator, { title: 'Merge target' });
      await call(operator, 'incidents.merge', { incidentId: i.id, intoId: other.id, reason: 'same thing' });
      return i.id;
    }
    let at: IncidentState = 'triage';
    for (const to of path[state]) {
      await move(operator, i.id, at, to, to === 'closed' ? { resolutionNote: 'Fixed by restarting the router.' } : to === 'declined' ? { reason: 'not ours' } : {});
      at = to;
    }
    return i.id;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'inc');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    commander = await coreOn(db, org.commander.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    for (const c of [admin, operator, commander, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('creates, acknowledges and resolves an incident, each step in the timeline with who and when, and in the audit chain', async () => {
    const i = await create(operator, { severity: 'critical', summary: 'P95 over 2 s in FRA', affected: [{ kind: 'node', id: grid.nodeId }] });
    expect(i).toMatchObject({ ref: expect.stringMatching(/^INC-\d+$/), state: 'triage', severity: 'critical', blocksTraffic: true, acknowledged: null, affectedCount: 1 });
    const acked = ((await call(commander, 'incidents.acknowledge', { incidentId: i.id, note: 'On it' })) as Response<'incidents.acknowledge'>).incident;
    expect(acked.acknowledged?.by.name).toBe(org.commander.name);
    await move(operator, i.id, 'triage', 'active');
    await move(operator, i.id, 'active', 'resolved', { resolutionNote: 'Rolled back the runtime config.' });
    const d = await detail(i.id);
    expect(d.incident.state).toBe('resolved');
    expect(d.incident.blocksTraffic).toBe(false);
    expect(d.resolutionNote).toBe('Rolled back the runtime config.');
    expect(d.timeline.map((t) => [t.kind, t.actor.name])).toEqual([
      ['opened', org.operator.name],
      ['affected_added', org.operator.name],
      ['acknowledged', org.commander.name],
      ['transition', org.operator.name],
      ['transition', org.operator.name],
    ]);
    expect(d.timeline[2]!.body).toBe('On it');
    expect(d.timeline[4]!.data).toMatchObject({ from: 'active', to: 'resolved' });
    // Every entry points at an audit event with the same time and action family.
    const audit = ((await call(admin, 'audit.list', { limit: 100 })) as Response<'audit.list'>).events;
    for (const t of d.timeline) {
      const e = audit.find((a) => a.seq === t.auditSeq)!;
      expect(e.target).toEqual({ type: 'incident', id: i.id });
      expect(e.at).toBe(t.at);
      expect(e.action).toMatch(/^incidents\./);
    }
    expect(((await call(admin, 'audit.verify', {})) as Response<'audit.verify'>).ok).toBe(true);
    expect(d.affected).toEqual([{ kind: 'node', id: grid.nodeId, name: 'fra-01-gpu01' }]);
  });

  it('allows exactly the lifecycle’s moves from every state, and refuses the rest without changing anything', async () => {
    for (const from of INCIDENT_STATES) {
      const allowed = allowedIncidentTransitions(from);
      for (const to of INCIDENT_STATES) {
        if (to === 'merged') continue; // its own command
        const id = await incidentIn(from);
        const extra = to === 'closed' ? { resolutionNote: 'Done and verified.' } : to === 'declined' ? { reason: 'duplicate report' } : {};
        const r = await operator.router.invoke('incidents.transition', { incidentId: id, expectedState: from, to, ...extra }, DIRECT);
        if (allowed.includes(to)) {
          expect(r.ok, `${from} → ${to}`).toBe(true);
        } else {
          expect(r.ok, `${from} → ${to}`).toBe(false);
          expect(!r.ok && r.error.code, `${from} → ${to}`).toBe('CONFLICT');
          expect((await detail(id)).incident.state).toBe(from);
        }
      }
    }
  }, 120_000);

  it('will not close without a resolution note, naming the field, whoever asks', async () => {
    const id = await incidentIn('resolved');
    const e = await refused(operator, 'incidents.transition', { incidentId: id, expectedState: 'resolved', to: 'closed' });
    expect(e.code).toBe('VALIDATION');
    expect(e.fields).toHaveProperty('resolutionNote');
    const short = await refused(admin, 'incidents.transition', { incidentId: id, expectedState: 'resolved', to: 'closed', resolutionNote: 'ok' });
    expect(short.code).toBe('VALIDATION');
    expect((await detail(id)).incident.state).toBe('resolved');
    const closed = await move(operator, id, 'resolved', 'closed', { resolutionNote: 'Capacity restored; runbook updated.' });
    expect(closed.incident.state).toBe('closed');
  });

  it('will not close a critical incident (a drill too) without its review; the database refuses it too; with the review it closes', async () => {
    for (const drill of [false, true]) {
      const i = await create(operator, { title: drill ? 'Failover drill EU' : 'EU corridor dark', severity: 'critical', drill });
      await move(operator, i.id, 'triage', 'active');
      await move(operator, i.id, 'active', 'resolved');
      const note = { resolutionNote: 'Power restored at FRA; traffic back.' };
      const e = await refused(operator, 'incidents.transition', { incidentId: i.id, expectedState: 'resolved', to: 'closed', ...note });
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toMatch(/critical incident closes only with its post-incident review: write its summary, impact, causes/);
      expect(e.fields).toHaveProperty('review');
      expect((await detail(i.id)).incident.state).toBe('resolved');
      // A review with only a summary is not enough.
      const part = { incidentId: i.id, summary: 'FRA lost grid power for 40 minutes.', impact: '', timeline: '', causes: 'n/a', actions: [], expectedVersion: null };
      await call(operator, 'incidents.saveReview', part);
      expect((await refused(operator, 'incidents.transition', { incidentId: i.id, expectedState: 'resolved', to: 'closed', ...note })).message).toMatch(/write its impact, causes/);
      // Any other writer meets the database's rule.
      await expect(
        asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.incidents SET state = 'closed', resolution_note = 'closed by hand, no review' WHERE id = $1`, [i.id])),
      ).rejects.toThrow(/closes only with its post-incident review/);
      await call(operator, 'incidents.saveReview', { ...part, impact: 'EU customers saw timeouts for 40 min.', causes: 'No UPS failover test in 2 years.', expectedVersion: 1 });
      expect((await move(operator, i.id, 'resolved', 'closed', note)).incident.state).toBe('closed');
    }
  });

  it('a high incident still closes with a note alone (the review rule is for critical ones)', async () => {
    const id = await incidentIn('closed');
    expect((await detail(id)).incident.state).toBe('closed');
  });

  it('acknowledging can start the response in the same step: acknowledged and active, two proven timeline entries', async () => {
    const i = await create(operator, { title: 'Routing flaps in MENA' });
    const r = (await call(operator, 'incidents.acknowledge', { incidentId: i.id, note: 'on it', startResponse: true })) as Response<'incidents.acknowledge'>;
    expect(r.incident.state).toBe('active');
    expect(r.incident.acknowledged?.by.name).toBe(org.operator.name);
    const kinds = (await detail(i.id)).timeline.map((t) => [t.kind, t.data['to'] ?? null]);
    expect(kinds).toEqual(expect.arrayContaining([['acknowledged', null], ['transition', 'active']]));
    // Without it, acknowledging leaves the state alone; on an active incident it changes no state.
    const j = await create(operator, { title: 'Queue depth up in APAC' });
    expect(((await call(operator, 'incidents.acknowledge', { incidentId: j.id })) as Response<'incidents.acknowledge'>).incident.state).toBe('triage');
    const k = await create(operator, { title: 'Telemetry gaps in NA' });
    await move(operator, k.id, 'triage', 'active');
    expect(((await call(operator, 'incidents.acknowledge', { incidentId: k.id, startResponse: true })) as Response<'incidents.acknowledge'>).incident.state).toBe('active');
  });

  it('refuses a decline without a reason, and the incident stays as it was', async () => {
    const id = await incidentIn('triage');
    const before = await detail(id);
    const e = await refused(operator, 'incidents.transition', { incidentId: id, expectedState: 'triage', to: 'declined' });
    expect(e).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    const short = await refused(operator, 'incidents.transition', { incidentId: id, expectedState: 'triage', to: 'declined', reason: ' no ' });
    expect(short).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    expect(await detail(id)).toEqual(before);
  });

  it('refuses a move based on a stale view, saying who changed it', async () => {
    const id = await incidentIn('triage');
    await move(commander, id, 'triage', 'active');
    const e = await refused(operator, 'incidents.transition', { incidentId: id, expectedState: 'triage', to: 'resolved' });
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain(`active now (${org.commander.name} changed it at`);
  });

  it('lets an auditor read incidents but neither open nor acknowledge one', async () => {
    const i = await create(operator);
    const list = (await call(auditor, 'incidents.list', { filter: 'open' })) as Response<'incidents.list'>;
    expect(list.incidents.some((x) => x.id === i.id)).toBe(true);
    expect((await refused(auditor, 'incidents.acknowledge', { incidentId: i.id })).code).toBe('FORBIDDEN');
    expect((await refused(auditor, 'incidents.create', { title: 'Nope', severity: 'low' })).code).toBe('FORBIDDEN');
    expect((await detail(i.id)).incident.acknowledged).toBeNull();
  });

  it('two people acknowledging at once: one wins, the other is told who, and nothing is lost', async () => {
    const i = await create(operator, { severity: 'critical' });
    const [a, b] = await Promise.all([
      operator.router.invoke('incidents.acknowledge', { incidentId: i.id, note: 'operator here' }, DIRECT),
      commander.router.invoke('incidents.acknowledge', { incidentId: i.id, note: 'commander here' }, DIRECT),
    ]);
    const wins = [a, b].filter((r) => r.ok);
    const loses = [a, b].filter((r) => !r.ok);
    expect(wins).toHaveLength(1);
    expect(loses).toHaveLength(1);
    const loser = loses[0]!;
    expect(!loser.ok && loser.error.code).toBe('CONFLICT');
    expect(!loser.ok && loser.error.message).toMatch(/was already acknowledged by (operator|incident_commander) of inc at \d\d:\d\d:\d\d UTC/);
    const d = await detail(i.id);
    expect(d.timeline.filter((t) => t.kind === 'acknowledged')).toHaveLength(1);
  });

  it('another operator sees an acknowledgement through the subscription', async () => {
    const i = await create(operator);
    const seen: string[][] = [];
    const sub = admin.router.subscribe('incidents.changed', {}, DIRECT, (e) => seen.push((e as { ids: string[] }).ids));
    if (!sub.ok) throw new Error('subscribe failed');
    try {
      await call(commander, 'incidents.acknowledge', { incidentId: i.id });
      await expect.poll(() => seen.flat().includes(i.id), { timeout: 2000, interval: 50 }).toBe(true);
    } finally {
      sub.data();
    }
  });

  it('merges an incident into another: the first is marked merged, the second inherits what it touched', async () => {
    const a = await create(operator, { affected: [{ kind: 'site', id: grid.siteId }] });
    const b = await create(operator);
    const merged = ((await call(operator, 'incidents.merge', { incidentId: a.id, intoId: b.id, reason: 'Same router fault' })) as Response<'incidents.merge'>).incident;
    expect(merged).toMatchObject({ state: 'merged', mergedInto: { id: b.id, ref: b.ref } });
    const into = await detail(b.id);
    expect(into.mergedFrom.map((m) => m.id)).toEqual([a.id]);
    expect(into.affected.map((x) => x.id)).toEqual([grid.siteId]);
    expect(into.timeline.at(-1)).toMatchObject({ kind: 'merged_from', body: 'Same router fault' });
    expect((await refused(operator, 'incidents.merge', { incidentId: b.id, intoId: b.id, reason: 'self' })).code).toBe('VALIDATION');
    expect((await refused(operator, 'incidents.merge', { incidentId: b.id, intoId: a.id, reason: 'into a merged one' })).code).toBe('CONFLICT');
  });

  it('one commander at a time: taken, refused to others, overridden by an admin, handed over to a commander only', async () => {
    const i = await create(operator);
    expect((await refused(operator, 'incidents.takeCommand', { incidentId: i.id })).code).toBe('FORBIDDEN');
    const taken = ((await call(commander, 'incidents.takeCommand', { incidentId: i.id })) as Response<'incidents.takeCommand'>).incident;
    expect(taken.commander?.name).toBe(org.commander.name);
    const bad = await refused(commander, 'incidents.handOver', { incidentId: i.id, toOperatorId: org.operator.operatorId });
    expect(bad).toMatchObject({ code: 'VALIDATION', fields: { toOperatorId: expect.any(String) } });
    const handed = ((await call(commander, 'incidents.handOver', { incidentId: i.id, toOperatorId: org.admin.operatorId, note: 'Going off shift' })) as Response<'incidents.handOver'>).incident;
    expect(handed.commander?.name).toBe(org.admin.name);
    const steal = await refused(commander, 'incidents.takeCommand', { incidentId: i.id });
    expect(steal.code).toBe('CONFLICT');
    expect(steal.message).toContain(`${org.admin.name} commands`);
    const d = await detail(i.id);
    expect(d.timeline.filter((t) => t.kind.startsWith('commander_')).map((t) => [t.kind, t.body])).toEqual([
      ['commander_assigned', 'Took command.'],
      ['commander_handover', 'Going off shift'],
    ]);
  });

  it('keeps the post-incident review, and refuses a save over someone else’s', async () => {
    const id = await incidentIn('resolved');
    const first = ((await call(operator, 'incidents.saveReview', {
      incidentId: id,
      summary: 'Router config drift',
      impact: '12 minutes of high latency in EU',
      timeline: '10:02 alert; 10:04 ack; 10:14 rollback',
      causes: 'Manual edit outside the pipeline',
      actions: [{ text: 'Lock the config', owner: 'NOC', due: '2026-12-01', done: false }],
      expectedVersion: null,
    })) as Response<'incidents.saveReview'>).review;
    expect(first.version).toBe(1);
    const stale = await refused(commander, 'incidents.saveReview', { incidentId: id, summary: 'mine', impact: '', timeline: '', causes: '', actions: [], expectedVersion: null });
    expect(stale.code).toBe('CONFLICT');
    const d = await detail(id);
    expect(d.review).toMatchObject({ summary: 'Router config drift', version: 1, actions: [{ text: 'Lock the config', done: false }] });
    expect(d.timeline.at(-1)?.kind).toBe('review_updated');
  });

  it('names bad input field by field and stores nothing', async () => {
    const before = ((await call(admin, 'incidents.list', { filter: 'all', limit: 500 })) as Response<'incidents.list'>).incidents.length;
    const e = await refused(operator, 'incidents.create', { title: 'x', severity: 'urgent' });
    expect(e.code).toBe('VALIDATION');
    expect(Object.keys(e.fields ?? {}).sort()).toEqual(['severity', 'title']);
    const ghost = await refused(operator, 'incidents.create', { title: 'Ghost node', severity: 'low', affected: [{ kind: 'node', id: '00000000-0000-4000-8000-000000000000' }] });
    expect(ghost.code).toBe('NOT_FOUND');
    expect(((await call(admin, 'incidents.list', { filter: 'all', limit: 500 })) as Response<'incidents.list'>).incidents.length).toBe(before);
  });

  it('escalates on its own clock: steps in order, stopped by an acknowledgement, re-armed when it times out', async () => {
    await call(admin, 'escalation.save', {
      name: 'Test chain',
      severities: ['critical'],
      steps: [
        { waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } },
        { waitMinutes: 5, target: { kind: 'role', role: 'admin' } },
      ],
      repeat: 0,
      ackTimeoutMinutes: 30,
    });
    const i = await create(operator, { severity: 'critical', title: 'Escalation clock' });
    const session = commander.db.session!;
    const opened = new Date((await detail(i.id)).escalation.armedAt).getTime();
    const tick = (minutes: number) =>
      commander.db.tx(session, (sql) => runEscalation(sql, systemRecorder(sql, session, 'Escalation'), new Date(opened + minutes * 60_000)));
    const mine = async () => (await detail(i.id)).escalation.notified.filter((n) => n.arm >= 1);

    expect((await tick(0)).notified).toBeGreaterThanOrEqual(1);
    expect((await mine()).map((n) => [n.arm, n.step, n.target])).toEqual([[1, 0, 'every incident commander']]);
    expect((await tick(0)).notified).toBe(0); // idempotent
    await tick(4.9);
    expect(await mine()).toHaveLength(1);
    await tick(5);
    expect((await mine()).map((n) => n.step)).toEqual([0, 1]);

    const forCommander = ((await call(commander, 'incidents.notifications', { since: new Date(0).toISOString() })) as Response<'incidents.notifications'>).notifications;
    const forOperator = ((await call(operator, 'incidents.notifications', { since: new Date(0).toISOString() })) as Response<'incidents.notifications'>).notifications;
    expect(forCommander.find((n) => n.incidentId === i.id && n.step === 0)?.forMe).toBe(true);
    expect(forOperator.find((n) => n.incidentId === i.id && n.step === 0)?.forMe).toBe(false);

    await call(commander, 'incidents.acknowledge', { incidentId: i.id });
    const ackAt = new Date((await detail(i.id)).incident.acknowledged!.at).getTime();
    const minutesToAck = (ackAt - opened) / 60_000;
    const expires = (await detail(i.id)).escalation.ackExpiresAt!;
    expect(new Date(expires).getTime() - ackAt).toBe(30 * 60_000);
    await tick(minutesToAck + 29);
    expect((await detail(i.id)).incident.acknowledged).not.toBeNull();
    const expired = await tick(minutesToAck + 30);
    expect(expired).toMatchObject({ expired: 1, notified: 1 });
    const after = await detail(i.id);
    expect(after.incident.acknowledged).toBeNull();
    expect(after.escalation.arm).toBe(2);
    expect(after.timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(['ack_expired', 'escalated']));
    expect(after.timeline.find((t) => t.kind === 'ack_expired')!.actor).toEqual({ id: null, name: 'Escalation' });
  });
});
