import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../../src-shared/contract';
import { bodyOf, chainHash } from '../../../../src-shared/domain/audit-chain';
import { AnchorJob } from '../../../core/anchor-job';
import { sha256Hex } from '../../../core/hash';
import type { Logger } from '../../../core/log';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, testServers } from '../../../testing/db';
import { coreOn, DIRECT } from '../../../testing/harness';
import { needKeychain } from '../../../testing/keychain-gate';
import { type AuditRow, chained, COLUMNS } from '../read';
import { checkpointKeyAccount } from './checkpoint-key';

const server = testServers()[0]!;
const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Verdict = Response<'audit.verify'>;
const STATES = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'] as const;

describe.skipIf(!ok)('audit chain anchored in signed checkpoints outside the database', () => {
  let db: TestDatabase;
  const cores: { core: Core; orgId: string }[] = [];

  const verify = async (c: Core) => ((await c.router.invoke('audit.verify', {}, DIRECT)) as { data: Verdict }).data;
  const checkpointsFile = (c: Core, orgId: string) => join(c.dataDir, 'audit-checkpoints', `${orgId}.json`);

  /** A workstation on a fresh org with `events` audit events. */
  async function workstation(slug: string, events: number) {
    const org = await createOrg(db, slug);
    const [componentId] = await seedComponents(db, org.orgId, [{ key: 'c1', name: 'Component 1', kind: 'runtime' }]);
    const core = await coreOn(db, org.operator.email);
    cores.push({ core, orgId: org.orgId });
    const ws = { core, orgId: org.orgId, n: 0 };
    const add = async (k: number) => {
      for (let i = 0; i < k; i++) {
        const r = await core.router.invoke('status.setState', { componentId, state: STATES[ws.n++ % 4], reason: `change ${ws.n}` }, DIRECT);
        expect(r.ok).toBe(true);
      }
    };
    await add(events);
    return { ...ws, add };
  }

  /** As the database owner with every trigger off (what a superuser can do), then rebuild the chain so the old check passes. */
  async function rewrite(orgId: string, edit: string | null, params: unknown[], keepUpTo: number | null) {
    const c = await db.owner();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      if (edit) await c.query(edit, params);
      if (keepUpTo !== null) await c.query('DELETE FROM mc.audit_events WHERE org_id = $1 AND seq > $2', [orgId, keepUpTo]);
      const rows = (await c.query(`SELECT ${COLUMNS} FROM mc.audit_events WHERE org_id = $1 ORDER BY seq`, [orgId])).rows as (AuditRow & { at: Date })[];
      let prev = '0'.repeat(64);
      for (const r of rows) {
        const e = chained({ ...r, seq: Number(r.seq), at: new Date(r.at).toISOString() });
        const hash = chainHash(sha256Hex, prev, bodyOf(e));
        await c.query('UPDATE mc.audit_events SET prev_hash = $3, hash = $4 WHERE org_id = $1 AND seq = $2', [orgId, e.seq, prev, hash]);
        prev = hash;
      }
      await c.query('UPDATE mc.audit_heads SET seq = $2, hash = $3 WHERE org_id = $1', [orgId, rows.length, prev]);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    db = await migratedDatabase(server);
  });
  afterAll(async () => {
    for (const { core, orgId } of cores) {
      await core.vault.delete(checkpointKeyAccount(orgId)).catch(() => undefined);
      await core.cleanup();
    }
    await db?.drop();
  });

  it('signs a first checkpoint, stays anchored while events are appended, and shows the key fingerprint', async () => {
    const ws = await workstation('anchor-append', 6);
    const first = await verify(ws.core);
    expect(first.ok).toBe(true);
    expect(first.anchor).toMatchObject({ state: 'first', latest: { number: 1, size: 6 }, lastGood: null, stored: 1 });
    expect(first.anchor.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await ws.add(2);
    const second = await verify(ws.core);
    expect(second.anchor).toMatchObject({ state: 'anchored', latest: { number: 2, size: 8 }, lastGood: { number: 1, size: 6 }, stored: 2 });
    expect(second.anchor.message).toMatch(/^Anchored: consistent with checkpoint 1 \(6 events/);
    expect(second.anchor.fingerprint).toBe(first.anchor.fingerprint);
    // The scheduled job signs the next checkpoint when the log grew, and says nothing when all is well.
    await ws.add(1);
    const quiet: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => quiet.push(msg) } as unknown as Logger;
    expect((await new AnchorJob(ws.core.router, log).tick())?.anchor).toMatchObject({ state: 'anchored', latest: { number: 3, size: 9 } });
    expect(quiet).toEqual([]);
    // Nothing new: no new checkpoint.
    expect((await verify(ws.core)).anchor).toMatchObject({ state: 'anchored', stored: 3 });
    const file = JSON.parse(readFileSync(checkpointsFile(ws.core, ws.orgId), 'utf8')) as { checkpoints: { note: string }[] };
    expect(file.checkpoints).toHaveLength(3);
    expect(file.checkpoints[2]!.note).toMatch(new RegExp(`^umamiedge\\.mission-control/${ws.orgId}\\n9\\n[A-Za-z0-9+/]{43}=\\n\\n\u2014 umamiedge\\.mission-control/${ws.orgId}/workstation [A-Za-z0-9+/]{91}=\\n$`));
    const exported = ((await ws.core.router.invoke('audit.exportCheckpoints', {}, DIRECT)) as { data: Response<'audit.exportCheckpoints'> }).data;
    expect(exported.count).toBe(3);
    expect(JSON.parse(exported.text)).toEqual(file);
  });

  it('(a) reports a deleted tail with the head moved back as tampering, though the chain alone says OK', async () => {
    const ws = await workstation('anchor-truncate', 8);
    expect((await verify(ws.core)).anchor.state).toBe('first');
    const before = readFileSync(checkpointsFile(ws.core, ws.orgId), 'utf8');
    await rewrite(ws.orgId, null, [], 5);
    const v = await verify(ws.core);
    expect(v).toMatchObject({ ok: true, checked: 5, headSeq: 5 });
    expect(v.anchor).toMatchObject({ state: 'tampered', latest: { number: 1, size: 8 }, lastGood: null });
    expect(v.anchor.message).toMatch(/^TAMPERED: the history was truncated to 5 events since checkpoint 1 \(8 events, root /);
    // The good checkpoint is kept: nothing is signed over the tampered history.
    expect(readFileSync(checkpointsFile(ws.core, ws.orgId), 'utf8')).toBe(before);
    // The 10-minute job runs the same check and warns.
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
    expect((await new AnchorJob(ws.core.router, log).tick())?.anchor.state).toBe('tampered');
    expect(warnings).toEqual(['audit chain: scheduled anchored verify found a problem']);
    // Appending after the truncation does not launder it.
    await ws.add(4);
    expect((await verify(ws.core)).anchor.state).toBe('tampered');
  });

  it('(b) reports an edited event with every later hash and the head recomputed, naming the last good checkpoint', async () => {
    const ws = await workstation('anchor-rewrite', 6);
    expect((await verify(ws.core)).anchor.state).toBe('first');
    await ws.add(3);
    expect((await verify(ws.core)).anchor).toMatchObject({ state: 'anchored', latest: { size: 9 } });
    await rewrite(ws.orgId, `UPDATE mc.audit_events SET reason = 'nothing to see here' WHERE org_id = $1 AND seq = 8`, [ws.orgId], null);
    const v = await verify(ws.core);
    expect(v).toMatchObject({ ok: true, checked: 9, breaks: [] });
    expect(v.anchor).toMatchObject({ state: 'tampered', latest: { number: 2, size: 9 }, lastGood: { number: 1, size: 6 } });
    expect(v.anchor.message).toMatch(/^TAMPERED: the history before event #10 was rewritten since checkpoint 2 \(9 events.*still agrees with checkpoint 1 \(6 events.*events #1–#6 are intact/);
  });

  it('reports a corrupt checkpoints file plainly and never replaces it', async () => {
    const ws = await workstation('anchor-corrupt', 2);
    expect((await verify(ws.core)).anchor.state).toBe('first');
    const file = checkpointsFile(ws.core, ws.orgId);
    writeFileSync(file, '{"version":1,"checkpoints":[{"note":"garbage","seenAt":"2026-12-06T00:00:00.000Z"}]}');
    await ws.add(1);
    const v = await verify(ws.core);
    expect(v.ok).toBe(true);
    expect(v.anchor).toMatchObject({ state: 'store_error', latest: null });
    expect(v.anchor.message).toMatch(/stored checkpoint 1 does not verify with this workstation's key/);
    writeFileSync(file, '{"version":1,"checkpoints":[');
    const w = await verify(ws.core);
    expect(w.anchor.state).toBe('store_error');
    expect(w.anchor.message).toContain(`the checkpoints file ${file} is not valid JSON`);
    expect(readFileSync(file, 'utf8')).toBe('{"version":1,"checkpoints":[');
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
    const refusedExport = await ws.core.router.invoke('audit.exportCheckpoints', {}, DIRECT);
    expect(refusedExport).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(JSON.stringify(refusedExport)).toContain('is not valid JSON');
  });
  it('refuses a key rotation by a non-admin and leaves the key as it was', async () => {
    const ws = await workstation('rotate-refused', 2);
    const before = await verify(ws.core);
    const r = await ws.core.router.invoke('audit.rotateKey', { reason: 'not mine to do' }, DIRECT);
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const after = await verify(ws.core);
    expect(after.anchor.fingerprint).toBe(before.anchor.fingerprint);
    expect(after.anchor.keys.map((k) => k.fingerprint)).toEqual([before.anchor.fingerprint]);
    expect(existsSync(join(ws.core.dataDir, 'audit-checkpoints', `${ws.orgId}.keys.json`))).toBe(false);
  });
});
