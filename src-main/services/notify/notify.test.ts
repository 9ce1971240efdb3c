import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { mailReceiver, type MailReceiver, webhookReceiver, type WebhookReceiver } from '../../testing/receivers';
import { runEscalation } from '../incidents';
import { systemRecorder } from '../org';
import { deliverPending } from './deliver';
import { SIGNATURE_HEADER, verifyWebhook } from './sign';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('escalations delivered outside the app, to real receivers on loopback', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let operator: Core;
  let commander: Core;
  let hooks: WebhookReceiver;
  let mail: MailReceiver;
  const SECRET = 'whsec-0123456789abcdef';
  const channelIds: string[] = [];

  /** The escalation clock and then the delivery round, as the ops clock runs them, at a given time. */
  async function round(now: Date) {
    const session = commander.db.session!;
    await commander.db.tx(session, (sql) => runEscalation(sql, systemRecorder(sql, session, 'Escalation'), now));
    return commander.db.tx(session, (sql) => deliverPending(sql, admin.vault, session.orgId, systemRecorder(sql, session, 'Escalation'), now));
  }
  const storedChannels = () => asOwner(db, null, async (c) => (await c.query('SELECT kind, name, config FROM mc.notification_channels WHERE org_id = $1 ORDER BY name', [org.orgId])).rows);

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'notify');
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    commander = await coreOn(db, org.commander.email);
    hooks = await webhookReceiver();
    mail = await mailReceiver();
    await call(admin, 'escalation.save', {
      name: 'Page the commander',
      severities: ['critical'],
      steps: [{ waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } }],
      repeat: 0,
      ackTimeoutMinutes: 30,
    });
  });
  afterAll(async () => {
    for (const id of channelIds) await call(admin, 'notify.removeChannel', { channelId: id, reason: 'test over' }).catch(() => undefined);
    await hooks?.close();
    await mail?.close();
    for (const c of [admin, operator, commander]) await c?.cleanup();
    await db?.drop();
  });

  it('keeps channel secrets in the keychain: the database and the answer carry none', async () => {
    const add = async (channel: unknown) => (await call<Response<'notify.addChannel'>>(admin, 'notify.addChannel', { channel })).channel;
    const made = [
      await add({ kind: 'webhook', name: 'NOC hook', url: `${hooks.url}/generic?token=abc`, signingSecret: SECRET }),
      await add({ kind: 'pagerduty', name: 'PagerDuty', url: `${hooks.url}/pd`, routingKey: 'R0UTINGKEY123' }),
      await add({ kind: 'slack', name: 'Slack #noc', url: `${hooks.url}/slack/T000/B000/XXXX` }),
      await add({ kind: 'email', name: 'Mail relay', host: mail.host, port: mail.port, tls: 'starttls', user: mail.user, password: mail.password, from: 'noc@example.org', caPem: mail.certPem }),
    ];
    channelIds.push(...made.map((c) => c.id));
    expect(made.map((c) => [c.kind, c.target, c.secretHere])).toEqual([
      ['webhook', hooks.url, true],
      ['pagerduty', hooks.url, true],
      ['slack', hooks.url, true],
      ['email', `${mail.host}:${mail.port}`, true],
    ]);
    const stored = JSON.stringify(await storedChannels());
    for (const secret of [SECRET, 'R0UTINGKEY123', 'token=abc', 'XXXX', mail.password]) expect(stored).not.toContain(secret);
    expect(JSON.stringify(await call(operator, 'notify.channels', {}))).not.toContain(SECRET);
  });

  it('refuses a bad channel or a non-admin, storing nothing', async () => {
    const before = await storedChannels();
    expect(await refused(admin, 'notify.addChannel', { channel: { kind: 'webhook', name: 'x', url: 'file:///etc/passwd', signingSecret: SECRET } })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'notify.addChannel', { channel: { kind: 'webhook', name: 'short', url: hooks.url, signingSecret: 'short' } })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'notify.addChannel', { channel: { kind: 'slack', name: 'NOC hook', url: hooks.url } })).toMatchObject({ code: 'CONFLICT' });
    expect(await refused(operator, 'notify.addChannel', { channel: { kind: 'slack', name: 'mine', url: hooks.url } })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await storedChannels()).toEqual(before);
  });

  it('delivers an escalation by signed webhook, PagerDuty, Slack and e-mail over STARTTLS, and the timeline says so', async () => {
    const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'MENA corridor dark', severity: 'critical' })).incident;
    const now = new Date();
    expect(await round(now)).toEqual({ delivered: 4, failed: 0 });

    const generic = hooks.requests.find((r) => r.path.startsWith('/generic'))!;
    expect(verifyWebhook(SECRET, generic.body, String(generic.headers[SIGNATURE_HEADER]), new Date())).toBe(true);
    expect(verifyWebhook('another-secret-of-16+', generic.body, String(generic.headers[SIGNATURE_HEADER]), new Date())).toBe(false);
    expect(JSON.parse(generic.body)).toMatchObject({ type: 'incident.escalation', incident: { id: i.id, ref: i.ref, severity: 'critical' }, escalation: { step: 1, target: 'every incident commander' } });
    const pd = JSON.parse(hooks.requests.find((r) => r.path === '/pd')!.body);
    expect(pd).toMatchObject({ routing_key: 'R0UTINGKEY123', event_action: 'trigger', dedup_key: `umamiedge-${i.id}`, payload: { severity: 'critical', source: 'UmamiEdge Mission Control' } });
    expect(JSON.parse(hooks.requests.find((r) => r.path.startsWith('/slack'))!.body).text).toContain(`${i.ref} CRITICAL: MENA corridor dark`);
    expect(mail.messages).toHaveLength(1);
    expect(mail.messages[0]).toMatchObject({ to: [org.commander.email], secure: true, user: mail.user });
    expect(mail.messages[0]!.raw).toContain(`Subject: ${i.ref} CRITICAL: MENA corridor dark`);

    const { deliveries } = await call<Response<'notify.deliveries'>>(operator, 'notify.deliveries', { incidentId: i.id });
    expect(deliveries.map((d) => [d.kind, d.recipient, d.status]).sort()).toEqual(
      [
        ['email', org.commander.email, 'delivered'],
        ['pagerduty', 'PagerDuty', 'delivered'],
        ['slack', 'Slack #noc', 'delivered'],
        ['webhook', 'NOC hook', 'delivered'],
      ].sort(),
    );
    expect(JSON.stringify(deliveries)).not.toContain('token=abc');
    const timeline = (await call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: i.id })).timeline.map((t) => t.body ?? '');
    expect(timeline.some((b) => b.startsWith('Escalated to every incident commander: step 1'))).toBe(true);
    expect(timeline.some((b) => b.startsWith(`Delivered step 1 to ${org.commander.email} by E-mail (SMTP) “Mail relay”`))).toBe(true);
    expect(timeline.filter((b) => b.startsWith('Delivered step 1'))).toHaveLength(4);
    // Once delivered, a later round sends nothing again.
    expect(await round(new Date(now.getTime() + 60_000))).toEqual({ delivered: 0, failed: 0 });
  });

  it('records a refused delivery, retries it later, and says which attempt got through', async () => {
    hooks.answers.push(503, 503, 503);
    const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'EU queue backlog', severity: 'critical' })).incident;
    const now = new Date();
    const first = await round(now);
    expect(first.failed).toBe(3);
    let ds = (await call<Response<'notify.deliveries'>>(operator, 'notify.deliveries', { incidentId: i.id })).deliveries;
    expect(ds.filter((d) => d.status === 'failed').map((d) => d.detail)).toEqual(expect.arrayContaining([`${hooks.url} answered HTTP 503: try later`]));
    // Not yet due: nothing is sent.
    expect(await round(new Date(now.getTime() + 10_000))).toEqual({ delivered: 0, failed: 0 });
    expect(await round(new Date(now.getTime() + 31_000))).toEqual({ delivered: 3, failed: 0 });
    ds = (await call<Response<'notify.deliveries'>>(operator, 'notify.deliveries', { incidentId: i.id })).deliveries;
    expect(ds.every((d) => d.status === 'delivered')).toBe(true);
    expect(ds.filter((d) => d.attempts === 2)).toHaveLength(3);
    const timeline = (await call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: i.id })).timeline.map((t) => t.body ?? '');
    expect(timeline.filter((b) => b.startsWith('Not delivered to'))).toHaveLength(3);
    expect(timeline.filter((b) => b.includes('(attempt 2)'))).toHaveLength(3);
  });

  it('says a step reached nobody when no member holds the role it names, and delivers nothing for it', async () => {
    await call(admin, 'escalation.save', {
      name: 'Page the auditors',
      severities: ['high'],
      steps: [{ waitMinutes: 0, target: { kind: 'role', role: 'auditor' } }],
      repeat: 0,
      ackTimeoutMinutes: 30,
    });
    await asOwner(db, org.orgId, (c) => c.query(`DELETE FROM mc.memberships WHERE org_id = $1 AND role = 'auditor'`, [org.orgId]));
    const i = (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'Nobody home', severity: 'high' })).incident;
    await round(new Date());
    // Decided at the moment the step fired (the escalation clock), so no channel is asked to page nobody.
    const ds = (await call<Response<'notify.deliveries'>>(operator, 'notify.deliveries', { incidentId: i.id })).deliveries;
    expect(ds).toEqual([]);
    const timeline = (await call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: i.id })).timeline.map((t) => t.body ?? '');
    expect(timeline.some((b) => b.includes('reached nobody: no member holds the role'))).toBe(true);
  });
});
