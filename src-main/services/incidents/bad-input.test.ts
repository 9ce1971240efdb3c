import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { IncidentState } from '../../../src-shared/domain/incident-lifecycle';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

/** An id that names nothing in any org. */
const GHOST = '00000000-0000-4000-8000-000000000abc';

/**
 * Bad input to the incident and escalation commands: each refusal is checked for its code (and the
 * field it names), and for leaving what was stored exactly as it was — the incidents it touched,
 * read back whole (summary, timeline, affected, alerts, escalation), and the head of the audit chain.
 */
describe.skipIf(!ok)('incidents and escalation refuse bad input and keep what is stored', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let commander: Core;
  let auditor: Core;

  const create = async (core: Core, over: Record<string, unknown> = {}) =>
    ((await call(core, 'incidents.create', { title: 'Latency up in EU', severity: 'high', ...over })) as Response<'incidents.create'>).incident;
  const detail = async (id: string) => (await call(admin, 'incidents.get', { incidentId: id })) as Response<'incidents.get'>;
  const policies = async () => ((await call(admin, 'escalation.list', {})) as Response<'escalation.list'>).policies;
  const auditHead = async () => ((await call(admin, 'audit.list', { limit: 1 })) as Response<'audit.list'>).headSeq;

  /** Everything a refused command could have touched: the incidents, the policies and the audit chain. */
  const stored = async (incidentIds: readonly string[]) => ({
    incidents: await Promise.all(incidentIds.map(detail)),
    policies: await policies(),
    auditHead: await auditHead(),
  });

  /** The command must be refused, and everything stored must read back the same afterwards. */
  async function refusedKeeping(core: Core, channel: string, payload: unknown, incidentIds: readonly string[]) {
    const before = await stored(incidentIds);
    const error = await refused(core, channel, payload);
    expect(await stored(incidentIds)).toEqual(before);
    return error;
  }

  async function incidentIn(state: IncidentState, over: Record<string, unknown> = {}): Promise<string> {
    const i = await create(operator, { title: `In ${state}`, ...over });
    if (state === 'merged') {
      const other = await create(operator, { title: 'Merge target' });
      await call(operator, 'incidents.merge', { incidentId: i.id, intoId: other.id, reason: 'same thing' });
      return i.id;
    }
    const path: Partial<Record<IncidentState, IncidentState[]>> = { triage: [], active: ['active'], resolved: ['active', 'resolved'], closed: ['active', 'resolved', 'closed'] };
    let at: IncidentState = 'triage';
    for (const to of path[state]!) {
      await call(operator, 'incidents.transition', { incidentId: i.id, expectedState: at, to, ...(to === 'closed' ? { resolutionNote: 'Fixed by restarting the router.' } : {}) });
      at = to;
    }
    return i.id;
  }

  let ruleId: string;
  let policyId: string;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'badin');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    commander = await coreOn(db, org.commander.email);
    auditor = await coreOn(db, org.auditor.email);
    ruleId = (
      (await call(admin, 'alerts.saveRule', {
        name: 'Corridor latency',
        metric: 'p95_latency_ms',
        aggregation: 'p95',
        comparison: '>',
        threshold: 1000,
        forSeconds: 300,
        severity: 'critical',
        scopeKind: 'corridor',
      })) as Response<'alerts.saveRule'>
    ).rule.id;
    // No severities: no incident gets it unless a test sets it.
    policyId = (
      (await call(admin, 'escalation.save', {
        name: 'On demand',
        steps: [
          { waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } },
          { waitMinutes: 60, target: { kind: 'role', role: 'admin' } },
        ],
      })) as Response<'escalation.save'>
    ).policy.id;
  });
  afterAll(async () => {
    for (const c of [admin, operator, commander, auditor]) await c?.cleanup();
    await db?.drop();
  });

  describe('incidents.setSeverity', () => {
    it('names each malformed field', async () => {
      const id = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.setSeverity', { incidentId: 'INC-1', severity: 'urgent', reason: ' ', colour: 'red' }, [id]);
      expect(e.code).toBe('VALIDATION');
      expect(Object.keys(e.fields ?? {}).sort()).toEqual(['colour', 'incidentId', 'reason', 'severity']);
    });

    it('refuses an unknown incident, the severity it has already, and a closed or merged incident', async () => {
      const id = await incidentIn('triage');
      expect(await refusedKeeping(operator, 'incidents.setSeverity', { incidentId: GHOST, severity: 'low', reason: 'typo' }, [id])).toMatchObject({ code: 'NOT_FOUND' });
      expect(await refusedKeeping(operator, 'incidents.setSeverity', { incidentId: id, severity: 'high', reason: 'no change' }, [id])).toMatchObject({
        code: 'VALIDATION',
        fields: { severity: expect.any(String) },
      });
      for (const state of ['closed', 'merged'] as const) {
        const done = await incidentIn(state);
        const e = await refusedKeeping(operator, 'incidents.setSeverity', { incidentId: done, severity: 'low', reason: 'after the fact' }, [done]);
        expect(e.code, state).toBe('CONFLICT');
        expect(e.message).toContain(`is ${state}`);
      }
    });

    it('refuses an auditor', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(auditor, 'incidents.setSeverity', { incidentId: id, severity: 'low', reason: 'auditor try' }, [id])).code).toBe('FORBIDDEN');
    });
  });

  describe('incidents.setAffected', () => {
    it('names malformed references, and asks for something to add or remove', async () => {
      const id = await incidentIn('triage');
      const bad = await refusedKeeping(operator, 'incidents.setAffected', { incidentId: id, add: [{ kind: 'planet', id: 'earth' }] }, [id]);
      expect(bad.code).toBe('VALIDATION');
      expect(Object.keys(bad.fields ?? {}).sort()).toEqual(['add.0.id', 'add.0.kind']);
      const empty = await refusedKeeping(operator, 'incidents.setAffected', { incidentId: id, add: [], remove: [] }, [id]);
      expect(empty).toMatchObject({ code: 'VALIDATION', fields: { add: expect.any(String) } });
    });

    it('refuses an unknown incident', async () => {
      const id = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.setAffected', { incidentId: GHOST, add: [{ kind: 'node', id: grid.nodeId }] }, [id]);
      expect(e.code).toBe('NOT_FOUND');
    });

    it('adds nothing and removes nothing when one reference in the call does not exist', async () => {
      const id = await incidentIn('triage', { affected: [{ kind: 'site', id: grid.siteId }] });
      const e = await refusedKeeping(
        operator,
        'incidents.setAffected',
        { incidentId: id, add: [{ kind: 'node', id: grid.nodeId }, { kind: 'node', id: GHOST }], remove: [{ kind: 'site', id: grid.siteId }] },
        [id],
      );
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toContain('node does not exist');
      expect((await detail(id)).affected.map((a) => a.id)).toEqual([grid.siteId]);
    });

    it('refuses a call that changes nothing, naming the field', async () => {
      const id = await incidentIn('triage', { affected: [{ kind: 'site', id: grid.siteId }] });
      const e = await refusedKeeping(operator, 'incidents.setAffected', { incidentId: id, add: [{ kind: 'site', id: grid.siteId }], remove: [{ kind: 'node', id: grid.nodeId }] }, [id]);
      expect(e).toMatchObject({ code: 'VALIDATION', fields: { add: expect.any(String) } });
    });

    it('refuses an auditor', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(auditor, 'incidents.setAffected', { incidentId: id, add: [{ kind: 'node', id: grid.nodeId }] }, [id])).code).toBe('FORBIDDEN');
    });
  });

  describe('incidents.linkAlert', () => {
    const subject = () => `corridor:${grid.corridorId}`;

    it('names malformed fields', async () => {
      const id = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId: 'latency', subjectKey: 'x'.repeat(81) }, [id]);
      expect(e.code).toBe('VALIDATION');
      expect(Object.keys(e.fields ?? {}).sort()).toEqual(['ruleId', 'subjectKey']);
    });

    it('refuses an unknown incident and an unknown rule', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: GHOST, ruleId, subjectKey: subject() }, [id])).code).toBe('NOT_FOUND');
      expect(await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId: GHOST, subjectKey: subject() }, [id])).toMatchObject({
        code: 'NOT_FOUND',
        fields: { ruleId: expect.any(String) },
      });
    });

    it('refuses a subject the rule cannot have, or one that does not exist, naming the subject key', async () => {
      const id = await incidentIn('triage');
      // The rule watches each corridor: its subjects are "corridor:<id>".
      for (const subjectKey of ['bogus', 'corridor:not-a-uuid', `corridor:${grid.corridorId}:x`, `node:${grid.nodeId}`, 'all', '']) {
        const e = await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId, subjectKey }, [id]);
        expect(e.code, subjectKey).toBe('VALIDATION');
        expect(e.fields, subjectKey).toHaveProperty('subjectKey');
      }
      const ghost = await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId, subjectKey: `corridor:${GHOST}` }, [id]);
      expect(ghost).toMatchObject({ code: 'NOT_FOUND', fields: { subjectKey: expect.any(String) } });
      // A whole-grid rule has the one subject "all".
      const gridRule = (
        (await call(admin, 'alerts.saveRule', { name: 'Grid latency', metric: 'p95_latency_ms', aggregation: 'p95', comparison: '>', threshold: 1000, forSeconds: 300, severity: 'warning', scopeKind: 'all' })) as Response<'alerts.saveRule'>
      ).rule.id;
      for (const subjectKey of ['all:x', `corridor:${GHOST}`]) {
        const e = await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId: gridRule, subjectKey }, [id]);
        expect(e, subjectKey).toMatchObject({ code: 'VALIDATION', fields: { subjectKey: expect.any(String) } });
      }
      await call(operator, 'incidents.linkAlert', { incidentId: id, ruleId: gridRule, subjectKey: 'all' });
      expect((await detail(id)).alerts.map((a) => [a.ruleName, a.subjectKey])).toEqual([['Grid latency', 'all']]);
    });

    it('refuses linking the same alert twice, naming the subject key', async () => {
      const id = await incidentIn('triage');
      await call(operator, 'incidents.linkAlert', { incidentId: id, ruleId, subjectKey: subject() });
      const e = await refusedKeeping(operator, 'incidents.linkAlert', { incidentId: id, ruleId, subjectKey: subject() }, [id]);
      expect(e).toMatchObject({ code: 'VALIDATION', fields: { subjectKey: expect.any(String) } });
      expect((await detail(id)).timeline.filter((t) => t.kind === 'alert_linked')).toHaveLength(1);
    });

    it('refuses an auditor', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(auditor, 'incidents.linkAlert', { incidentId: id, ruleId, subjectKey: subject() }, [id])).code).toBe('FORBIDDEN');
    });
  });

  describe('incidents.setPolicy', () => {
    it('names malformed fields', async () => {
      const id = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: id, policyId: 'On demand' }, [id]);
      expect(e).toMatchObject({ code: 'VALIDATION', fields: { policyId: expect.any(String) } });
      const missing = await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: id }, [id]);
      expect(missing).toMatchObject({ code: 'VALIDATION', fields: { policyId: expect.any(String) } });
    });

    it('refuses an unknown incident, an unknown policy and the policy it has already', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: GHOST, policyId }, [id])).code).toBe('NOT_FOUND');
      expect(await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: id, policyId: GHOST }, [id])).toMatchObject({ code: 'NOT_FOUND', fields: { policyId: expect.any(String) } });
      expect(await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: id, policyId: null }, [id])).toMatchObject({ code: 'VALIDATION', fields: { policyId: expect.any(String) } });
      await call(operator, 'incidents.setPolicy', { incidentId: id, policyId });
      expect(await refusedKeeping(operator, 'incidents.setPolicy', { incidentId: id, policyId }, [id])).toMatchObject({ code: 'VALIDATION', fields: { policyId: expect.any(String) } });
    });

    it('refuses an auditor', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(auditor, 'incidents.setPolicy', { incidentId: id, policyId }, [id])).code).toBe('FORBIDDEN');
    });
  });

  describe('an incident that has ended (closed, declined, merged)', () => {
    it('keeps what it affected, its alerts and its policy as they were; a note can still be added', async () => {
      const declined = await create(operator, { title: 'Not an incident after all' });
      await call(operator, 'incidents.transition', { incidentId: declined.id, expectedState: 'triage', to: 'declined', reason: 'noise from a test rig' });
      for (const [state, id] of [
        ['closed', await incidentIn('closed')],
        ['merged', await incidentIn('merged')],
        ['declined', declined.id],
      ] as const) {
        const calls: [string, unknown][] = [
          ['incidents.setAffected', { incidentId: id, add: [{ kind: 'corridor', id: grid.corridorId }], remove: [] }],
          ['incidents.linkAlert', { incidentId: id, ruleId, subjectKey: `corridor:${grid.corridorId}` }],
          ['incidents.setPolicy', { incidentId: id, policyId }],
        ];
        for (const [channel, payload] of calls) {
          const e = await refusedKeeping(operator, channel, payload, [id]);
          expect(e, `${channel} on a ${state} incident`).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`is ${state}`) });
        }
        const noted = (await call(operator, 'incidents.addNote', { incidentId: id, body: 'Post-incident: root cause confirmed.' })) as Response<'incidents.addNote'>;
        expect(noted.entry).toMatchObject({ kind: 'note', body: 'Post-incident: root cause confirmed.' });
        expect((await detail(id)).timeline.at(-1)?.body).toBe('Post-incident: root cause confirmed.');
      }
    });
  });

  describe('incidents.addNote', () => {
    it('names malformed fields', async () => {
      const id = await incidentIn('triage');
      const blank = await refusedKeeping(operator, 'incidents.addNote', { incidentId: id, body: '   ' }, [id]);
      expect(blank).toMatchObject({ code: 'VALIDATION', fields: { body: expect.any(String) } });
      const nul = await refusedKeeping(operator, 'incidents.addNote', { incidentId: id, body: 'router\u0000 restarted' }, [id]);
      expect(nul).toMatchObject({ code: 'VALIDATION', fields: { body: expect.any(String) } });
      const noId = await refusedKeeping(operator, 'incidents.addNote', { body: 'Which incident?' }, [id]);
      expect(noId).toMatchObject({ code: 'VALIDATION', fields: { incidentId: expect.any(String) } });
    });

    it('refuses an unknown incident', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(operator, 'incidents.addNote', { incidentId: GHOST, body: 'Lost note' }, [id])).code).toBe('NOT_FOUND');
    });

    it('refuses an auditor', async () => {
      const id = await incidentIn('triage');
      expect((await refusedKeeping(auditor, 'incidents.addNote', { incidentId: id, body: 'Auditor remark' }, [id])).code).toBe('FORBIDDEN');
    });
  });

  describe('incidents.merge', () => {
    it('refuses a merge into itself, naming the target, and changes neither incident', async () => {
      const a = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.merge', { incidentId: a, intoId: a, reason: 'same one' }, [a]);
      expect(e).toMatchObject({ code: 'VALIDATION', fields: { intoId: expect.any(String) } });
    });

    it('refuses a merge into a closed, declined or merged incident, naming the target; both keep their records', async () => {
      for (const state of ['closed', 'merged'] as const) {
        const a = await incidentIn('active', { affected: [{ kind: 'node', id: grid.nodeId }] });
        const into = await incidentIn(state);
        const e = await refusedKeeping(operator, 'incidents.merge', { incidentId: a, intoId: into, reason: 'same router fault' }, [a, into]);
        expect(e, state).toMatchObject({ code: 'CONFLICT', fields: { intoId: expect.any(String) } });
      }
      const a = await incidentIn('triage');
      const declined = await create(operator, { title: 'Declined one' });
      await call(operator, 'incidents.transition', { incidentId: declined.id, expectedState: 'triage', to: 'declined', reason: 'not ours' });
      expect((await refusedKeeping(operator, 'incidents.merge', { incidentId: a, intoId: declined.id, reason: 'same' }, [a, declined.id])).code).toBe('CONFLICT');
    });

    it('refuses merging a closed incident into an open one', async () => {
      const closed = await incidentIn('closed');
      const into = await incidentIn('triage');
      expect((await refusedKeeping(operator, 'incidents.merge', { incidentId: closed, intoId: into, reason: 'late duplicate' }, [closed, into])).code).toBe('CONFLICT');
    });

    it('refuses an unknown target or source, saying which', async () => {
      const a = await incidentIn('triage');
      const into = await refusedKeeping(operator, 'incidents.merge', { incidentId: a, intoId: GHOST, reason: 'typo' }, [a]);
      expect(into).toMatchObject({ code: 'NOT_FOUND', fields: { intoId: expect.any(String) } });
      const from = await refusedKeeping(operator, 'incidents.merge', { incidentId: GHOST, intoId: a, reason: 'typo' }, [a]);
      expect(from).toMatchObject({ code: 'NOT_FOUND', fields: { incidentId: expect.any(String) } });
    });

    it('names malformed fields and refuses an auditor', async () => {
      const a = await incidentIn('triage');
      const b = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.merge', { incidentId: a, intoId: 'INC-2', reason: 'x' }, [a, b]);
      expect(e.code).toBe('VALIDATION');
      expect(Object.keys(e.fields ?? {}).sort()).toEqual(['intoId', 'reason']);
      expect((await refusedKeeping(auditor, 'incidents.merge', { incidentId: a, intoId: b, reason: 'auditor merge' }, [a, b])).code).toBe('FORBIDDEN');
    });
  });

  describe('incidents.takeCommand and incidents.handOver', () => {
    it('refuse an operator, whether or not someone commands, and keep the commander', async () => {
      const free = await incidentIn('triage');
      const e = await refusedKeeping(operator, 'incidents.takeCommand', { incidentId: free }, [free]);
      expect(e.code).toBe('FORBIDDEN');
      expect((await detail(free)).incident.commander).toBeNull();

      const held = await incidentIn('triage');
      await call(commander, 'incidents.takeCommand', { incidentId: held });
      expect((await refusedKeeping(operator, 'incidents.takeCommand', { incidentId: held, reason: 'my turn' }, [held])).code).toBe('FORBIDDEN');
      const hand = await refusedKeeping(operator, 'incidents.handOver', { incidentId: held, toOperatorId: org.admin.operatorId, note: 'Taking it upstairs' }, [held]);
      expect(hand.code).toBe('FORBIDDEN');
      expect((await detail(held)).incident.commander).toEqual({ id: org.commander.operatorId, name: org.commander.name });
      expect((await refusedKeeping(auditor, 'incidents.takeCommand', { incidentId: held }, [held])).code).toBe('FORBIDDEN');
    });

    it('handOver names a malformed or foreign target', async () => {
      const held = await incidentIn('triage');
      await call(commander, 'incidents.takeCommand', { incidentId: held });
      expect(await refusedKeeping(commander, 'incidents.handOver', { incidentId: held, toOperatorId: 'admin' }, [held])).toMatchObject({
        code: 'VALIDATION',
        fields: { toOperatorId: expect.any(String) },
      });
      const outsider = (await createOrg(db, 'badin-other')).admin.operatorId;
      expect(await refusedKeeping(commander, 'incidents.handOver', { incidentId: held, toOperatorId: outsider }, [held])).toMatchObject({
        code: 'VALIDATION',
        fields: { toOperatorId: expect.any(String) },
      });
      expect((await refusedKeeping(commander, 'incidents.handOver', { incidentId: GHOST, toOperatorId: org.admin.operatorId }, [held])).code).toBe('NOT_FOUND');
    });
  });

  describe('escalation.delete', () => {
    it('refuses an unknown policy, a malformed call and anyone but an admin; the policy and the incident using it stay', async () => {
      const id = await incidentIn('triage');
      await call(operator, 'incidents.setPolicy', { incidentId: id, policyId });
      expect((await refusedKeeping(admin, 'escalation.delete', { id: GHOST, reason: 'typo' }, [id])).code).toBe('NOT_FOUND');
      const bad = await refusedKeeping(admin, 'escalation.delete', { id: 'On demand', reason: '' }, [id]);
      expect(bad.code).toBe('VALIDATION');
      expect(Object.keys(bad.fields ?? {}).sort()).toEqual(['id', 'reason']);
      const noReason = await refusedKeeping(admin, 'escalation.delete', { id: policyId }, [id]);
      expect(noReason).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
      for (const who of [operator, commander, auditor]) {
        expect((await refusedKeeping(who, 'escalation.delete', { id: policyId, reason: 'not mine to delete' }, [id])).code).toBe('FORBIDDEN');
      }
      expect((await detail(id)).escalation.policy).toEqual({ id: policyId, name: 'On demand' });
    });
  });

  describe('escalation.save', () => {
    const step = (over: Record<string, unknown> = {}) => ({ waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' }, ...over });
    const policy = (over: Record<string, unknown> = {}) => ({ name: 'Bad chain', severities: ['critical'], steps: [step()], ...over });

    it('names the bad step, new policy or changed, and stores nothing', async () => {
      const current = (await policies()).find((p) => p.id === policyId)!;
      const outsider = (await createOrg(db, 'badin-steps')).operator.operatorId;
      const cases: [string, unknown[], string][] = [
        ['no steps', [], 'steps'],
        ['eleven steps', Array.from({ length: 11 }, () => step({ waitMinutes: 1 })), 'steps'],
        ['negative wait', [step({ waitMinutes: -1 })], 'steps.0.waitMinutes'],
        ['fractional wait', [step(), step({ waitMinutes: 2.5 })], 'steps.1.waitMinutes'],
        ['wait over a day', [step({ waitMinutes: 1441 })], 'steps.0.waitMinutes'],
        ['unknown role', [step({ target: { kind: 'role', role: 'boss' } })], 'steps.0.target.role'],
        ['unknown target kind', [step({ target: { kind: 'team', team: 'noc' } })], 'steps.0.target.kind'],
        ['operator not a uuid', [step({ target: { kind: 'operator', operatorId: 'alice' } })], 'steps.0.target.operatorId'],
        ['unknown operator', [step(), step({ target: { kind: 'operator', operatorId: GHOST } })], 'steps.1.target'],
        ['operator of another org', [step({ target: { kind: 'operator', operatorId: outsider } })], 'steps.0.target'],
        ['extra field in a step', [step({ notify: 'sms' })], 'steps.0.notify'],
      ];
      for (const [label, steps, field] of cases) {
        for (const payload of [policy({ steps }), policy({ id: policyId, name: 'On demand', expectedVersion: current.version, steps })]) {
          const e = await refusedKeeping(admin, 'escalation.save', payload, []);
          expect(e.code, `${label}${'id' in payload ? ' (change)' : ''}`).toBe('VALIDATION');
          expect(e.fields, label).toHaveProperty([field]);
        }
      }
    });

    it('refuses a repeating chain with no waiting, an unknown policy, and anyone but an admin', async () => {
      const spin = await refusedKeeping(admin, 'escalation.save', policy({ steps: [step(), step()], repeat: 2 }), []);
      expect(spin).toMatchObject({ code: 'VALIDATION', fields: { repeat: expect.any(String) } });
      expect((await refusedKeeping(admin, 'escalation.save', policy({ id: GHOST }), [])).code).toBe('NOT_FOUND');
      for (const who of [operator, commander, auditor]) expect((await refusedKeeping(who, 'escalation.save', policy(), [])).code).toBe('FORBIDDEN');
    });
  });

  it('leaves the audit chain intact after all these refusals', async () => {
    expect(((await call(admin, 'audit.verify', {})) as Response<'audit.verify'>).ok).toBe(true);
  });

});
