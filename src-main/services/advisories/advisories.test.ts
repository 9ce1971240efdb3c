/**
 * The advisory scan on a real Postgres, through its own login: one advisory per seeded condition
 * (each check its own test) that closes when the condition clears, deduplication, acknowledging
 * (with a reason, audited), turning an advisory into an incident, thresholds, every refusal with
 * nothing stored changed, and what the scan's role may not do.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Advisory, ScanSummary } from '../../../src-shared/contract/advisories';
import type { AdvisoryCheck } from '../../../src-shared/domain/advisories';
import { DEFAULT_THRESHOLDS } from '../../../src-shared/domain/advisories';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedKey, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import type { BackupStatus } from './backup-seam';
import { runScan } from './scan';
import { checkpointKeyAge } from '../audit/anchor/key-age';
import { AdvisoryJob } from '../../core/advisory-job';
import { silentLogger } from '../../core/log';
import { CheckpointStore } from '../audit/anchor';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type List = { advisories: Advisory[]; lastScan: ScanSummary | null; openCount: number; thresholds: typeof DEFAULT_THRESHOLDS };

describe.skipIf(!ok)('the advisory scan', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let operator: Core;
  let admin: Core;
  let auditor: Core;

  const scan = async () => (await call<{ scan: ScanSummary }>(operator, 'advisories.scan', {})).scan;
  const list = () => call<List>(operator, 'advisories.list', {});
  const live = async (check: AdvisoryCheck) => (await list()).advisories.filter((a) => a.check === check && a.state !== 'closed');
  const bySubject = async (check: AdvisoryCheck, subject: string) => (await list()).advisories.filter((a) => a.check === check && a.subjectKey === subject);
  const owner = <T,>(fn: (c: pg.Client) => Promise<T>) => asOwner(db, org.orgId, fn);
  const stored = () =>
    owner(async (c) => ({
      advisories: (await c.query(`SELECT to_jsonb(a) AS r FROM mc.advisories a WHERE org_id = $1 ORDER BY id`, [org.orgId])).rows,
      settings: (await c.query(`SELECT to_jsonb(s) AS r FROM mc.advisory_settings s WHERE org_id = $1`, [org.orgId])).rows,
      incidents: (await c.query(`SELECT count(*)::int AS n FROM mc.incidents WHERE org_id = $1`, [org.orgId])).rows[0].n,
      audit: (await c.query(`SELECT count(*)::int AS n FROM mc.audit_events WHERE org_id = $1`, [org.orgId])).rows[0].n,
    }));
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored();
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }
  /** Raised by one scan, then closed by the next once `clear` has run. */
  async function raisedThenClosed(check: AdvisoryCheck, subject: string, clear: () => Promise<unknown>): Promise<Advisory> {
    const first = await scan();
    expect(first.report.find((l) => l.check === check)?.status).toBe('checked');
    const open = await bySubject(check, subject);
    expect(open).toHaveLength(1);
    expect(open[0]!.state).toBe('open');
    await clear();
    const second = await scan();
    expect(second.closed).toBeGreaterThanOrEqual(1);
    const after = await bySubject(check, subject);
    expect(after).toHaveLength(1);
    expect(after[0]!.state).toBe('closed');
    expect(after[0]!.closedAt).not.toBeNull();
    expect(Date.parse(after[0]!.closedAt!)).toBeGreaterThanOrEqual(Date.parse(open[0]!.lastSeenAt));
    return open[0]!;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'advisories');
    grid = await seedGrid(db, org);
    operator = await coreOn(db, org.operator.email);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await operator?.cleanup();
    await admin?.cleanup();
    await auditor?.cleanup();
    await db?.drop();
  });

  it('scans a clean org: only "no backup" and "no restore drill" raised, from the org’s backup records; a backup and a passed drill close them', async () => {
    const s = await scan();
    expect(s.trigger).toBe('manual');
    // Ten checks ran on records; the signing key's has no key to check yet (nothing signed).
    expect(s.report.filter((l) => l.status === 'checked')).toHaveLength(10);
    expect(s.report.find((l) => l.check === 'signing_key_age')!.status).toBe('no_record');
    expect((await list()).advisories.map((a) => [a.check, a.evidence]).sort()).toEqual([
      ['backup_overdue', 'No backup of this database is on record.'],
      ['restore_drill_overdue', 'No restore drill is on record: no backup has been shown to restore.'],
    ]);
    const audit = await owner(async (c) => (await c.query(`SELECT data FROM mc.audit_events WHERE org_id = $1 AND action = 'advisories.scanned' ORDER BY seq DESC LIMIT 1`, [org.orgId])).rows[0]);
    expect(audit.data.notChecked).toEqual([]);
    // Recorded as Backups records them (sql/0052): the scan's own login reads them (sql/0057).
    await owner(async (c) => {
      const b = await c.query<{ id: string }>(
        `INSERT INTO mc.backups (org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq)
         VALUES ($1, 'mc_archive', 'built-in', '/backups/a.mcarchive.gz', 10, repeat('a', 64), 'PostgreSQL 18', '0057', '[]', 0, 'manual', 5, (SELECT max(seq) FROM mc.audit_events WHERE org_id = $1)) RETURNING id`,
        [org.orgId],
      );
      const evidence = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, outcome, audit_seq)
           VALUES ($1, 'restore_drill', 'Restore drill', 'org', 'passed', (SELECT max(seq) FROM mc.audit_events WHERE org_id = $1)) RETURNING id`,
          [org.orgId],
        )
      ).rows[0]!.id;
      await c.query(
        `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq)
         VALUES ($1, $2, true, true, true, 'ok', '[]', 'embedded', now(), 10, $3, (SELECT max(seq) FROM mc.audit_events WHERE org_id = $1))`,
        [org.orgId, b.rows[0]!.id, evidence],
      );
    });
    const again = await scan();
    expect(again.closed).toBe(2);
    expect((await list()).advisories.map((a) => [a.check, a.state]).sort()).toEqual([
      ['backup_overdue', 'closed'],
      ['restore_drill_overdue', 'closed'],
    ]);
  });

  it('stale key: raised, then closed once the key is used', async () => {
    const k = await seedKey(db, org, grid.nodeId, { createdAt: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    const a = await raisedThenClosed('key_stale', `node_key:${k.id}`, () => owner((c) => c.query('UPDATE mc.node_keys SET last_used_at = now() WHERE id = $1', [k.id])));
    expect(a.evidence).toMatch(/never been used/);
    expect(a.fixView).toBe('keys');
  });

  it('key expiring soon: raised, then closed once it no longer expires', async () => {
    const k = await seedKey(db, org, grid.nodeId, { expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const a = await raisedThenClosed('key_expiring', `node_key:${k.id}`, () => owner((c) => c.query('UPDATE mc.node_keys SET expires_at = NULL WHERE id = $1', [k.id])));
    expect(a.severity).toBe('medium');
    expect(a.evidence).toMatch(/expires at/);
  });

  it('revoked key still presented: raised, then closed once it stops arriving', async () => {
    const k = await seedKey(db, org, grid.nodeId, { revokedAt: new Date(Date.now() - 3_600_000).toISOString() });
    await owner((c) => c.query(`INSERT INTO mc.ingest_rejections (org_id, key_id, reason, source, count) VALUES ($1, $2, 'key_revoked', '10.9.8.7', 12)`, [org.orgId, k.id]));
    const a = await raisedThenClosed('key_revoked_presented', `node_key:${k.id}`, () =>
      owner((c) => c.query(`UPDATE mc.ingest_rejections SET last_seen_at = now() - interval '2 days' WHERE key_id = $1`, [k.id])),
    );
    expect(a.severity).toBe('high');
    expect(a.evidence).toMatch(/revoked but was presented 12 time/);
    expect(a.evidence).toMatch(/10\.9\.8\.7/);
  });

  it('silent node: raised, then closed once it reports', async () => {
    await owner((c) => c.query(`INSERT INTO mc.node_latest (node_id, org_id, seen_at) VALUES ($1, $2, now() - interval '1 hour')`, [grid.nodeId, org.orgId]));
    const a = await raisedThenClosed('node_silent', `node:${grid.nodeId}`, () => owner((c) => c.query('UPDATE mc.node_latest SET seen_at = now() WHERE node_id = $1', [grid.nodeId])));
    expect(a.severity).toBe('high');
    expect(a.evidence).toMatch(/minutes ago/);
  });

  it('tenant table without forced RLS: raised from the catalog, then closed once forced', async () => {
    await owner((c) => c.query('CREATE TABLE mc.advisory_probe (org_id uuid NOT NULL, x integer)'));
    try {
      const a = await raisedThenClosed('table_rls_not_forced', 'table:mc.advisory_probe', () =>
        owner((c) => c.query('ALTER TABLE mc.advisory_probe ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY')),
      );
      expect(a.severity).toBe('critical');
      expect(a.evidence).toMatch(/not enabled/);
    } finally {
      await owner((c) => c.query('DROP TABLE mc.advisory_probe'));
    }
  });

  it('SECURITY DEFINER function without a fixed search_path: raised, then closed once fixed', async () => {
    await owner((c) => c.query(`CREATE FUNCTION public.advisory_probe(n integer) RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT n + 1'`));
    try {
      const a = await raisedThenClosed('definer_search_path', 'function:public.advisory_probe(n integer)', () =>
        owner((c) => c.query('ALTER FUNCTION public.advisory_probe(integer) SET search_path = pg_catalog, pg_temp')),
      );
      expect(a.fix).toMatch(/SET search_path/);
    } finally {
      await owner((c) => c.query('DROP FUNCTION public.advisory_probe(integer)'));
    }
  });

  it('a function name too long to store is named by its digest, and the scan still records', async () => {
    const args = Array.from({ length: 12 }, (_, i) => `a_rather_long_parameter_name_${i} integer`).join(', ');
    await owner((c) => c.query(`CREATE FUNCTION public.advisory_long(${args}) RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`));
    try {
      await scan();
      const rows = (await live('definer_search_path')).filter((a) => a.subjectLabel.startsWith('public.advisory_long('));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.subjectKey).toMatch(/^function:sha256:[0-9a-f]{64}$/);
      expect(rows[0]!.subjectLabel.endsWith('…')).toBe(true);
      await scan();
      expect((await live('definer_search_path')).filter((a) => a.subjectLabel.startsWith('public.advisory_long(')).map((a) => a.seenCount)).toEqual([2]);
    } finally {
      await owner((c) => c.query(`DROP FUNCTION public.advisory_long(${Array.from({ length: 12 }, () => 'integer').join(', ')})`));
    }
    await scan();
    expect(await live('definer_search_path')).toEqual([]);
  });

  it('pilot missing evidence records: raised with what is missing, then closed once the pilot is gone', async () => {
    const pilotId = await owner(async (c) => (await c.query(`INSERT INTO mc.pilots (org_id, customer_name, corridor_id) VALUES ($1, 'Pilot Probe', $2) RETURNING id`, [org.orgId, grid.corridorId])).rows[0].id);
    const a = await raisedThenClosed('pilot_evidence_missing', `pilot:${pilotId}`, () => owner((c) => c.query('DELETE FROM mc.pilots WHERE id = $1', [pilotId])));
    expect(a.evidence).toMatch(/of seven missing/);
    expect(a.fixView).toBe('readiness');
  });

  it('customer over committed capacity: raised from metered minutes, then closed once under', async () => {
    const customerId = await owner(async (c) => {
      const id = (await c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'over', 'Over Co', 'enterprise', $2) RETURNING id`, [org.orgId, grid.corridorId])).rows[0].id;
      await c.query('UPDATE mc.customers SET committed_requests_per_min = 10 WHERE id = $1', [id]);
      await c.query(
        `INSERT INTO mc.limit_minutes (org_id, customer_id, minute, requests, tokens)
         SELECT $1, $2, date_trunc('minute', now()) - make_interval(mins => g), 25, 1000 FROM generate_series(1, 6) g`,
        [org.orgId, id],
      );
      return id;
    });
    const a = await raisedThenClosed('customer_over_commit', `customer:${customerId}`, () => owner((c) => c.query('UPDATE mc.limit_minutes SET requests = 5 WHERE customer_id = $1', [customerId])));
    expect(a.evidence).toMatch(/in 6 of the last 60 minutes: peak 25 requests\/min \(committed 10\)/);
  });

  it('backups and restore drills overdue: raised from the backup source once there is one, closed when fresh', async () => {
    let status: BackupStatus = { lastBackupAt: new Date(Date.now() - 3 * 86_400_000).toISOString(), lastRestoreDrillAt: null };
    const opts = () => ({ trigger: 'scheduled' as const, backupStatus: async () => status, signingKey: async () => null });
    const first = await runScan(operator.db.advisorPool(), org.orgId, opts());
    expect(first.report.find((l) => l.check === 'backup_overdue')!.status).toBe('checked');
    expect((await live('backup_overdue')).map((a) => a.evidence)).toEqual([expect.stringMatching(/more than 26 hours ago/)]);
    expect((await live('restore_drill_overdue')).map((a) => a.evidence)).toEqual([expect.stringMatching(/No restore drill is on record/)]);
    status = { lastBackupAt: new Date().toISOString(), lastRestoreDrillAt: new Date().toISOString() };
    await runScan(operator.db.advisorPool(), org.orgId, opts());
    expect(await live('backup_overdue')).toEqual([]);
    expect((await bySubject('restore_drill_overdue', 'database:restore_drill'))[0]!.state).toBe('closed');
    expect((await list()).lastScan?.trigger).toBe('scheduled');
  });

  it('signing key past its rotation age: raised, closed after rotation', async () => {
    let createdAt = new Date(Date.now() - 100 * 86_400_000).toISOString();
    const opts = () => ({ trigger: 'scheduled' as const, backupStatus: async () => null, signingKey: async () => ({ fingerprint: 'SHA256:probe', createdAt }) });
    await runScan(operator.db.advisorPool(), org.orgId, opts());
    expect((await live('signing_key_age')).map((a) => a.evidence)).toEqual([expect.stringMatching(/100 days, past the rotation age of 90/)]);
    createdAt = new Date().toISOString();
    const young = await runScan(operator.db.advisorPool(), org.orgId, opts());
    expect(await live('signing_key_age')).toEqual([]);
    // A key on record that passes is "checked" with nothing found: the view's "clear".
    expect(young.report.find((l) => l.check === 'signing_key_age')).toMatchObject({ status: 'checked', found: 0, note: expect.stringMatching(/^The checkpoint key SHA256:probe has signed since \d{4}-\d\d-\d\d: 0 days, within the rotation age of 90\.$/) });
  });

  it('deduplicates per (check, subject): a second scan refreshes the same advisory', async () => {
    const k = await seedKey(db, org, grid.nodeId, { createdAt: new Date(Date.now() - 60 * 86_400_000).toISOString() });
    await scan();
    const s = await scan();
    expect(s.refreshed).toBeGreaterThanOrEqual(1);
    const rows = await bySubject('key_stale', `node_key:${k.id}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.seenCount).toBe(2);
  });

  it('acknowledge needs a reason; bad input and other roles are refused with nothing changed; it is audited', async () => {
    const a = (await live('key_stale'))[0]!;
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: a.id })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: a.id, reason: ' x ' })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: 'nope', reason: 'A good reason' })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: '00000000-0000-4000-8000-000000000000', reason: 'A good reason' })).code).toBe('NOT_FOUND');
    expect((await refusedUnchanged(auditor, 'advisories.acknowledge', { advisoryId: a.id, reason: 'Auditors only read' })).code).toBe('FORBIDDEN');
    const { advisory } = await call<{ advisory: Advisory }>(operator, 'advisories.acknowledge', { advisoryId: a.id, reason: 'Spare key kept for the standby agent' });
    expect(advisory.state).toBe('acknowledged');
    expect(advisory.ackReason).toBe('Spare key kept for the standby agent');
    expect(advisory.acknowledgedBy).toBe(org.operator.name);
    const ev = await owner(async (c) => (await c.query(`SELECT data FROM mc.audit_events WHERE org_id = $1 AND action = 'advisories.acknowledged' AND target_id = $2`, [org.orgId, a.id])).rows);
    expect(ev).toHaveLength(1);
    expect(ev[0].data.reason).toBe('Spare key kept for the standby agent');
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: a.id, reason: 'Once more' })).code).toBe('CONFLICT');
    // Acknowledged is not closed: the next scan still refreshes it, and the count of open ones drops.
    await scan();
    expect((await bySubject('key_stale', a.subjectKey))[0]!.state).toBe('acknowledged');
    expect((await list()).openCount).toBe((await list()).advisories.filter((x) => x.state === 'open').length);
  });

  it('turns an advisory into an incident, linked both ways; a closed one is refused', async () => {
    const a = (await live('key_stale'))[0]!;
    const { advisory } = await call<{ advisory: Advisory }>(operator, 'advisories.openIncident', { advisoryId: a.id });
    expect(advisory.incidentId).not.toBeNull();
    expect(advisory.incidentRef).toMatch(/^INC-\d+$/);
    const back = await call<{ advisories: Advisory[] }>(operator, 'advisories.ofIncident', { incidentId: advisory.incidentId });
    expect(back.advisories.map((x) => x.id)).toEqual([a.id]);
    const inc = await owner(async (c) => (await c.query('SELECT summary, severity FROM mc.incidents WHERE id = $1', [advisory.incidentId])).rows[0]);
    expect(inc.summary).toContain(`advisory ${a.id}`);
    const affected = await owner(async (c) => (await c.query('SELECT kind, target_id FROM mc.incident_affected WHERE incident_id = $1', [advisory.incidentId])).rows);
    expect(affected).toEqual([{ kind: 'node', target_id: grid.nodeId }]);
    expect((await refusedUnchanged(operator, 'advisories.openIncident', { advisoryId: a.id })).code).toBe('CONFLICT');
    const closed = (await list()).advisories.find((x) => x.state === 'closed')!;
    expect((await refusedUnchanged(operator, 'advisories.openIncident', { advisoryId: closed.id })).code).toBe('CONFLICT');
    expect((await refusedUnchanged(operator, 'advisories.acknowledge', { advisoryId: closed.id, reason: 'Too late now' })).code).toBe('CONFLICT');
  });

  it('thresholds: admins set them (audited), bad values and other roles refused, the scan applies them', async () => {
    const t = { ...DEFAULT_THRESHOLDS, keyStaleDays: 365 };
    expect((await refusedUnchanged(operator, 'advisories.saveThresholds', { thresholds: t })).code).toBe('FORBIDDEN');
    expect((await refusedUnchanged(admin, 'advisories.saveThresholds', { thresholds: { ...t, nodeSilentMinutes: 0 } })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'advisories.saveThresholds', { thresholds: { ...t, keyStaleDays: 2.5 } })).code).toBe('VALIDATION');
    expect((await refusedUnchanged(admin, 'advisories.saveThresholds', { thresholds: { keyStaleDays: 5 } })).code).toBe('VALIDATION');
    const r = await call<{ thresholds: typeof t }>(admin, 'advisories.saveThresholds', { thresholds: t });
    expect(r.thresholds).toEqual(t);
    const saved = await owner(async (c) => (await c.query(`SELECT data FROM mc.audit_events WHERE org_id = $1 AND action = 'advisories.thresholds_saved'`, [org.orgId])).rows);
    expect(saved.map((e) => e.data)).toEqual([{ keyStaleDays: { from: 30, to: 365 } }]);
    expect((await list()).thresholds.keyStaleDays).toBe(365);
    await scan();
    // Every stale key seeded above is younger than a year: all their advisories close.
    expect(await live('key_stale')).toEqual([]);
  });

  it('the scheduled scan runs through the same login and records itself as scheduled', async () => {
    const before = (await list()).lastScan!;
    const job = new AdvisoryJob(operator.db, silentLogger(), new CheckpointStore(operator.dataDir), 3_600_000);
    await job.run(org.orgId);
    job.stop();
    const after = (await list()).lastScan!;
    expect(after.id).not.toBe(before.id);
    expect(after.trigger).toBe('scheduled');
    // No checkpoint has been signed in this data folder: no key, so nothing to pass: the report
    // says "no record" (never "clear", which means a record was checked) and raises nothing.
    expect(after.report.find((l) => l.check === 'signing_key_age')).toMatchObject({ status: 'no_record', found: 0, note: expect.stringMatching(/^No key yet: .*first checkpoint/) });
  });

  it('reads the signing key age from the anchor module: from the first checkpoint of a key never rotated', async () => {
    const store = new CheckpointStore(operator.dataDir);
    expect(checkpointKeyAge(store, org.orgId)).toBeNull();
    await call(operator, 'audit.verify', {});
    const age = checkpointKeyAge(store, org.orgId);
    expect(age).not.toBeNull();
    expect(Date.now() - Date.parse(age!.createdAt)).toBeLessThan(120_000);
    expect(age!.createdAt).toBe(store.read(org.orgId)[0]!.seenAt);
  });

  it('the scan role reads one org at a time and cannot write what it must not', async () => {
    const pool = operator.db.advisorPool();
    const c = await pool.connect();
    try {
      const who = (await c.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
      expect(who).toMatch(/^mc_advisor_[0-9a-f]+$/);
      // No org selected: RLS shows nothing.
      expect((await c.query('SELECT count(*)::int AS n FROM mc.node_keys')).rows[0].n).toBe(0);
      const denied = async (text: string, params: unknown[] = []) => {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('mc.org_id', $1, true)`, [org.orgId]);
        const err = await c.query(text, params).then(() => null, (e: { code?: string }) => e);
        await c.query('ROLLBACK');
        return err?.code ?? 'accepted';
      };
      expect(await denied(`UPDATE mc.nodes SET lifecycle = 'retired'`)).toBe('42501');
      expect(await denied(`DELETE FROM mc.node_keys`)).toBe('42501');
      expect(await denied(`INSERT INTO mc.advisories (org_id, check_key, subject_key, subject_label, severity, evidence, fix, fix_view) VALUES ($1, 'node_silent', 'x', 'x', 'low', 'x', 'x', 'nodes')`, [org.orgId])).toBe('42501');
      expect(await denied(`UPDATE mc.advisories SET ack_reason = 'by the scan', acknowledged_at = now()`)).toBe('42501');
      expect(await denied(`DELETE FROM mc.advisories`)).toBe('42501');
      expect(await denied(`UPDATE mc.advisory_settings SET key_stale_days = 1`)).toBe('42501');
      expect(await denied(`SELECT * FROM mc.audit_events`)).toBe('42501');
      expect(await denied(`SELECT * FROM mc.operators`)).toBe('42501');
      // Keys' standing yes, their hashes no (sql/0057).
      expect(await denied(`SELECT key_hash FROM mc.node_keys`)).toBe('42501');
      expect(await denied(`SELECT key_hash FROM mc.customer_keys`)).toBe('42501');
      // The record function needs an org.
      const noOrg = await c.query(`SELECT mc.advisories_record('[]', '{}', '[]', 'manual', now())`).then(() => null, (e: { code?: string }) => e);
      expect(noOrg?.code).toBe('42501');
    } finally {
      c.release();
    }
  });
});
