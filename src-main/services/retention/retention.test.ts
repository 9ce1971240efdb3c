import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { keepText, RETENTION_CLASSES, UPKEEP_EVERY_MS } from '../../../src-shared/domain/retention';
import { LOG_ROTATION } from '../../core/log';
import { runUpkeep } from '../../core/maintenance-job';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ROOT = join(__dirname, '..', '..', '..');
const DEFAULTS = { telemetry_retention_days: 30, rollup_retention_days: 400, ingest_batch_window_hours: 48 };

describe('the retention matrix as written', () => {
  it('docs/retention.md lists every class with the period and removal the app enforces', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'retention.md'), 'utf8');
    const rows = new Map(
      doc
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| Data class') && !l.startsWith('| ---'))
        .map((l) => l.split('|').map((c) => c.trim()))
        .map((c) => [c[1] as string, { kept: c[3] as string, how: c[4] as string }]),
    );
    expect([...rows.keys()]).toEqual(RETENTION_CLASSES.map((c) => c.label));
    for (const c of RETENTION_CLASSES) {
      const row = rows.get(c.label)!;
      // The period: the setting by name with its default, or the same words the app shows.
      if (c.keep.kind === 'days' || c.keep.kind === 'hours') expect(row.kept).toBe(`\`${c.keep.setting}\` (default ${keepText(c.keep, DEFAULTS).replace(/ \(.*\)$/, '')})`);
      else expect(row.kept).toBe(keepText(c.keep, DEFAULTS));
      expect(row.how.toLowerCase()).toContain(c.how.split(/[;:]/)[0]!.toLowerCase().replace(/’/g, "'").slice(0, 20));
    }
  });

  it('the log files class is the logger’s own rotation', () => {
    const logs = RETENTION_CLASSES.find((c) => c.key === 'app_logs')!.keep;
    expect(logs).toEqual({ kind: 'files', size: LOG_ROTATION.size, count: LOG_ROTATION.keep });
  });
});

const ok = await needKeychain();

