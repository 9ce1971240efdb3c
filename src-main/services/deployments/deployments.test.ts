import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { DeploymentRun } from '../../../src-shared/contract/deployments';
import { sqlDir } from '../../core/paths';
import { applyMigrations, loadMigrations } from '../../db';
import { asOwner, createDatabase, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { appendAudit } from '../audit';
import { advanceRun } from './runs';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const T0 = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 6 * 3600_000);
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe.skipIf(!ok)('deployment runs and canary releases', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;
  const stages = [
    { percent: 10, windowMinutes: 15 },
    { percent: 50, windowMinutes: 30 },
    { percent: 100, windowMinutes: 60 },
  ];

  /** The canary clock, driven by the test: the service's `now`. */
  const advance = (id: string, when: Date) =>
    admin.db.tx(admin.db.session!, (sql) =>
      advanceRun(sql, id, admin.db.session!.operatorId, when, (d) => appendAudit(sql, admin.db.session!, d, { reason: null, requestId: null })),
    );
  const create = (over: Record<string, unknown> = {}) =>
    call<Response<'deployments.create'>>(admin, 'deployments.create', { releaseName: 'Spring release', environment: 'production', corridorId: grid.corridorId, canaryStages: stages, ...over });
  /** Start the run, then put its stage clock at T0 so the test owns the clock. */
  const startAtT0 = async (id: string) => {
    await call(admin, 'deployments.start', { id });
    await asOwner(db, org.orgId, (c) => c.query('UPDATE mc.deployment_runs SET stage_started_at = $2, started_at = $2 WHERE id = $1', [id, T0.toISOString()]));
  };
  const fireAlert = async (severity: 'critical' | 'warning', minute: number) =>
    asOwner(db, org.orgId, async (c) => {
      const rule = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, severity, scope_kind, scope_id)
           VALUES ($1, $2, 'p95_latency_ms', 'p95', '>', 1000, 60, $3, 'corridor', $4) RETURNING id`,
          [org.orgId, `Latency ${severity} ${minute}`, severity, grid.corridorId],
        )
      ).rows[0]!.id;
      await c.query(`INSERT INTO mc.alert_events (org_id, rule_id, subject_key, from_state, to_state, reason, at) VALUES ($1, $2, $3, 'pending', 'firing', 'test', $4)`, [
        org.orgId,
        rule,
        `corridor:${grid.corridorId}`,
        at(minute).toISOString(),
      ]);
    });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'deploy');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await auditor?.cleanup();
    await db?.drop();
  });

  it('promotes a canary stage by stage after quiet windows, raising info alerts, and succeeds at 100%', async () => {
    const { run } = await create();
    expect(run).toMatchObject({ status: 'planned', canaryPercent: null, evidence: null });
    await startAtT0(run.id);
    expect((await advance(run.id, at(10))).decision).toBe('wait');
    const p1 = await advance(run.id, at(15));
    expect(p1).toMatchObject({ decision: 'promote', run: { status: 'canary', canaryPercent: 50 } });
    expect((await advance(run.id, at(45))).run.canaryPercent).toBe(100);
    const done = await advance(run.id, at(105));
    expect(done).toMatchObject({ decision: 'succeed', run: { status: 'succeeded' } });
    const list = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    const mine = list.events.filter((e) => e.subjectId === run.id).map((e) => e.kind);
    expect(mine.sort()).toEqual(['canary.promoted', 'canary.promoted', 'deploy.finished', 'deploy.started']);
    const audit = await admin.db.tx(admin.db.session!, (sql) => sql.query<{ action: string }>(`SELECT action FROM mc.audit_events WHERE target_id = $1 ORDER BY seq`, [run.id]));
    expect(audit.map((a) => a.action)).toEqual(['deployments.create', 'deployments.start', 'deployments.canary.promote', 'deployments.canary.promote', 'deployments.canary.succeed']);
  });

  it('holds on a warning in the window and aborts on a critical alert, marking the run for rollback', async () => {
    const { run } = await create({ releaseName: 'Risky release' });
    await startAtT0(run.id);
    await fireAlert('warning', 5);
    const held = await advance(run.id, at(15));
    expect(held).toMatchObject({ decision: 'hold', run: { status: 'canary', canaryPercent: 10, stageStartedAt: at(15).toISOString() } });
    await fireAlert('critical', 20);
    const aborted = await advance(run.id, at(30));
    expect(aborted).toMatchObject({ decision: 'abort', run: { status: 'failed', rollbackRequired: true, canaryPercent: 10 } });
    expect(aborted.run.failureReason).toMatch(/Latency critical/);
    // Aborted is final for the canary: advancing again is refused and changes nothing.
    await expect(advance(run.id, at(200))).rejects.toMatchObject({ code: 'CONFLICT' });
    const rolled = await call<Response<'deployments.finish'>>(admin, 'deployments.finish', { id: run.id, outcome: 'rolled_back', reason: 'Latency regression' });
    expect(rolled.run).toMatchObject({ status: 'rolled_back', rollbackRequired: false });
  });

  it('audits a rollback as deployments.rollback (not finish), with what was rolled back and why; refuses a bad one writing nothing', async () => {
    const events = (id: string) =>
      admin.db.tx(admin.db.session!, (sql) => sql.query<{ action: string; data: Record<string, unknown> }>(`SELECT action, data FROM mc.audit_events WHERE target_id = $1 ORDER BY seq`, [id]));
    // In staging: the DORA test below counts this corridor's production runs.
    const { run } = await create({ releaseName: 'Autumn release', environment: 'staging', rollbackPlan: 'Pin the previous image tag and redeploy.' });
    // Bad input first: a planned run cannot be rolled back; a started one needs a reason; an auditor may not.
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'rolled_back', reason: 'Too early' })).toMatchObject({ code: 'CONFLICT' });
    await startAtT0(run.id);
    const started = await events(run.id);
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'rolled_back' })).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Required.' } });
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'rolled_back', reason: '   ' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'undone', reason: 'Bad outcome' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(auditor, 'deployments.finish', { id: run.id, outcome: 'rolled_back', reason: 'Not mine to do' })).toMatchObject({ code: 'FORBIDDEN' });
    // Nothing written: no audit event, and the run is still a canary at 10%.
    expect(await events(run.id)).toEqual(started);
    const still = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).runs.find((r) => r.id === run.id)!;
    expect(still).toMatchObject({ status: 'canary', canaryPercent: 10, finishedAt: null });

    await call(admin, 'deployments.finish', { id: run.id, outcome: 'rolled_back', reason: 'Error rate doubled in the canary' });
    const after = await events(run.id);
    expect(after.map((e) => e.action)).toEqual(['deployments.create', 'deployments.start', 'deployments.rollback']);
    expect(after.at(-1)!.data).toMatchObject({
      reason: 'Error rate doubled in the canary',
      rolledBack: {
        releaseName: 'Autumn release',
        environment: 'staging',
        corridorId: grid.corridorId,
        fromStatus: 'canary',
        canaryPercent: 10,
        rollbackPlan: 'Pin the previous image tag and redeploy.',
      },
      before: { status: 'canary' },
      after: { status: 'rolled_back' },
    });

    // A plain failure is still a finish.
    const { run: other } = await create({ releaseName: 'Winter release', environment: 'staging', canaryStages: [] });
    await call(admin, 'deployments.start', { id: other.id });
    await call(admin, 'deployments.finish', { id: other.id, outcome: 'failed', reason: 'Smoke test failed' });
    expect((await events(other.id)).map((e) => e.action)).toEqual(['deployments.create', 'deployments.start', 'deployments.finish']);
  });

  it('refuses bad plans and bad transitions, and auditors, changing nothing', async () => {
    const count = async () => (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).runs.length;
    const before = await count();
    expect(await refused(admin, 'deployments.create', { releaseName: 'x', environment: 'production' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'deployments.create', { releaseName: 'Bad', environment: 'production', canaryStages: [{ percent: 50, windowMinutes: 5 }, { percent: 10, windowMinutes: 5 }] })).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/more traffic/),
    });
    expect(await refused(admin, 'deployments.create', { releaseName: 'Bad', environment: 'moon' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(auditor, 'deployments.create', { releaseName: 'Nope', environment: 'staging' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count()).toBe(before);
    const { run } = await create({ releaseName: 'Plain', canaryStages: [] });
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'succeeded' })).toMatchObject({ code: 'CONFLICT' });
    await call(admin, 'deployments.start', { id: run.id });
    expect(await refused(admin, 'deployments.finish', { id: run.id, outcome: 'failed' })).toMatchObject({ code: 'VALIDATION' });
  });

  it('targets a corridor’s sites and a runtime group; a site of another corridor is refused by name, changing nothing', async () => {
    const other = await asOwner(db, org.orgId, async (c) => {
      const corridor = (await c.query<{ id: string }>(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries) VALUES ($1, 'apac-t', 'APAC', 'apac', '{SG}', '{}') RETURNING id`, [org.orgId])).rows[0]!.id;
      return (await c.query<{ id: string }>(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'sin-t', 'SIN-T', 'colocation', 'SG', 1.3, 103.8, 'Demo Owner') RETURNING id`, [org.orgId, corridor])).rows[0]!.id;
    });
    const count = async () => (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).runs.length;
    const before = await count();
    expect(await refused(admin, 'deployments.create', { releaseName: 'Mixed target', environment: 'staging', corridorId: grid.corridorId, siteIds: [grid.siteId, other] })).toMatchObject({
      code: 'VALIDATION',
      message: 'SIN-T is not in the target corridor: choose its sites, or no corridor.',
    });
    expect(await count()).toBe(before);
    const { run } = await create({ releaseName: 'FRA vLLM only', canaryStages: [], siteIds: [grid.siteId], runtimeGroup: 'vllm' });
    expect(run).toMatchObject({ corridorId: grid.corridorId, corridorName: 'EU', siteIds: [grid.siteId], runtimeGroup: 'vllm' });
  });

  it('lists started runs without evidence until evidence with its sha256 is attached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-evidence-'));
    try {
      const file = join(dir, 'change-record.txt');
      writeFileSync(file, 'change approved by CAB 2026-03-01');
      const sha = createHash('sha256').update('change approved by CAB 2026-03-01').digest('hex');
      const { run } = await create({ releaseName: 'Evidence release', canaryStages: [] });
      await call(admin, 'deployments.start', { id: run.id });
      const listed = async () => (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).withoutEvidence.some((w) => w.id === run.id);
      expect(await listed()).toBe(true);
      // A sha256 that is not the file's is refused.
      expect(await refused(admin, 'deployments.attachEvidence', { id: run.id, uri: pathToFileURL(file).href, sha256: 'a'.repeat(64) })).toMatchObject({ code: 'VALIDATION' });
      // A remote URI needs the operator's sha256.
      expect(await refused(admin, 'deployments.attachEvidence', { id: run.id, uri: 'https://change.example.test/CR-1' })).toMatchObject({ code: 'VALIDATION' });
      expect(await listed()).toBe(true);
      const { run: withEvidence } = await call<{ run: DeploymentRun }>(admin, 'deployments.attachEvidence', { id: run.id, uri: pathToFileURL(file).href });
      expect(withEvidence.evidence).toMatchObject({ sha256: sha, by: { name: org.admin.name } });
      expect(await listed()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes DORA figures from the records', async () => {
    const list = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    const prod = list.dora.find((d) => d.environment === 'production' && d.corridorId === grid.corridorId);
    // Succeeded: the canary; failed: the aborted one (rolled back later).
    expect(prod).toMatchObject({ deployments: 1, changeFailureRate: 0.5, corridorName: expect.any(String) });
  });
});

describe('the legacy deployment_runs.version fix', () => {
  it('makes an old install’s NOT NULL / CHECK on version harmless for new inserts', async () => {
    const db = await createDatabase(testServers()[0]!);
    try {
      const c = await db.owner();
      try {
        // The shape older installs created: version required and checked.
        await c.query(`CREATE TABLE public.deployment_runs (id serial PRIMARY KEY, release_name text, version text NOT NULL CHECK (version ~ '^v[0-9]'))`);
        const before = await c.query(`INSERT INTO public.deployment_runs (release_name) VALUES ('Spring')`).catch((e: { code?: string }) => e);
        expect(before).toMatchObject({ code: '23502' });
        await c.query(`INSERT INTO public.deployment_runs (release_name, version) VALUES ('Old', 'v1')`);
        await applyMigrations(c, loadMigrations(sqlDir()));
        await c.query(`INSERT INTO public.deployment_runs (release_name) VALUES ('Spring'), ('Summer')`);
        await c.query(`INSERT INTO public.deployment_runs (release_name, version) VALUES ('Any label', 'not-a-v')`);
        const rows = await c.query(`SELECT release_name, version FROM public.deployment_runs ORDER BY id`);
        expect(rows.rows).toEqual([
          { release_name: 'Old', version: 'v1' },
          { release_name: 'Spring', version: null },
          { release_name: 'Summer', version: null },
          { release_name: 'Any label', version: 'not-a-v' },
        ]);
      } finally {
        await c.end();
      }
    } finally {
      await db.drop();
    }
  });
});
