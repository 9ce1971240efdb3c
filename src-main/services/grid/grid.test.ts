import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { ingestPool, samplesNow, seedGrid, type TestGrid } from '../../testing/grid';
import { coreOn, DIRECT } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { sendBatch } from '../telemetry';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

async function call<N extends Parameters<Core['router']['invoke']>[0] & string>(core: Core, channel: N, payload: unknown) {
  const r = await core.router.invoke(channel, payload, DIRECT);
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.data as never;
}

function filesText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out += filesText(p);
    else if (st.isFile()) out += readFileSync(p, 'utf8');
  }
  return out;
}

describe.skipIf(!ok)('the grid through the contract', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;
  let ingest: pg.Pool;

  const auditActions = async () =>
    ((await call(admin, 'audit.list', { limit: 500 })) as Response<'audit.list'>).events.map((e) => ({ action: e.action, data: e.data, reason: e.reason }));

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'grid');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
    ingest = await ingestPool(db);
  });
  afterAll(async () => {
    await ingest?.end();
    await auditor?.cleanup();
    await admin?.cleanup();
    await db?.drop();
  });

  describe('residency', () => {
    it('refuses a site in a country the corridor blocks, naming the policy, and stores nothing', async () => {
      const err = await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'mow-01', name: 'MOW-01', kind: 'colocation', country: 'ru', latitude: 55.7, longitude: 37.6, ownerName: 'x',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: 'EU’s residency policy blocks sites in RU.', fields: { country: expect.any(String) } });
      const n = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.sites WHERE key = 'mow-01'`)).rows[0].n);
      expect(n).toBe(0);
    });

    it('refuses a site outside the allowed countries', async () => {
      const err = await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'lon-01', name: 'LON-01', kind: 'colocation', country: 'GB', latitude: 51.5, longitude: -0.1, ownerName: 'x',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/allows sites only in DE, FR, NL; GB is not one of them/) });
    });

    it('the database refuses it too, whoever writes', async () => {
      const err = await asOwner(db, org.orgId, (c) =>
        c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'x', 'X', 'campus', 'RU', 1, 1, 'x')`, [org.orgId, grid.corridorId]),
      ).catch((e: { code?: string; message?: string }) => e);
      expect(err).toMatchObject({ code: 'UEVAL', message: 'EU’s residency policy blocks sites in RU.' });
    });

    it('accepts an allowed site and audits it', async () => {
      const r = (await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'ams-01', name: 'AMS-01', kind: 'telecom_edge', country: 'NL', city: 'Amsterdam', latitude: 52.37, longitude: 4.9, ownerName: 'KPN',
      })) as Response<'grid.createSite'>;
      expect(r.site).toMatchObject({ key: 'ams-01', country: 'NL', safetyChecklist: 'not_started', nodeCount: 0 });
      expect((await auditActions())[0]).toMatchObject({ action: 'grid.site_created', data: { key: 'ams-01', country: 'NL', corridor: 'eu' } });
    });

    it('refuses a policy change that existing sites would break, naming them', async () => {
      const err = await call(admin, 'grid.updatePolicy', {
        corridorId: grid.corridorId, policy: { allowedCountries: ['FR'], blockedCountries: [], regulatedWorkloads: [], auditRequirement: null }, reason: 'France only',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/would exclude existing sites of EU: AMS-01 \(NL\), FRA-01 \(DE\)/) });
    });

    it('refuses a country that is both allowed and blocked', async () => {
      const err = await call(admin, 'grid.createCorridor', {
        key: 'x', name: 'X', region: 'custom', policy: { allowedCountries: ['DE'], blockedCountries: ['de'], regulatedWorkloads: [], auditRequirement: null },
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', fields: { 'policy.blockedCountries': 'A country cannot be both allowed and blocked.' } });
    });

    it('lets only admins create corridors', async () => {
      const operator = await coreOn(db, org.operator.email);
      try {
        const err = await call(operator, 'grid.createCorridor', { key: 'ops', name: 'Ops', region: 'custom', policy: {} }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        await operator.cleanup();
      }
    });
  });

  describe('nodes', () => {
    let nodeId: string;

    it('registers a node and audits it', async () => {
      const r = (await call(admin, 'nodes.register', {
        siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'FRA-01-GPU07', runtimeGroup: 'tgi', gpuModel: 'L40S 48GB', gpuCount: 4, gpuMemoryGb: 192, capacityTokensPerS: 4400,
      })) as Response<'nodes.register'>;
      nodeId = r.node.id;
      expect(r.node).toMatchObject({ hostname: 'fra-01-gpu07', lifecycle: 'registered', health: 'unknown', validKeys: 0, corridorId: grid.corridorId });
    });

    it('refuses a duplicate host name by field', async () => {
      const err = await call(admin, 'nodes.register', {
        siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'fra-01-gpu07', runtimeGroup: 'tgi', gpuModel: 'L4', gpuCount: 1, gpuMemoryGb: 24, capacityTokensPerS: 1,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT', fields: { hostname: 'A node named fra-01-gpu07 already exists.' } });
    });

    it('moves through the lifecycle, each step audited with its reason', async () => {
      for (const [to, reason] of [['active', 'burn-in passed'], ['draining', 'firmware update'], ['offline', 'powered down'], ['retired', 'end of lease']] as const) {
        const r = (await call(admin, 'nodes.transition', { nodeId, to, reason })) as Response<'nodes.transition'>;
        expect(r.node.lifecycle).toBe(to);
      }
      const events = (await auditActions()).filter((e) => e.action === 'nodes.lifecycle_changed');
      expect(events.slice(0, 4).map((e) => [e.data.from, e.data.to, e.reason])).toEqual([
        ['offline', 'retired', 'end of lease'],
        ['draining', 'offline', 'powered down'],
        ['active', 'draining', 'firmware update'],
        ['registered', 'active', 'burn-in passed'],
      ]);
    });

    it('refuses a move the lifecycle does not allow, and says what is allowed', async () => {
      const err = await call(admin, 'nodes.transition', { nodeId, to: 'active', reason: 'bring it back' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is retired; it can go to nothing further/) });
      const err2 = await call(admin, 'nodes.transition', { nodeId: grid.nodeId, to: 'retired', reason: 'skip steps' }).catch((e: unknown) => e);
      expect(err2).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is active; it can go to draining or offline, not retired/) });
    });

    it('lets an auditor read nodes but change nothing', async () => {
      expect(((await call(auditor, 'nodes.list', {})) as Response<'nodes.list'>).nodes.length).toBeGreaterThan(0);
      const err = await call(auditor, 'nodes.transition', { nodeId: grid.nodeId, to: 'draining', reason: 'auditor tries' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('node keys', () => {
    let issued: Response<'keys.issue'>;

    it('shows a new key once, stores only its hash, and never puts it in the audit log or any file', async () => {
      issued = (await call(admin, 'keys.issue', { nodeId: grid.nodeId, label: 'agent v2' })) as Response<'keys.issue'>;
      expect(issued.secret).toMatch(/^ume_node_[0-9A-Za-z]{38}$/);
      expect(issued.key).toMatchObject({ status: 'active', prefix: issued.secret.slice(0, 15), label: 'agent v2' });
      const stored = await asOwner(db, null, async (c) => (await c.query(`SELECT * FROM mc.node_keys WHERE id = $1`, [issued.key.id])).rows[0]);
      expect(JSON.stringify(stored)).not.toContain(issued.secret.slice(15));
      const audit = await auditActions();
      expect(audit[0]).toMatchObject({ action: 'keys.issued', data: { prefix: issued.key.prefix } });
      expect(JSON.stringify(audit)).not.toContain(issued.secret);
      expect(filesText(admin.dataDir)).not.toContain(issued.secret);
      const again = (await call(admin, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>;
      expect(JSON.stringify(again)).not.toContain(issued.secret);
    });

    it('works for ingest, and the page shows its last use', async () => {
      const out = await sendBatch(ingest, { key: issued.secret, batchId: randomUUID(), samples: samplesNow(2), agent: 'fra-01-gpu01 agent' });
      expect(out.status).toBe('accepted');
      const list = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.keys.find((k) => k.id === issued.key.id)).toMatchObject({ useCount: 1, lastUsedSource: expect.stringMatching(/fra-01-gpu01 agent/) });
    });

    it('rotates: the new key works, the old one keeps working until its grace ends', async () => {
      const r = (await call(admin, 'keys.rotate', { keyId: issued.key.id, graceHours: 2 })) as Response<'keys.rotate'>;
      expect(r.previous.status).toBe('grace');
      expect(r.key.status).toBe('active');
      expect(new Date(r.previous.graceUntil!).getTime() - Date.now()).toBeGreaterThan(7_100_000);
      for (const secret of [issued.secret, r.secret]) {
        expect((await sendBatch(ingest, { key: secret, batchId: randomUUID(), samples: samplesNow(1) })).status).toBe('accepted');
      }
      const err = await call(admin, 'keys.rotate', { keyId: issued.key.id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Only an active key can be rotated/) });
      issued = { ...r, key: r.key };
    });

    it('revokes at once, and flags the revoked key when it is still presented', async () => {
      const r = (await call(admin, 'keys.revoke', { keyId: issued.key.id, reason: 'laptop stolen' })) as Response<'keys.revoke'>;
      expect(r.key).toMatchObject({ status: 'revoked', revokeReason: 'laptop stolen' });
      expect(await sendBatch(ingest, { key: issued.secret, batchId: randomUUID(), samples: samplesNow(1) })).toMatchObject({ code: 'key_revoked' });
      const list = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.check).toMatchObject({ ok: false, refusedKeysStillPresented: 1 });
      expect(list.keys.find((k) => k.id === issued.key.id)).toMatchObject({ rejectedCalls: 1 });
      expect(list.rejections[0]).toMatchObject({ keyPrefix: issued.key.prefix, reason: 'key_revoked' });
      const again = await call(admin, 'keys.revoke', { keyId: issued.key.id, reason: 'twice' }).catch((e: unknown) => e);
      expect(again).toMatchObject({ code: 'CONFLICT' });
    });

    it('flags stale keys and nodes without any valid key', async () => {
      const other = await seedGrid(db, org, 'fra-01-gpu03');
      const k = (await call(admin, 'keys.issue', { nodeId: other.nodeId })) as Response<'keys.issue'>;
      await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.node_keys SET created_at = now() - interval '40 days' WHERE id = $1`, [k.key.id]));
      const list = (await call(admin, 'keys.list', { staleDays: 30 })) as Response<'keys.list'>;
      expect(list.keys.find((x) => x.id === k.key.id)?.stale).toBe(true);
      expect(list.check.staleKeys).toBeGreaterThanOrEqual(1);
      const lenient = (await call(admin, 'keys.list', { staleDays: 60 })) as Response<'keys.list'>;
      expect(lenient.keys.find((x) => x.id === k.key.id)?.stale).toBe(false);
      await call(admin, 'keys.revoke', { keyId: k.key.id, reason: 'decommissioning' });
      const after = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(after.nodesWithoutValidKey.map((n) => n.hostname)).toContain('fra-01-gpu03');
    });

    it('gives no key to a retired node', async () => {
      const retired = (await call(admin, 'nodes.list', {})) as Response<'nodes.list'>;
      const node = retired.nodes.find((n) => n.lifecycle === 'retired')!;
      const err = await call(admin, 'keys.issue', { nodeId: node.id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/retired/) });
    });
  });

  describe('telemetry validation record', () => {
    it('sends a valid and an invalid key through the real ingest path and keeps both outcomes as evidence', async () => {
      const before = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = $1 AND metric = 100`, [grid.nodeId])).rows[0].n);
      const r = (await call(admin, 'telemetry.validate', { nodeId: grid.nodeId })) as Response<'telemetry.validate'>;
      expect(r.evidence).toMatchObject({
        kind: 'telemetry_validation',
        outcome: 'passed',
        subjectId: grid.nodeId,
        data: { validKey: { status: 'accepted', accepted: 1 }, invalidKey: { status: 'rejected', code: 'key_invalid' } },
      });
      const audit = (await call(admin, 'audit.list', { limit: 1 })) as Response<'audit.list'>;
      expect(audit.events[0]).toMatchObject({ action: 'telemetry.validation_recorded', seq: r.evidence.auditSeq });
      // The probe sample landed; the temporary key is revoked.
      const after = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = $1 AND metric = 100`, [grid.nodeId])).rows[0].n);
      expect(after).toBe(before + 1);
      const temp = await asOwner(db, null, async (c) => (await c.query(`SELECT revoked_at FROM mc.node_keys WHERE prefix = $1`, [(r.evidence.data as { validKey: { prefix: string } }).validKey.prefix])).rows[0]);
      expect(temp.revoked_at).not.toBeNull();
      const listed = (await call(admin, 'evidence.list', { kind: 'telemetry_validation' })) as Response<'evidence.list'>;
      expect(listed.records[0]?.id).toBe(r.evidence.id);
    });

    it('refuses a retired node, and an auditor', async () => {
      const nodes = (await call(admin, 'nodes.list', {})) as Response<'nodes.list'>;
      const retired = nodes.nodes.find((n) => n.lifecycle === 'retired')!;
      expect(await call(admin, 'telemetry.validate', { nodeId: retired.id }).catch((e: unknown) => e)).toMatchObject({ code: 'CONFLICT' });
      expect(await call(auditor, 'telemetry.validate', { nodeId: grid.nodeId }).catch((e: unknown) => e)).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  it('charts a node from its rollups, with gaps as gaps', async () => {
    // Both samples inside one minute, whatever the clock's seconds are now.
    const minuteStart = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
    await sendBatch(ingest, {
      key: ((await call(admin, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>).secret,
      batchId: randomUUID(),
      samples: [{ ts: new Date(minuteStart + 10_000), metric: 'gpu_temp_c', value: 71 }, { ts: new Date(minuteStart + 15_000), metric: 'gpu_temp_c', value: 73 }],
    });
    const r = (await call(admin, 'nodes.telemetry', { nodeId: grid.nodeId, window: '1h' })) as Response<'nodes.telemetry'>;
    expect(r.stepSeconds).toBe(60);
    const temp = r.series.find((s) => s.metric === 'gpu_temp_c')!;
    expect(temp.t).toHaveLength(60);
    const filled = temp.avg.map((v, i) => [v, temp.min[i], temp.max[i]]).filter(([v]) => v !== null);
    expect(filled).toContainEqual([72, 71, 73]);
    expect(temp.avg.filter((v) => v === null).length).toBeGreaterThan(50);
    expect(r.series.some((s) => s.metric === 'probe')).toBe(false);
    const day = (await call(admin, 'nodes.telemetry', { nodeId: grid.nodeId, window: '24h' })) as Response<'nodes.telemetry'>;
    expect(day.stepSeconds).toBe(300);
    expect(day.series[0]!.t).toHaveLength(288);
  });
});

describe.skipIf(!ok)('grid rules under concurrency and at the edges', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'edges');
    grid = await seedGrid(db, org);
  });
  afterAll(async () => db?.drop());

  it('never lets a site and a policy that excludes it both commit', async () => {
    const a = await db.owner();
    const b = await db.owner();
    const watch = await db.owner();
    try {
      const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      for (const c of [a, b]) {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org.orgId]);
      }
      await a.query(`UPDATE mc.corridors SET allowed_countries = '{DE,FR,NL,BE}' WHERE id = $1`, [grid.corridorId]);
      await a.query('COMMIT');
      await a.query('BEGIN');
      await a.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org.orgId]);
      await a.query(
        `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'bru-01', 'BRU-01', 'campus', 'BE', 50.8, 4.4, 'o')`,
        [org.orgId, grid.corridorId],
      );
      // B tries to drop BE while A's site is not committed yet: it must wait, then see it.
      const policy = b.query(`UPDATE mc.corridors SET allowed_countries = '{DE,FR,NL}' WHERE id = $1`, [grid.corridorId]).then(
        () => 'committed',
        (e: { message?: string }) => e.message ?? 'refused',
      );
      // Proceed only once B is really blocked on A's lock (the site's FOR SHARE on the corridor),
      // so the commit below lands while B waits. Polled from a third session outside any
      // transaction: pg_stat_activity is cached for the length of a transaction.
      await expect
        .poll(async () => (await watch.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [bPid])).rows[0]?.w ?? null, {
          timeout: 10_000,
          interval: 20,
        })
        .toBe('Lock');
      await a.query('COMMIT');
      expect(await policy).toMatch(/would exclude existing sites of EU: BRU-01 \(BE\)/);
      await b.query('ROLLBACK');
    } finally {
      await a.end();
      await b.end();
      await watch.end();
    }
  });

  it('refuses a node registered as retired', async () => {
    const err = await asOwner(db, org.orgId, (c) =>
      c.query(
        `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
         VALUES ($1, $2, $3, 'zombie', 'vllm', 'H100', 1, 80, 1, 'retired')`,
        [org.orgId, grid.siteId, grid.groupId],
      ),
    ).catch((e: { message?: string }) => e);
    expect((err as { message?: string }).message).toBe('A node cannot be registered as retired.');
  });

  it('keeps the daily key check honest however many other refusals pile up', async () => {
    const core = await coreOn(db, org.admin.email);
    const ingest = await ingestPool(db);
    try {
      const revoked = (await call(core, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>;
      await call(core, 'keys.revoke', { keyId: revoked.key.id, reason: 'compromised' });
      expect((await sendBatch(ingest, { key: revoked.secret, batchId: randomUUID(), samples: samplesNow(1) })).code).toBe('key_revoked');
      // 600 newer refusal records of another kind: bad samples from six valid keys, 100 sources
      // each (the most one key and reason keeps apart), so the page of 500 holds none of the
      // revoked key's.
      for (let i = 0; i < 6; i++) {
        const good = (await call(core, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>;
        await Promise.all(
          Array.from({ length: 100 }, (_, j) =>
            sendBatch(ingest, { key: good.secret, batchId: randomUUID(), samples: [{ ts: new Date(), metric: 'gpu_util_pct', value: 500 }], agent: `src-${i}-${j}` }),
          ),
        );
      }
      const list = (await call(core, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.rejections.length).toBe(500);
      expect(list.rejections.some((r) => r.reason === 'key_revoked')).toBe(false);
      expect(list.check).toMatchObject({ ok: false, refusedKeysStillPresented: 1 });
    } finally {
      await ingest.end();
      await core.cleanup();
    }
  });

  it('does not take a validation record as a sign of life', async () => {
    const core = await coreOn(db, org.admin.email);
    try {
      const before = ((await call(core, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>).node.seenAt;
      await call(core, 'telemetry.validate', { nodeId: grid.nodeId });
      const after = ((await call(core, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>).node.seenAt;
      expect(after).toBe(before);
    } finally {
      await core.cleanup();
    }
  });
});