describe.skipIf(!ok)('retention purges exactly what the matrix says', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Awaited<ReturnType<typeof coreOn>>;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'retention');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    // The core runs its own upkeep on connect: wait until it has recorded its run, so that it
    // cannot purge the rows a test seeds while it is still going.
    for (let i = 0; ; i++) {
      const ran = await asOwner(db, null, async (c) => (await c.query(`SELECT 1 FROM mc.platform_settings WHERE key = 'last_upkeep_at'`)).rowCount);
      if (ran) break;
      if (i > 600) throw new Error('the core’s connect-time upkeep did not record a run within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await admin?.cleanup();
    await db?.drop();
  });

  /** Rows just past and just inside each period the upkeep enforces (days before now). */
  async function seed() {
    await asOwner(db, org.orgId, async (c) => {
      const rule = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, severity, scope_kind) VALUES ($1, 'Hot GPUs', 'gpu_temp_c', 'max', '>', 85, 60, 'warning', 'all') RETURNING id`,
          [org.orgId],
        )
      ).rows[0]!.id;
      for (const days of [31, 29]) {
        await c.query(`INSERT INTO mc.alert_events (org_id, rule_id, subject_key, from_state, to_state, reason, at) VALUES ($1, $2, 'all', 'ok', 'firing', $3, now() - make_interval(days => $4))`, [org.orgId, rule, `aged ${days}`, days]);
      }
      for (const days of [401, 399]) {
        await c.query(`INSERT INTO mc.corridor_minutes (org_id, corridor_id, minute, nodes_reporting) VALUES ($1, $2, date_trunc('minute', now()) - make_interval(days => $3), 1)`, [org.orgId, grid.corridorId, days]);
        await c.query(`INSERT INTO mc.telemetry_rollups_1m (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts) VALUES ($1, $2, 1, date_trunc('minute', now()) - make_interval(days => $3), 1, 1, 1, 1, 1, now() - make_interval(days => $3))`, [org.orgId, grid.nodeId, days]);
      }
      for (const hours of [49, 47]) {
        await c.query(`INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples, received_at) VALUES ($1, $2, gen_random_uuid(), gen_random_uuid(), 1, now() - make_interval(hours => $3))`, [org.orgId, grid.nodeId, hours]);
      }
      // The gateway's limit counters (0046): minute windows a day, quota months 400 days, admissions 10 minutes after settling.
      const customer = (
        await c.query<{ id: string }>(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'acme', 'Acme', 'enterprise', $2) RETURNING id`, [org.orgId, grid.corridorId])
      ).rows[0]!.id;
      for (const hours of [25, 23]) {
        await c.query(`INSERT INTO mc.limit_minutes (org_id, customer_id, minute, requests) VALUES ($1, $2, date_trunc('minute', now()) - make_interval(hours => $3), 1)`, [org.orgId, customer, hours]);
        await c.query(`INSERT INTO mc.limit_org_minutes (org_id, minute, requests) VALUES ($1, date_trunc('minute', now()) - make_interval(hours => $2), 1)`, [org.orgId, hours]);
      }
      for (const days of [430, 0]) {
        await c.query(`INSERT INTO mc.limit_months (org_id, customer_id, month, tokens) VALUES ($1, $2, date_trunc('month', (now() AT TIME ZONE 'UTC') - make_interval(days => $3))::date, 1)`, [org.orgId, customer, days]);
      }
      // The gateway's idempotency records (0045): a day.
      for (const hours of [25, 23]) {
        await c.query(`INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id, created_at) VALUES ($1, $2, $3, sha256('x'::bytea), $4, now() - make_interval(hours => $5))`, [
          org.orgId,
          customer,
          `key-${hours}h`,
          `req_idem_${hours}h`,
          hours,
        ]);
      }
      for (const mins of [11, 9]) {
        await c.query(
          `INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, admitted_at, minute, estimated_tokens, settled_at, tokens)
           VALUES ($1, $2, $3, now() - make_interval(mins => $4 + 1), date_trunc('minute', now()), 1, now() - make_interval(mins => $4), 1)`,
          [org.orgId, `req_settled_${mins}m`, customer, mins],
        );
      }
    });
  }

  const counts = () =>
    asOwner(db, org.orgId, async (c) =>
      (
        await c.query(
          `SELECT (SELECT array_agg(reason ORDER BY reason) FROM mc.alert_events WHERE org_id = $1) AS alerts,
                  (SELECT count(*)::int FROM mc.corridor_minutes WHERE org_id = $1) AS minutes,
                  (SELECT count(*)::int FROM mc.telemetry_rollups_1m WHERE org_id = $1) AS rollups,
                  (SELECT count(*)::int FROM mc.ingest_batches WHERE org_id = $1) AS batches,
                  (SELECT count(*)::int FROM mc.audit_events WHERE org_id = $1) AS audit,
                  (SELECT count(*)::int FROM mc.limit_minutes WHERE org_id = $1) + (SELECT count(*)::int FROM mc.limit_org_minutes WHERE org_id = $1) AS limit_windows,
                  (SELECT count(*)::int FROM mc.limit_months WHERE org_id = $1) AS limit_months,
                  (SELECT array_agg(request_id) FROM mc.limit_admissions WHERE org_id = $1) AS admissions,
                  (SELECT array_agg(idem_key ORDER BY idem_key) FROM mc.idempotency_keys WHERE org_id = $1) AS idempotency`,
          [org.orgId],
        )
      ).rows[0] as { alerts: string[]; minutes: number; rollups: number; batches: number; audit: number; limit_windows: number; limit_months: number; admissions: string[]; idempotency: string[] },
    );

  it('an upkeep removes exactly the aged rows of each class it enforces, keeps the ones inside their period, and leaves audit events alone', async () => {
    let m = await call<Response<'retention.matrix'>>(admin, 'retention.matrix', {});
    expect(m.rows.map((r) => r.key)).toEqual(RETENTION_CLASSES.map((c) => c.key));
    expect(m.rows.find((r) => r.key === 'telemetry_samples')).toMatchObject({ keep: '30 days (telemetry_retention_days)', keepMs: 30 * 86_400_000, upkeep: true });
    expect(m.rows.find((r) => r.key === 'audit_events')).toMatchObject({ keep: 'kept for good', keepMs: null, upkeep: false, nextPurgeAt: null });

    await seed();
    const before = await counts();
    expect(before).toMatchObject({ alerts: ['aged 29', 'aged 31'], minutes: 2, rollups: 2, batches: 2, limit_windows: 4, limit_months: 2, idempotency: ['key-23h', 'key-25h'] });
    expect(before.admissions.sort()).toEqual(['req_settled_11m', 'req_settled_9m']);
    m = await call<Response<'retention.matrix'>>(admin, 'retention.matrix', {});
    const oldestAlert = m.rows.find((r) => r.key === 'alert_transitions')!.oldestAt!;
    expect(Date.now() - Date.parse(oldestAlert)).toBeGreaterThan(30 * 86_400_000);

    const t0 = Date.now();
    await admin.db.systemTx((sql) => runUpkeep(sql));
    const after = await counts();
    expect(after).toEqual({ alerts: ['aged 29'], minutes: 1, rollups: 1, batches: 1, audit: before.audit, limit_windows: 2, limit_months: 1, admissions: ['req_settled_9m'], idempotency: ['key-23h'] });

    m = await call<Response<'retention.matrix'>>(admin, 'retention.matrix', {});
    expect(Date.parse(m.lastUpkeepAt!)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(Date.parse(m.nextUpkeepAt!) - Date.parse(m.lastUpkeepAt!)).toBe(UPKEEP_EVERY_MS);
    for (const r of m.rows.filter((x) => x.upkeep)) {
      expect(r.nextPurgeAt).toBe(m.nextUpkeepAt);
      // Every class's oldest record is inside its period now (partitions: day-aligned, a day of slack).
      if (r.oldestAt && r.keepMs) expect(Date.now() - Date.parse(r.oldestAt)).toBeLessThanOrEqual(r.keepMs + 86_400_000);
    }
  });

  it('two instances running the upkeep at once both succeed, creating a missing day partition once', async () => {
    const day = (await asOwner(db, null, async (c) => (await c.query<{ d: string }>(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + 7, 'YYYYMMDD') AS d`)).rows[0]!.d));
    await asOwner(db, null, async (c) => {
      await c.query(`DROP TABLE IF EXISTS mc_telemetry.telemetry_${day}`);
      await c.query(`DROP TABLE IF EXISTS mc_routing.routing_decisions_${day}`);
    });
    // Two instances' upkeep at once, made certain: a third instance holds the day's lock while both
    // find the table missing and queue for the lock, then creates the table and lets them go.
    const third = await db.owner();
    const lockKey = `mc_telemetry.telemetry_${day}`;
    try {
      await third.query('BEGIN');
      await third.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      const runs = Promise.all([admin.db.systemTx((sql) => runUpkeep(sql)), admin.db.systemTx((sql) => runUpkeep(sql))]);
      for (let i = 0; i < 100; i++) {
        const waiting = (await asOwner(db, null, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0]!.n));
        if (waiting >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await third.query(`CREATE TABLE mc_telemetry.telemetry_${day} (LIKE mc.telemetry INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await third.query(
        `ALTER TABLE mc.telemetry ATTACH PARTITION mc_telemetry.telemetry_${day} FOR VALUES FROM ((now() AT TIME ZONE 'UTC')::date + 7) TO ((now() AT TIME ZONE 'UTC')::date + 8)`,
      );
      await third.query('COMMIT');
      const done = await runs;
      expect(done.map((r) => r.partitions_created)).toEqual([0, 0]);
      // The routing partition nobody held: created once, by one of them.
      expect(done.map((r) => r.routing_partitions_created).sort()).toEqual([0, 1]);
    } finally {
      await third.end();
    }
    const there = await asOwner(db, null, async (c) => (await c.query(`SELECT to_regclass('mc_telemetry.telemetry_${day}') IS NOT NULL AS t, to_regclass('mc_routing.routing_decisions_${day}') IS NOT NULL AS r`)).rows[0]);
    expect(there).toEqual({ t: true, r: true });
  });

  it('another org’s admin sees its own oldest records only, and the app cannot call the upkeep record for itself', async () => {
    const other = await createOrg(db, 'retention-other');
    const core = await coreOn(db, other.admin.email);
    try {
      const m = await call<Response<'retention.matrix'>>(core, 'retention.matrix', {});
      expect(m.rows.find((r) => r.key === 'alert_transitions')!.oldestAt).toBeNull();
    } finally {
      await core.cleanup();
    }
    // The app role may run the upkeep record, but cannot write the settings it records beside.
    await expect(admin.db.systemTx((sql) => sql.query(`UPDATE mc.platform_settings SET value = '1' WHERE key = 'telemetry_retention_days'`))).rejects.toThrow(/permission denied/);
  });
});
