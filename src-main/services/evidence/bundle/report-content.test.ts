/**
 * What a bundle holds for an auditor to read, on a real database through the contract: the
 * customer API-key records (never a secret or a hash), backups and restore drills, the runbook
 * steps followed from an incident, and report.html that reads as a report (the scope named in
 * words, the audit events and each record type as tables, every value escaped) while the bundle
 * still verifies offline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../../src-shared/contract';
import type { BundleScope } from '../../../../src-shared/domain/evidence/bundle-scope';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../../testing/db';
import { seedGrid } from '../../../testing/grid';
import { call, coreOn, DIRECT } from '../../../testing/harness';
import { needKeychain } from '../../../testing/keychain-gate';
import { CheckpointStore, checkpointKeyAccount } from '../../audit/anchor';
import { systemRecorder } from '../../org';
import { builtinRunbooks } from '../../runbooks/builtin';
import { ensureRunbooks } from '../../runbooks/edit';
import { DIGEST_ROWS } from './digest';
import { verifyBundle } from './verify';

const ok = await needKeychain();
const TITLE = 'Ingress <script>alert(1)</script> & "lost"';

describe.skipIf(!ok)('what a bundle holds for an auditor to read', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Awaited<ReturnType<typeof coreOn>>;
  let incidentId: string;
  let incidentNumber: number;
  let grid: Awaited<ReturnType<typeof seedGrid>>;
  let pilotId: string;
  let drillId: string;
  const secrets: string[] = [];
  let prefixes: { live: string; revoked: string };
  const dir = mkdtempSync(join(tmpdir(), 'mc-report-'));
  const unzip = (file: string) => {
    const to = mkdtempSync(join(dir, 'x-'));
    execFileSync('unzip', ['-q', file, '-d', to]);
    return to;
  };
  const lines = (root: string, file: string) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const exportScope = async (scope: BundleScope) => (await call<Response<'bundles.export'>>(admin, 'bundles.export', { exportId: randomUUID(), scope })).path;
  const day = () => ({ kind: 'period' as const, from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'report-content');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    const customerId = (await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme Health', tier: 'enterprise', homeCorridorId: grid.corridorId })).customer.id;
    const live = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'live', label: 'prod' });
    const gone = await call<Response<'customerKeys.issue'>>(admin, 'customerKeys.issue', { customerId, mode: 'test', label: 'ci' });
    secrets.push(live.secret, gone.secret);
    await call(admin, 'customerKeys.revoke', { keyId: gone.key.id, reason: 'Left in a public CI log' });
    prefixes = { live: live.key.prefix, revoked: gone.key.prefix };

    const { incident } = await call<Response<'incidents.create'>>(admin, 'incidents.create', { title: TITLE, severity: 'high' });
    incidentId = incident.id;
    incidentNumber = incident.number;
    const session = admin.db.session!;
    await admin.db.tx(session, (sql) => ensureRunbooks(sql, systemRecorder(sql, session, 'Mission Control'), builtinRunbooks()));
    const runbookId = (await call<Response<'runbooks.list'>>(admin, 'runbooks.list', {})).runbooks.find((r) => r.key === 'system-down')!.id;
    const run = (await call<Response<'runbooks.follow'>>(admin, 'runbooks.follow', { incidentId, runbookId })).run;
    await call(admin, 'runbooks.recordStep', { runId: run.id, stepId: 'check-status', outcome: 'skipped', reason: 'Status page is itself down' });
    // A backup and its restore drill, as Backups records them (seeded: taking one needs pg_dump).
    await asOwner(db, org.orgId, async (c) => {
      const seq = `(SELECT max(seq) FROM mc.audit_events WHERE org_id = $1)`;
      const b = await c.query<{ id: string }>(
        `INSERT INTO mc.backups (org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq)
         VALUES ($1, 'pg_dump_custom', 'pg_dump 15', '/backups/a.dump', 10, repeat('b', 64), 'PostgreSQL 15', '0060', '[]', 0, 'manual', 5, ${seq}) RETURNING id`,
        [org.orgId],
      );
      const e = await c.query<{ id: string }>(`INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, outcome, audit_seq) VALUES ($1, 'restore_drill', 'Drill', 'org', 'passed', ${seq}) RETURNING id`, [org.orgId]);
      await c.query(
        `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq)
         VALUES ($1, $2, true, true, true, 'The chain verifies against 2 checkpoints', '[]', 'embedded', now(), 4200, $3, ${seq})`,
        [org.orgId, b.rows[0]!.id, e.rows[0]!.id],
      );
    });
    // A pilot and a planned drill, as Readiness and Drills store them (their flows are tested there).
    await asOwner(db, org.orgId, async (c) => {
      pilotId = (await c.query<{ id: string }>(`INSERT INTO mc.pilots (org_id, customer_name, tier, corridor_id) VALUES ($1, 'Acme Health', 'enterprise', $2) RETURNING id`, [org.orgId, grid.corridorId])).rows[0]!.id;
      const policyId = (await c.query<{ id: string }>(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'ent', 'Enterprise', 99.9, 2000, 15, 'same_corridor') RETURNING id`, [org.orgId])).rows[0]!.id;
      drillId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.drills (org_id, hypothesis, scope_kind, scope_target, scope_name, sla_policy_id) VALUES ($1, $2, 'site', $3, 'Site FRA-01', $4) RETURNING id`,
          [org.orgId, 'Traffic  stays in the EU\nwhen a site is drained.', grid.siteId, policyId],
        )
      ).rows[0]!.id;
    });
    // More timeline entries than the report shows, so it must say how many it left to the file.
    for (let i = 0; i < DIGEST_ROWS + 5; i++) await call(admin, 'incidents.addNote', { incidentId, body: `note ${i}` });
  }, 180_000);

  afterAll(async () => {
    if (admin) await admin.vault.delete(checkpointKeyAccount(new CheckpointStore(admin.dataDir).dir, org.orgId)).catch(() => false);
    await admin?.cleanup();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the customer API-key records with no secret and no hash anywhere in the bundle', async () => {
    const path = await exportScope(day());
    expect((await verifyBundle(path)).ok).toBe(true);
    const x = unzip(path);
    const keys = lines(x, 'records/customer-keys.jsonl');
    expect(keys.map((k) => k.prefix).sort()).toEqual([prefixes.live, prefixes.revoked].sort());
    expect(keys.find((k) => k.prefix === prefixes.revoked)).toMatchObject({ revoke_reason: 'Left in a public CI log', revoked_at: expect.any(String) });
    for (const k of keys) expect(k).not.toHaveProperty('key_hash');
    // No file of the bundle holds either secret (the report and README included).
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(x)) {
      const text = readFileSync(f, 'latin1');
      for (const s of secrets) expect(text.includes(s), `${f} holds a customer key's secret`).toBe(false);
    }
    expect(lines(x, 'records/backups.jsonl').map((b) => b.sha256)).toEqual(['b'.repeat(64)]);
    expect(lines(x, 'records/restore-drills.jsonl')).toEqual([expect.objectContaining({ ok: true, duration_ms: 4200 })]);
    const report = readFileSync(join(x, 'report.html'), 'utf8');
    expect(report).toContain('The chain verifies against 2 checkpoints');
    expect(report).toContain('Customer API keys (no secret, no hash)');
    expect(report).toContain(`${prefixes.revoked}…`);
    expect(report).toContain('Left in a public CI log');
  });

  it('an incident’s bundle holds the runbook followed and its steps, and its report names the incident in words, escaped', async () => {
    const path = await exportScope({ kind: 'incident', incidentId });
    expect((await verifyBundle(path)).ok).toBe(true);
    const x = unzip(path);
    const runs = lines(x, 'records/runbook-runs.jsonl');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ incident_id: incidentId, version: 1 });
    expect(lines(x, 'records/runbook-steps.jsonl')).toEqual([expect.objectContaining({ run_id: runs[0]!.id, step_id: 'check-status', outcome: 'skipped', reason: 'Status page is itself down' })]);
    const report = readFileSync(join(x, 'report.html'), 'utf8');
    const readme = readFileSync(join(x, 'README.txt'), 'utf8');
    const named = `Incident INC-${incidentNumber}: ${TITLE}`;
    expect(readme).toContain(named);
    // In the report, every value is escaped: the title's markup is text, never an element.
    expect(report).toContain(`Incident INC-${incidentNumber}: Ingress &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;lost&quot;`);
    expect(report).not.toContain('<script>alert(1)');
    expect(report).toContain('Runbook steps recorded');
    expect(report).toContain('Status page is itself down');
  });

  it('shows the oldest rows up to its limit and says how many more the file holds', async () => {
    const x = unzip(await exportScope({ kind: 'incident', incidentId }));
    const report = readFileSync(join(x, 'report.html'), 'utf8');
    const events = lines(x, 'records/audit-events.jsonl').length;
    const timeline = lines(x, 'records/incident-events.jsonl');
    expect(timeline.length).toBeGreaterThan(DIGEST_ROWS);
    expect(report).toContain(`${events} audit events, by action:`);
    expect(report).toContain(`The oldest ${DIGEST_ROWS} of ${timeline.length} are shown; every one is in <code>records/incident-events.jsonl</code>`);
    // The oldest entries in time order (the file is in id order): the opening first, the last notes left out.
    const from = report.indexOf('<h2>Incident timeline</h2>');
    const section = report.slice(from, report.indexOf('<h2>', from + 1));
    expect(section.indexOf('>opened<')).toBeGreaterThan(0);
    expect(section.indexOf('>opened<')).toBeLessThan(section.indexOf('>note 0<'));
    expect(section).toContain('>note 3<');
    expect(section).not.toContain(`>note ${DIGEST_ROWS + 4}<`);
  });

  it('names every scope from its own record, once, in the same words in the manifest, README, report and the opened bundle; a missing record is refused', async () => {
    /** Open a bundle in the app, through the contract, as "Open evidence bundle" does. */
    const opened = async (file: string) => {
      const bytes = readFileSync(file);
      const uploadId = randomUUID();
      for (let off = 0; off < bytes.length; off += 96 * 1024) await call(admin, 'bundles.openChunk', { uploadId, offset: off, data: bytes.subarray(off, off + 96 * 1024).toString('base64') });
      return call<Response<'bundles.open'>>(admin, 'bundles.open', { uploadId });
    };
    const period = day();
    const cases: [BundleScope, string, string][] = [
      [{ kind: 'incident', incidentId }, `INC-${incidentNumber}: ${TITLE}`, `Incident INC-${incidentNumber}: ${TITLE}`],
      [{ kind: 'pilot', pilotId }, 'Acme Health (enterprise tier)', 'Customer pilot Acme Health (enterprise tier)'],
      [{ kind: 'drill', drillId }, 'Site FRA-01 — “Traffic stays in the EU when a site is drained.”', 'Failover drill: Site FRA-01 — “Traffic stays in the EU when a site is drained.”'],
      [{ kind: 'corridor', corridorId: grid.corridorId }, 'EU', 'Corridor EU'],
      [period, 'Org report-content', `The whole org (Org report-content), ${period.from} to ${period.to} (end excluded)`],
    ];
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    let folder = '';
    for (const [scope, name, title] of cases) {
      const path = await exportScope(scope);
      folder = dirname(path);
      const x = unzip(path);
      const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as { scope: BundleScope };
      expect(manifest.scope, scope.kind).toEqual({ ...scope, name });
      const readme = readFileSync(join(x, 'README.txt'), 'utf8');
      expect(readme, scope.kind).toContain(`Scope:     ${title}\n`);
      // Named once (a period is named by its org, which the Org line names too).
      const once = scope.kind === 'period' ? title : name;
      expect(readme.split(once).length - 1, `${scope.kind}: README names it once`).toBe(1);
      const report = readFileSync(join(x, 'report.html'), 'utf8');
      expect(report, scope.kind).toContain(`<title>Evidence bundle: ${esc(title)}</title>`);
      expect(report, scope.kind).toContain(`<span data-testid="scope">${esc(title)}</span>`);
      // Named once on the page: the header, before any table of records (the title bar and the
      // manifest riding along as data are not text an auditor reads twice).
      const page = report.slice(report.indexOf('<body>'), report.indexOf('<h2>'));
      expect(page.split(esc(once)).length - 1, `${scope.kind}: the report names it once`).toBe(1);
      const open = await opened(path);
      expect(open.ok, scope.kind).toBe(true);
      expect(open.manifest?.scope, scope.kind).toBe(title);
    }
    // A scope whose record this org does not have is refused as before, and no bundle is written.
    const missing = '6f1c3a52-0000-4000-8000-000000000000';
    const before = readdirSync(folder).sort();
    for (const [scope, what] of [
      [{ kind: 'incident', incidentId: missing }, 'incident'],
      [{ kind: 'pilot', pilotId: missing }, 'customer pilot'],
      [{ kind: 'drill', drillId: missing }, 'failover drill'],
      [{ kind: 'corridor', corridorId: missing }, 'corridor'],
    ] as const) {
      const refused = await admin.router.invoke('bundles.export', { exportId: randomUUID(), scope }, DIRECT);
      expect(refused, scope.kind).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(`This org has no ${what} ${missing}`) } });
    }
    expect(readdirSync(folder).sort()).toEqual(before);
    // A name in the request is never taken: the contract refuses it.
    const forged = await admin.router.invoke('bundles.export', { exportId: randomUUID(), scope: { kind: 'corridor', corridorId: grid.corridorId, name: 'Anything' } }, DIRECT);
    expect(forged).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  }, 180_000);
});
