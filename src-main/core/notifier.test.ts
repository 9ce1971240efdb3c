import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src-shared/contract';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { call, coreOn } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { runEscalation } from '../services/incidents';
import { systemRecorder } from '../services/org';
import { silentLogger } from './log';
import { type DesktopNotification, DesktopNotifier } from './notifier';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('desktop notifications', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let operator: Core;
  let commander: Core;
  const forCommander: DesktopNotification[] = [];
  const forOperator: DesktopNotification[] = [];
  const notifiers: DesktopNotifier[] = [];

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'notify');
    operator = await coreOn(db, org.operator.email);
    commander = await coreOn(db, org.commander.email);
    const admin = await coreOn(db, org.admin.email);
    await call(admin, 'escalation.save', { name: 'Page commanders', severities: ['critical'], steps: [{ waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } }] });
    await admin.cleanup();
    // Open before the workstations start watching: the baseline, not news.
    await call(operator, 'incidents.create', { title: 'Already open', severity: 'critical' });
    for (const [core, list] of [
      [commander, forCommander],
      [operator, forOperator],
    ] as const) {
      const n = new DesktopNotifier(core.router, (x) => list.push(x), silentLogger());
      n.start();
      await n.ready();
      notifiers.push(n);
    }
  });
  afterAll(async () => {
    for (const n of notifiers) n.stop();
    await operator?.cleanup();
    await commander?.cleanup();
    await db?.drop();
  });

  it('tells every workstation of a new critical incident, and only of new critical ones', async () => {
    await call(operator, 'incidents.create', { title: 'Only high', severity: 'high' });
    await call(operator, 'incidents.create', { title: 'A drill', severity: 'critical', drill: true });
    const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'EU corridor down', severity: 'critical' })).incident;
    await expect.poll(() => forCommander.map((n) => n.title), { timeout: 10_000, interval: 50 }).toEqual([`Critical incident ${i.ref}`]);
    await expect.poll(() => forOperator.length, { timeout: 10_000, interval: 50 }).toBe(1);
    expect(forCommander[0]).toMatchObject({ critical: true, incidentId: i.id, body: `EU corridor down\nOpened by ${org.operator.name}.` });
  });

  it('tells the people an escalation step names, and nobody else', async () => {
    const before = { commander: forCommander.length, operator: forOperator.length };
    const session = commander.db.session!;
    await commander.db.tx(session, (sql) => runEscalation(sql, systemRecorder(sql, session, 'Escalation'), new Date()));
    // Drills escalate too: practising the page is part of the drill.
    await expect.poll(() => forCommander.length - before.commander, { timeout: 10_000, interval: 50 }).toBe(3);
    expect(forCommander.slice(before.commander).map((n) => n.title).sort()).toEqual(['INC-1 needs you (critical)', 'INC-3 needs you (critical)', 'INC-4 needs you (critical)']);
    expect(forCommander.at(-1)!.body).toContain('Escalation step 1: every incident commander. Nobody has acknowledged it.');
    // The operator's workstation sees the same three notices, marked as not theirs (the step
    // names incident commanders), which is what keeps its notifier quiet.
    const seenByOperator = (await call<Response<'incidents.notifications'>>(operator, 'incidents.notifications', { since: new Date(0).toISOString() })).notifications;
    const steps = seenByOperator.filter((n) => n.target === 'every incident commander');
    expect(steps).toHaveLength(3);
    expect(steps.every((n) => !n.forMe)).toBe(true);
    expect(forOperator.length).toBe(before.operator);
  });
});
