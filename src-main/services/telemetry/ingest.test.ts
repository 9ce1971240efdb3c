import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_LIMITS, METRICS } from '../../../src-shared/domain/metrics';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { ingestPool, samplesNow, seedGrid, seedKey, type TestGrid } from '../../testing/grid';
import { generateNodeKey } from '../keys';
import { type Batch, sendBatch } from './ingest';

describe.each(testServers().map((s) => [s.label, s] as const))('authenticated telemetry ingest on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let pool: pg.Pool;
  let key: { id: string; secret: string; prefix: string };

  const send = (b: Partial<Batch> & { samples: Batch['samples'] }) => sendBatch(pool, { key: key.secret, batchId: randomUUID(), agent: 'test agent', ...b });
  const count = async (where = '') =>
    asOwner(db, null, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM mc.telemetry ${where}`)).rows[0]!.n);
  const rejections = async () =>
    asOwner(db, null, async (c) => (await c.query<{ org_id: string | null; key_id: string | null; reason: string; source: string; count: number; last_detail: string | null }>('SELECT org_id, key_id, reason, source, count, last_detail FROM mc.ingest_rejections ORDER BY id')).rows);

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'ingest');
    grid = await seedGrid(db, org);
    key = await seedKey(db, org, grid.nodeId);
    pool = await ingestPool(db);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('keeps the metric catalogue in the database identical to the app’s', async () => {
    const rows = await asOwner(db, null, async (c) => (await c.query('SELECT id, name, label, unit, min, max FROM mc.telemetry_metrics WHERE id < 100 ORDER BY id')).rows);
    expect(rows).toEqual(METRICS.map((m) => ({ id: m.id, name: m.name, label: m.label, unit: m.unit, min: m.min, max: m.max })));
  });

  it('accepts a valid batch from a valid key: samples, rollups, latest figures, key use', async () => {
    const before = await count();
    const now = Date.now();
    const out = await send({
      samples: [
        { ts: new Date(now - 2000), metric: 'gpu_util_pct', value: 40 },
        { ts: new Date(now - 1000), metric: 'gpu_util_pct', value: 60 },
        { ts: new Date(now - 1000), metric: 'p95_latency_ms', value: 420 },
        { ts: new Date(now - 1000), metric: 'error_rate', value: 0.004 },
      ],
    });
    expect(out).toMatchObject({ status: 'accepted', accepted: 4, code: null });
    expect(await count()).toBe(before + 4);
    const latest = await asOwner(db, null, async (c) => (await c.query('SELECT gpu_util_pct, p95_latency_ms, error_rate FROM mc.node_latest WHERE node_id = $1', [grid.nodeId])).rows[0]);
    expect(latest).toEqual({ gpu_util_pct: 60, p95_latency_ms: 420, error_rate: 0.004 });
    const k = await asOwner(db, null, async (c) => (await c.query('SELECT last_used_at, last_used_source, use_count FROM mc.node_keys WHERE id = $1', [key.id])).rows[0]);
    expect(k.use_count).toBe(1);
    expect(k.last_used_source).toMatch(/^(127\.0\.0\.1|local socket) · agent says: test agent$/);
  });

  it('rolls samples of one minute up: count, sum, min, max and the latest value, across batches', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const at = (s: number) => new Date(minute + s * 1000);
    await send({ samples: [{ ts: at(10), metric: 'tokens_per_s', value: 100 }, { ts: at(50), metric: 'tokens_per_s', value: 300 }] });
    await send({ samples: [{ ts: at(30), metric: 'tokens_per_s', value: 50 }] });
    const r = await asOwner(db, null, async (c) =>
      (await c.query(`SELECT n, sum, min, max, last FROM mc.telemetry_rollups_1m WHERE node_id = $1 AND metric = 6 AND minute = $2`, [grid.nodeId, new Date(minute)])).rows[0],
    );
    // The later batch's sample is older (30 s) than the newest one (50 s): it must not become "last".
    expect(r).toEqual({ n: 3, sum: 450, min: 50, max: 300, last: 300 });
  });

  it('creates a missing day partition on the fly for an older sample within retention (before any batch spans that day)', async () => {
    const day = new Date(Date.now() - 12 * 86_400_000);
    const name = `telemetry_${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
    const exists = async () => asOwner(db, null, async (c) => (await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [`mc_telemetry.${name}`])).rows[0].e);
    expect(await exists()).toBe(false);
    expect((await send({ samples: [{ ts: day, metric: 'gpu_util_pct', value: 10 }] })).status).toBe('accepted');
    expect(await exists()).toBe(true);
  });

  it('does not roll the latest figures back with a late batch', async () => {
    await send({ samples: [{ ts: new Date(Date.now() - 3_600_000), metric: 'gpu_util_pct', value: 5 }] });
    const latest = await asOwner(db, null, async (c) => (await c.query('SELECT gpu_util_pct FROM mc.node_latest WHERE node_id = $1', [grid.nodeId])).rows[0]);
    expect(latest.gpu_util_pct).toBe(60);
  });

  it('stores a re-sent batch once and says it was a duplicate', async () => {
    const batchId = randomUUID();
    const samples = samplesNow(5, 'queue_depth', 12);
    const before = await count();
    expect(await send({ batchId, samples })).toMatchObject({ status: 'accepted', accepted: 5 });
    expect(await send({ batchId, samples })).toMatchObject({ status: 'duplicate', accepted: 5 });
    expect(await count()).toBe(before + 5);
  });

  it('stores concurrent re-sends of one batch exactly once', async () => {
    const batchId = randomUUID();
    const samples = samplesNow(20, 'power_w', 900);
    const before = await count();
    const results = await Promise.all(Array.from({ length: 4 }, () => send({ batchId, samples })));
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate']);
    expect(await count()).toBe(before + 20);
  });

  const invalid: [string, Batch['samples'], RegExp][] = [
    ['an unknown metric', [{ ts: new Date(), metric: 'cpu_pct', value: 1 }], /unknown metric cpu_pct/],
    ['a value above its range', [{ ts: new Date(), metric: 'gpu_util_pct', value: 100.5 }], /gpu_util_pct must be between 0 and 100/],
    ['a value below its range', [{ ts: new Date(), metric: 'error_rate', value: -0.1 }], /error_rate must be between 0 and 1/],
    ['a value that is not a number', [{ ts: new Date(), metric: 'power_w', value: Number.NaN }], /not a number/],
    ['an infinite value', [{ ts: new Date(), metric: 'power_w', value: Number.POSITIVE_INFINITY }], /not a number/],
    ['a timestamp more than 5 minutes ahead', [{ ts: new Date(Date.now() + 6 * 60_000), metric: 'power_w', value: 1 }], /more than 5 minutes in the future/],
    ['a timestamp older than the retention', [{ ts: new Date(Date.now() - 31 * 86_400_000), metric: 'power_w', value: 1 }], /older than the 30-day retention/],
  ];

  it.each(invalid)('refuses %s, naming the sample, and stores nothing of the batch', async (_what, bad, reason) => {
    const before = await count();
    const out = await send({ samples: [...samplesNow(3, 'gpu_temp_c', 60), ...bad, ...samplesNow(2, 'gpu_temp_c', 61)] });
    expect(out).toMatchObject({ status: 'rejected', code: 'sample_invalid' });
    expect(out.errors).toEqual([{ index: 3, reason: expect.stringMatching(reason) }]);
    expect(await count()).toBe(before);
  });

  it('accepts the edges of what is allowed', async () => {
    const out = await send({
      samples: [
        { ts: new Date(Date.now() + 4 * 60_000), metric: 'gpu_util_pct', value: 100 },
        { ts: new Date(Date.now() - 29 * 86_400_000), metric: 'error_rate', value: 0 },
        { ts: new Date(), metric: 'gpu_temp_c', value: -40 },
      ],
    });
    expect(out.status).toBe('accepted');
  });

  it('reports at most 20 problems of a bad batch, in order', async () => {
    const out = await send({ samples: Array.from({ length: 30 }, (_, i) => ({ ts: new Date(), metric: 'gpu_util_pct', value: 200 + i })) });
    expect(out.errors).toHaveLength(20);
    expect(out.errors.map((e) => e.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('refuses batch shapes it cannot trust', async () => {
    const tooMany = samplesNow(INGEST_LIMITS.maxBatchSamples + 1);
    expect(await send({ samples: tooMany })).toMatchObject({ status: 'rejected', code: 'batch_too_large' });
    expect(await send({ samples: [] })).toMatchObject({ status: 'rejected', code: 'batch_invalid' });
    const r = await pool.query('SELECT mc.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[]) AS r', [key.secret, randomUUID(), [new Date()], ['gpu_util_pct', 'power_w'], [1]]);
    expect(r.rows[0].r).toMatchObject({ status: 'rejected', code: 'batch_invalid' });
    const noId = await pool.query('SELECT mc.ingest_telemetry($1, NULL, $2::timestamptz[], $3::text[], $4::float8[]) AS r', [key.secret, [new Date()], ['gpu_util_pct'], [1]]);
    expect(noId.rows[0].r).toMatchObject({ status: 'rejected', code: 'batch_invalid' });
  });

  describe('keys', () => {
    it('refuses something that is not a node key at all', async () => {
      for (const bad of ['', 'hunter2', 'ume_node_short', `ume_node_${'x'.repeat(38)}!`]) {
        expect(await send({ key: bad, samples: samplesNow(1) })).toMatchObject({ status: 'rejected', code: 'key_malformed' });
      }
    });

    it('refuses a well-formed key nobody issued, and records it without the key', async () => {
      const unknown = generateNodeKey().secret;
      expect(await send({ key: unknown, samples: samplesNow(1), agent: 'prober' })).toMatchObject({ status: 'rejected', code: 'key_invalid' });
      const rows = await rejections();
      const hit = rows.find((r) => r.reason === 'key_invalid' && r.source.endsWith('prober'));
      expect(hit).toMatchObject({ org_id: null, key_id: null, count: 1 });
      expect(JSON.stringify(rows)).not.toContain(unknown);
      expect(JSON.stringify(rows)).not.toContain(unknown.slice(9, 20));
    });

    it('refuses a revoked key at once', async () => {
      const k = await seedKey(db, org, grid.nodeId, { revokedAt: new Date(Date.now() - 1000).toISOString() });
      expect(await send({ key: k.secret, samples: samplesNow(1) })).toMatchObject({ status: 'rejected', code: 'key_revoked' });
      expect((await rejections()).find((r) => r.key_id === k.id)).toMatchObject({ org_id: org.orgId, reason: 'key_revoked' });
    });

    it('refuses an expired key', async () => {
      const k = await seedKey(db, org, grid.nodeId, { expiresAt: new Date(Date.now() - 1000).toISOString() });
      expect(await send({ key: k.secret, samples: samplesNow(1) })).toMatchObject({ status: 'rejected', code: 'key_expired' });
    });

    it('keeps a rotated key working during its grace period, and refuses it after', async () => {
      const next = await seedKey(db, org, grid.nodeId);
      const inGrace = await seedKey(db, org, grid.nodeId, { supersededBy: next.id, graceUntil: new Date(Date.now() + 3_600_000).toISOString() });
      const pastGrace = await seedKey(db, org, grid.nodeId, { supersededBy: next.id, graceUntil: new Date(Date.now() - 1000).toISOString() });
      expect(await send({ key: inGrace.secret, samples: samplesNow(1) })).toMatchObject({ status: 'accepted' });
      expect(await send({ key: pastGrace.secret, samples: samplesNow(1) })).toMatchObject({ status: 'rejected', code: 'key_rotated_out' });
      expect(await send({ key: next.secret, samples: samplesNow(1) })).toMatchObject({ status: 'accepted' });
    });

    it('refuses telemetry from a retired node', async () => {
      const other = await seedGrid(db, org, 'fra-01-gpu02');
      const k = await seedKey(db, org, other.nodeId);
      await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.nodes SET lifecycle = 'offline' WHERE id = $1`, [other.nodeId]).then(() => c.query(`UPDATE mc.nodes SET lifecycle = 'retired' WHERE id = $1`, [other.nodeId])));
      expect(await send({ key: k.secret, samples: samplesNow(1) })).toMatchObject({ status: 'rejected', code: 'node_retired' });
    });

    it('counts a flood of bad calls in one row per source instead of growing the table', async () => {
      const before = (await rejections()).length;
      for (let i = 0; i < 60; i++) await send({ key: generateNodeKey().secret, samples: samplesNow(1), agent: 'flood' });
      const rows = await rejections();
      expect(rows.length).toBe(before + 1);
      expect(rows.find((r) => r.source.endsWith('flood'))?.count).toBe(60);
    });

    it('folds sources beyond 100 into one row', async () => {
      const k = await seedKey(db, org, grid.nodeId, { revokedAt: new Date().toISOString() });
      for (let i = 0; i < 130; i++) await send({ key: k.secret, samples: samplesNow(1), agent: `host-${i}` });
      const rows = (await rejections()).filter((r) => r.key_id === k.id);
      expect(rows.length).toBe(101);
      expect(rows.find((r) => r.source === '(other sources)')?.count).toBe(30);
    });
  });

  it('takes the forwarded address only from PostgREST, and there only the entry its proxy appended, never one a caller wrote', async () => {
    const withHeader = async (p: pg.Pool) => {
      const c = await p.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('request.headers', '{"x-forwarded-for": "198.51.100.66, 203.0.113.9"}', true)`);
        const r = await c.query('SELECT public.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[]) AS r', [key.secret, randomUUID(), [new Date()], ['probe'], [1]]);
        await c.query('COMMIT');
        expect(r.rows[0].r).toMatchObject({ status: 'accepted' });
      } finally {
        c.release();
      }
      return asOwner(db, null, async (o) => (await o.query('SELECT last_used_source FROM mc.node_keys WHERE id = $1', [key.id])).rows[0].last_used_source as string);
    };
    // A node agent logged in directly: its own header is ignored.
    expect(await withHeader(pool)).toMatch(/^(127\.0\.0\.1|local socket)$/);
    // PostgREST logs in as "authenticator" behind Supabase's proxy: then the header counts, and of it
    // only the last entry (the one the proxy appended); the caller wrote the first one itself.
    const password = 'authenticator-test-password';
    await asOwner(db, null, async (o) => {
      await o.query(`DO $$ BEGIN CREATE ROLE authenticator LOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
      await o.query(`ALTER ROLE authenticator LOGIN INHERIT PASSWORD '${password}'`);
      await o.query('GRANT mc_ingest TO authenticator');
    });
    const postgrest = new (await import('pg')).default.Pool({ ...db.target, user: 'authenticator', password, max: 1 });
    try {
      expect(await withHeader(postgrest)).toBe('203.0.113.9');
    } finally {
      await postgrest.end();
    }
  });

  it('puts the caller’s org setting back when it returns', async () => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', 'caller-value', true)`);
      await c.query('SELECT mc.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[]) AS r', [key.secret, randomUUID(), [new Date()], ['probe'], [1]]);
      const after = await c.query(`SELECT current_setting('mc.org_id', true) AS v`);
      await c.query('COMMIT');
      expect(after.rows[0].v).toBe('caller-value');
    } finally {
      c.release();
    }
  });

  it('keeps partition creation out of the app’s reach, and inside the retention window', async () => {
    const app = await appPool(db);
    try {
      const err = await asApp(app, org.auditor, (sql) => sql.query(`SELECT mc.telemetry_ensure_days('2999-01-01', '3000-02-01')`)).catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('42501');
    } finally {
      await app.end();
    }
    const created = await asOwner(db, null, async (c) => (await c.query(`SELECT mc.telemetry_ensure_days('2999-01-01', '3000-02-01') AS n`)).rows[0].n);
    expect(created).toBe(0);
  });

  it('takes a validation probe as proof of the path, not as a sign of life', async () => {
    const before = await asOwner(db, null, async (c) => (await c.query('SELECT seen_at FROM mc.node_latest WHERE node_id = $1', [grid.nodeId])).rows[0].seen_at);
    expect(await send({ samples: [{ ts: new Date(), metric: 'probe', value: 1 }] })).toMatchObject({ status: 'accepted', accepted: 1 });
    const after = await asOwner(db, null, async (c) => (await c.query('SELECT seen_at FROM mc.node_latest WHERE node_id = $1', [grid.nodeId])).rows[0].seen_at);
    expect(after).toEqual(before);
    const rolled = await asOwner(db, null, async (c) => (await c.query('SELECT count(*)::int AS n FROM mc.telemetry_rollups_1m WHERE metric = 100')).rows[0].n);
    expect(rolled).toBe(0);
  });

  it('lays partitions on UTC midnights whatever the session’s time zone and date style', async () => {
    const c = await pool.connect();
    try {
      await c.query(`SET TimeZone = 'Pacific/Kiritimati'`);
      await c.query(`SET DateStyle = 'SQL, DMY'`);
      const day = new Date(Date.now() - 20 * 86_400_000);
      const r = await c.query('SELECT mc.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[]) AS r', [key.secret, randomUUID(), [day], ['gpu_util_pct'], [10]]);
      expect(r.rows[0].r).toMatchObject({ status: 'accepted' });
      const name = `telemetry_${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
      const bound = await asOwner(db, null, async (o) => {
        await o.query(`SET TimeZone = 'UTC'`);
        return (await o.query(`SELECT pg_get_expr(c.relpartbound, c.oid) AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mc_telemetry' AND c.relname = $1`, [name])).rows[0].b as string;
      });
      const d = day.toISOString().slice(0, 10);
      const next = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(bound).toBe(`FOR VALUES FROM ('${d} 00:00:00+00') TO ('${next} 00:00:00+00')`);
    } finally {
      c.release();
    }
  });

  it('gives the ingest role nothing but the ingest function', async () => {
    for (const q of ['SELECT * FROM mc.telemetry LIMIT 1', 'SELECT * FROM mc.node_keys LIMIT 1', `INSERT INTO mc.telemetry VALUES (gen_random_uuid(), gen_random_uuid(), now(), 1, 1)`, 'SELECT mc.telemetry_maintain()']) {
      const err = await pool.query(q).catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code, q).toBe('42501');
    }
  });

  it('drops day partitions past the retention setting', async () => {
    const old = new Date(Date.now() - 20 * 86_400_000);
    const name = `telemetry_${old.toISOString().slice(0, 10).replace(/-/g, '')}`;
    await asOwner(db, null, async (c) => {
      await c.query('SELECT mc.telemetry_ensure_days($1::date, $1::date)', [old.toISOString().slice(0, 10)]);
      await c.query(`UPDATE mc.platform_settings SET value = '10' WHERE key = 'telemetry_retention_days'`);
    });
    const result = await asOwner(db, null, async (c) => (await c.query('SELECT mc.telemetry_maintain() AS r')).rows[0].r);
    expect(result.partitions_dropped).toBeGreaterThanOrEqual(1);
    const gone = await asOwner(db, null, async (c) => (await c.query('SELECT to_regclass($1) IS NULL AS g', [`mc_telemetry.${name}`])).rows[0].g);
    expect(gone).toBe(true);
    await asOwner(db, null, (c) => c.query(`UPDATE mc.platform_settings SET value = '30' WHERE key = 'telemetry_retention_days'`));
  });
});
