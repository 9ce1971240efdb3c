import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_BY_KEY } from '../../../src-shared/domain/checklists';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { coreOn } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { appendAudit } from '../audit/append';
import { orgSetupAnswer } from './org-setup-check';

const ok = await needKeychain();

describe('the pilot gate "Organization setup works"', () => {
  it('is a live check that points at Members', () => {
    const item = TEMPLATE_BY_KEY.get('pilot_acceptance')?.items.find((i) => i.key === 'org');
    expect(item).toMatchObject({ check: 'org_setup_complete', view: 'members' });
  });
});

describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('org setup answered from records, on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Awaited<ReturnType<typeof coreOn>>;
  const answer = () => admin.db.tx(admin.db.session!, (sql) => orgSetupAnswer(sql), { readOnly: true });

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'setup');
    admin = await coreOn(db, org.admin.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await db?.drop();
  });

  it('fails an org loaded by SQL: no org.created record, whatever rows exist', async () => {
    const a = await answer();
    expect(a).toMatchObject({ ok: false, summary: expect.stringContaining('No org.created record') });
  });

  it('passes once the chain holds the org.created event and an admin is active, linking to that event', async () => {
    const session = admin.db.session!;
    await admin.db.tx(session, (sql) => appendAudit(sql, session, { action: 'org.created', target: { type: 'org', id: session.orgId }, data: { name: 'Org setup' } }, { reason: null, requestId: null }));
    const a = await answer();
    expect(a).toMatchObject({ ok: true, summary: expect.stringContaining(`Created in the app by ${org.admin.name}`), record: { type: 'audit' } });
    expect(a.summary).toContain('1 active admin, 4 members');
  });

  it('an org whose admins are all suspended cannot exist: the database keeps one', async () => {
    const err = await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET suspended_at = now() WHERE org_id = $1 AND role = 'admin'`, [org.orgId])).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('UECFL');
    expect((await answer()).ok).toBe(true);
  });
});
