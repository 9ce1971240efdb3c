import { createPublicKey, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../../src-shared/contract';
import { WITNESS_IMPORT_MAX_CHARS } from '../../../../src-shared/contract/audit';
import { fromBase64 } from '../../../../src-shared/domain/anchor/base64';
import { checkpointOrigin, formatCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { signNote } from '../../../../src-shared/domain/anchor/signed-note';
import { openSshPublicKey } from '../../../../src-shared/domain/anchor/ssh-key';
import { bodyOf, chainHash } from '../../../../src-shared/domain/audit-chain';
import { AnchorJob } from '../../../core/anchor-job';
import { sha256Hex } from '../../../core/hash';
import type { Logger } from '../../../core/log';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, testServers } from '../../../testing/db';
import { coreOn, DIRECT } from '../../../testing/harness';
import { TEST_SERVICE } from '../../../testing/keychain';
import { needKeychain } from '../../../testing/keychain-gate';
import { KeychainUnavailableError, KeyringVault } from '../../../vault';
import { type AuditRow, chained, COLUMNS } from '../read';
import { openStored } from './anchored-verify';
import { checkpointKeyAccount, loadKeyRing, loadOrCreateCheckpointKey, nextCheckpointKeyAccount, ringKeys, rotateCheckpointKey, type RotationStep } from './checkpoint-key';
import { CheckpointStore } from './checkpoint-store';
import { keyHistoryFile } from './key-history';
import { rotateAuditKey } from './rotate';
import { ROTATION_ABANDONED, ROTATION_STARTED, unfinishedRotations as pendingIn } from './rotation-log';
import { appendAudit } from '../append';
import { settleKeyRotations } from '../../../core/settle-rotations';
import { silentLogger } from '../../../core/log';
import { sha256Bytes } from './node-crypto';
import { importWitness, MAX_WITNESS_IMPORT_CHARS } from './witness-import';
import { WitnessStore } from './witness-store';

const server = testServers()[0]!;
const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Verdict = Response<'audit.verify'>;
const STATES = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'] as const;

describe.skipIf(!ok)('audit chain anchored in signed checkpoints outside the database', () => {
  let db: TestDatabase;
  const cores: { core: Core; orgId: string }[] = [];

  const verify = async (c: Core) => {
    const r = (await c.router.invoke('audit.verify', {}, DIRECT)) as { ok: true; data: Verdict } | { ok: false; error: { code: string; message: string } };
    // A refused verify says why (ci53 saw only "cannot read 'anchor' of undefined").
    if (!r.ok) throw new Error(`audit.verify failed: ${r.error.code}: ${r.error.message}`);
    return r.data;
  };
  const checkpointsFile = (c: Core, orgId: string) => join(c.dataDir, 'audit-checkpoints', `${orgId}.json`);

  /** A workstation on a fresh org with `events` audit events (its operator signed in, or its admin). */
  async function workstation(slug: string, events: number, as: 'operator' | 'admin' = 'operator') {
    const org = await createOrg(db, slug);
    const [componentId] = await seedComponents(db, org.orgId, [{ key: 'c1', name: 'Component 1', kind: 'runtime' }]);
    const core = await coreOn(db, org[as].email);
    cores.push({ core, orgId: org.orgId });
    const ws = { core, orgId: org.orgId, org, n: 0 };
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
      await core.vault.delete(checkpointKeyAccount(storeOf(core).dir, orgId)).catch(() => undefined);
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

  const call = async <T>(c: Core, channel: string, input: unknown, ctx: Parameters<Core['router']['invoke']>[2] = DIRECT) => {
    const r = await c.router.invoke(channel as never, input as never, ctx);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.data as T;
  };
  const auditOf = async (c: Core, action: string) => (await call<Response<'audit.list'>>(c, 'audit.list', { filter: { action } })).events;
  const storeOf = (c: Core) => new CheckpointStore(c.dataDir);
  /** Which key signed each stored checkpoint, oldest first: [size, fingerprint]. */
  const signers = async (c: Core, orgId: string) =>
    openStored(storeOf(c).read(orgId), ringKeys(await loadKeyRing(c.vault, storeOf(c).dir, orgId)), orgId).map((s) => [s.size, s.signedBy]);

  it('rotates the key (admin): old checkpoints still verify and say which key signed, the rotation is audited, a wall display is refused', async () => {
    const ws = await workstation('rotate', 4, 'admin');
    expect((await verify(ws.core)).anchor).toMatchObject({ state: 'first', latest: { size: 4 } });
    await ws.add(2);
    const before = (await verify(ws.core)).anchor;
    expect(before).toMatchObject({ state: 'anchored', latest: { number: 2, size: 6 } });
    const old = before.fingerprint as string;
    expect(before.keys).toEqual([{ fingerprint: old, createdAt: null, retiredAt: null }]);

    const readOnly = await ws.core.router.invoke('audit.rotateKey', {}, { readOnly: true, via: 'ws' });
    expect(readOnly).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(existsSync(keyHistoryFile(storeOf(ws.core).dir, ws.orgId))).toBe(false);

    const r = await call<Response<'audit.rotateKey'>>(ws.core, 'audit.rotateKey', { reason: 'yearly rotation' });
    expect(r.retired).toBe(old);
    expect(r.current).not.toBe(old);
    expect(r.current).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // The new key signed the same tree at once.
    expect(r.checkpoint).toMatchObject({ number: 3, size: 6, signedBy: r.current });
    const [event] = await auditOf(ws.core, 'audit.checkpoint_key_rotated');
    expect(event).toMatchObject({ reason: 'yearly rotation', data: { retiredFingerprint: old, currentFingerprint: r.current, checkpointSize: 6 } });

    // "Started" was committed before the key changed, "rotated" with the command: one rotation id pairs them.
    const [startedEvent] = await auditOf(ws.core, ROTATION_STARTED);
    expect(startedEvent).toMatchObject({ seq: 7, data: { retiredFingerprint: old, currentFingerprint: r.current, rotationId: event?.data.rotationId } });
    expect(event).toMatchObject({ seq: 8 });

    // The rotation's own audit events grew the log: the new key signs them, consistent with the checkpoints the old key signed.
    const after = (await verify(ws.core)).anchor;
    expect(after).toMatchObject({ state: 'anchored', fingerprint: r.current, latest: { number: 4, size: 8, signedBy: r.current }, lastGood: { number: 3, signedBy: r.current } });
    expect(after.keys).toEqual([
      { fingerprint: r.current, createdAt: expect.any(String), retiredAt: null },
      { fingerprint: old, createdAt: null, retiredAt: after.keys[0]?.createdAt },
    ]);
    expect(await signers(ws.core, ws.orgId)).toEqual([[4, old], [6, old], [6, r.current], [8, r.current]]);
    // Nothing is left unfinished for the next start to settle.
    await settleKeyRotations(ws.core.db, ws.core.vault, storeOf(ws.core), silentLogger());
    expect(await auditOf(ws.core, ROTATION_ABANDONED)).toEqual([]);
    expect(await auditOf(ws.core, 'audit.checkpoint_key_rotated')).toHaveLength(1);

    // The history beside the checkpoints holds public keys only, never the keychain's private key.
    const history = readFileSync(keyHistoryFile(storeOf(ws.core).dir, ws.orgId), 'utf8');
    const secret = (await ws.core.vault.get(checkpointKeyAccount(storeOf(ws.core).dir, ws.orgId))) as string;
    expect(history).not.toContain(secret.slice(-40));
    expect(history).not.toMatch(/PRIVATE/);

    // A second rotation keeps both older keys; every checkpoint still opens with the key that signed it.
    const again = await call<Response<'audit.rotateKey'>>(ws.core, 'audit.rotateKey', {});
    expect(again.retired).toBe(r.current);
    const third = (await verify(ws.core)).anchor;
    expect(third.state).toBe('anchored');
    expect(third.keys.map((k) => k.fingerprint)).toEqual([again.current, r.current, old]);
    expect((await signers(ws.core, ws.orgId)).map((s) => s[1])).toEqual([old, old, r.current, r.current, again.current, again.current]);

    // A history file whose list was edited (a key slipped in) is refused, not trusted.
    const file = keyHistoryFile(storeOf(ws.core).dir, ws.orgId);
    const text = readFileSync(file, 'utf8');
    const edited = JSON.parse(text) as { retired: { retired_at: string }[] };
    edited.retired[0]!.retired_at = '2020-01-01T00:00:00.000Z';
    writeFileSync(file, JSON.stringify(edited));
    const refused = (await verify(ws.core)).anchor;
    expect(refused).toMatchObject({ state: 'store_error' });
    expect(refused.message).toMatch(/is not signed by the current key it names \(edited\)/);
    writeFileSync(file, text);
    expect((await verify(ws.core)).anchor.state).toBe('anchored');
  });

  it('a rotation the keychain refuses fails with its reason, keeps the old key, and is settled as abandoned at once, not at the next start', async () => {
    const org = await createOrg(db, 'rotate-refused-store');
    await seedComponents(db, org.orgId, [{ key: 'c1', name: 'Component 1', kind: 'runtime' }]);
    // A keychain that stores everything but the rotation's new key (a locked or full keychain).
    class RefusingVault extends KeyringVault {
      override async set(account: string, secret: string): Promise<void> {
        if (account.startsWith('audit-checkpoint-key-next:')) throw new KeychainUnavailableError(`The OS keychain refused to store "${account}". Unlock it and try again.`);
        return super.set(account, secret);
      }
    }
    const core = await coreOn(db, org.admin.email, { vault: new RefusingVault(TEST_SERVICE) });
    cores.push({ core, orgId: org.orgId });
    await core.router.invoke('incidents.create', { title: 'Something to anchor', severity: 'low' }, DIRECT);
    const before = (await verify(core)).anchor;
    expect(before.state).toBe('first');

    const r = await core.router.invoke('audit.rotateKey', { reason: 'yearly rotation' }, DIRECT);
    expect(r).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/^The OS keychain refused to store "audit-checkpoint-key-next:[0-9a-f]{16}:[0-9a-f-]{36}"\. Unlock it/) } });
    const started = (await auditOf(core, ROTATION_STARTED)).map((e) => e.data as { rotationId: string });
    expect(started).toHaveLength(1);
    // Its end is in the chain already, naming the same rotation; nothing is left for a start to settle.
    const ended = (await auditOf(core, ROTATION_ABANDONED)).map((e) => e.data as { rotationId: string; currentFingerprint: string });
    expect(ended).toEqual([expect.objectContaining({ rotationId: started[0]!.rotationId, currentFingerprint: before.fingerprint })]);
    expect(await core.db.tx(core.db.session!, (sql) => pendingIn(sql))).toEqual([]);
    expect(await auditOf(core, 'audit.checkpoint_key_rotated')).toEqual([]);
    // The old key still signs, and the chain verifies.
    const after = await verify(core);
    expect(after.ok).toBe(true);
    expect(after.anchor).toMatchObject({ state: 'anchored', fingerprint: before.fingerprint });
  });

  it('a crash between the rotation steps leaves a working key: the old one before the history is written, the new one after; the next start records how it ended', async () => {
    const ws = await workstation('rotate-crash', 3, 'admin');
    const first = (await verify(ws.core)).anchor;
    expect(first.state).toBe('first');
    const store = storeOf(ws.core);
    const session = ws.core.db.session!;
    const crashAfter = (at: RotationStep) => (step: RotationStep) => {
      if (step === at) throw new Error(`power cut after ${at}`);
    };
    const history = keyHistoryFile(store.dir, ws.orgId);
    // As the rotateKey command does it, minus its own "rotated" event: that is the step a crash skips.
    const rotate = (at: RotationStep | null) =>
      ws.core.db.tx(session, (sql) =>
        rotateAuditKey(sql, ws.orgId, store, ws.core.vault, new Date(), at ? crashAfter(at) : undefined, (plan) =>
          ws.core.db.tx(session, async (s) => {
            await appendAudit(s, session, { action: ROTATION_STARTED, target: { type: 'org', id: ws.orgId }, data: { ...plan } }, { reason: null, requestId: null });
          }),
        ),
      );
    // A start a minute or more after the crash (a start sooner leaves a rotation that young alone:
    // it may be this process's own, its end about to commit; checked below).
    const nextStart = () => settleKeyRotations(ws.core.db, ws.core.vault, store, silentLogger(), 0);
    type Ends = { rotationId: string; retiredFingerprint: string; currentFingerprint: string; plannedFingerprint?: string; reconciled?: boolean };
    const data = async (action: string) => (await auditOf(ws.core, action)).map((e) => e.data as Ends).reverse();
    const lastStarted = async () => (await data(ROTATION_STARTED)).at(-1)!;

    // Stopped right after "started" was committed: the key never changed, and the next start says the rotation was abandoned.
    await expect(rotate('started')).rejects.toThrow(/power cut/);
    expect(await ws.core.vault.get(nextCheckpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).toBeNull();
    const s0 = await lastStarted();
    expect(s0).toMatchObject({ retiredFingerprint: first.fingerprint });
    expect(await data(ROTATION_ABANDONED)).toEqual([]);
    await settleKeyRotations(ws.core.db, ws.core.vault, store, silentLogger());
    expect(await data(ROTATION_ABANDONED)).toEqual([]);
    await nextStart();
    expect(await data(ROTATION_ABANDONED)).toEqual([{ rotationId: s0.rotationId, retiredFingerprint: first.fingerprint, plannedFingerprint: s0.currentFingerprint, currentFingerprint: first.fingerprint }]);
    expect((await verify(ws.core)).anchor).toMatchObject({ state: 'anchored', fingerprint: first.fingerprint });

    // Stopped with the new private key only under the "next" account: the old key stays current and the leftover is dropped.
    await expect(rotate('next-key-stored')).rejects.toThrow(/power cut/);
    expect(await ws.core.vault.get(nextCheckpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).not.toBeNull();
    const s1 = await lastStarted();
    const kept = (await verify(ws.core)).anchor;
    expect(kept).toMatchObject({ state: 'anchored', fingerprint: first.fingerprint, keys: [{ fingerprint: first.fingerprint }] });
    expect(await ws.core.vault.get(nextCheckpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).toBeNull();
    expect(existsSync(history)).toBe(false);
    await nextStart();
    expect((await data(ROTATION_ABANDONED)).map((d) => d.rotationId)).toEqual([s0.rotationId, s1.rotationId]);
    expect(await data('audit.checkpoint_key_rotated')).toEqual([]);

    // Stopped after the history named the new key, before the keychain's entry was switched: the next load finishes the switch.
    const oldSecret = await ws.core.vault.get(checkpointKeyAccount(storeOf(ws.core).dir, ws.orgId));
    await expect(rotate('history-written')).rejects.toThrow(/power cut/);
    const s2 = await lastStarted();
    expect(await ws.core.vault.get(checkpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).toBe(oldSecret);
    // The next start finishes the switch and records the rotation as done, with the key it made current.
    await nextStart();
    const switched = (await verify(ws.core)).anchor;
    expect(switched.state).toBe('anchored');
    expect(switched.fingerprint).toBe(s2.currentFingerprint);
    expect(switched.keys.map((k) => k.fingerprint)).toEqual([switched.fingerprint, first.fingerprint]);
    expect(await ws.core.vault.get(checkpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).not.toBe(oldSecret);
    expect(await ws.core.vault.get(nextCheckpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).toBeNull();
    expect(await data('audit.checkpoint_key_rotated')).toEqual([{ rotationId: s2.rotationId, retiredFingerprint: first.fingerprint, currentFingerprint: switched.fingerprint, reconciled: true }]);
    // …and it signs: the next checkpoint is the new key's, the first still the old key's.
    const signed = (await verify(ws.core)).anchor.latest!.size;
    await ws.add(1);
    expect((await verify(ws.core)).anchor).toMatchObject({ state: 'anchored', latest: { size: signed + 1, signedBy: switched.fingerprint } });
    expect((await signers(ws.core, ws.orgId))[0]).toEqual([3, first.fingerprint]);
    expect((await signers(ws.core, ws.orgId)).at(-1)).toEqual([signed + 1, switched.fingerprint]);

    // Stopped after the switch, before the "next" entry was removed: the new key works and the leftover goes.
    await expect(rotate('switched')).rejects.toThrow(/power cut/);
    const s3 = await lastStarted();
    await nextStart();
    const third = (await verify(ws.core)).anchor;
    expect(third.state).toBe('anchored');
    expect(third.keys.map((k) => k.fingerprint)).toEqual([third.fingerprint, switched.fingerprint, first.fingerprint]);
    expect(await ws.core.vault.get(nextCheckpointKeyAccount(storeOf(ws.core).dir, ws.orgId))).toBeNull();

    // Every step done, but the command's own "rotated" event never committed: the next start writes it.
    const done = await rotate(null);
    await nextStart();
    expect((await data('audit.checkpoint_key_rotated')).map((d) => [d.rotationId, d.currentFingerprint, d.reconciled])).toEqual([
      [s2.rotationId, switched.fingerprint, true],
      [s3.rotationId, third.fingerprint, true],
      [done.rotationId, done.current, true],
    ]);
    // Settled once: another start adds nothing, every "started" has exactly one end, and the chain verifies.
    const count = (await verify(ws.core)).checked;
    await nextStart();
    expect((await verify(ws.core)).checked).toBe(count);
    expect(await ws.core.db.tx(session, (sql) => pendingIn(sql))).toEqual([]);
    expect((await data(ROTATION_STARTED)).length).toBe(5);
    expect((await verify(ws.core)).ok).toBe(true);
  });

  it('imports a second workstation’s checkpoints with its pinned key, and reports a rewrite or truncation against them, naming the witness checkpoint', async () => {
    const a = await workstation('witness', 5, 'admin');
    // Workstation B: the same org, its own data folder and its own keychain.
    const witnessVault = new KeyringVault(`${TEST_SERVICE} (witness)`);
    const b = await coreOn(db, a.org.operator.email, { vault: witnessVault });
    cores.push({ core: b, orgId: a.orgId });
    const bFirst = (await verify(b)).anchor;
    expect(bFirst).toMatchObject({ state: 'first', latest: { size: 5 } });
    const pin = bFirst.fingerprint as string;
    const bKey = await loadOrCreateCheckpointKey(witnessVault, storeOf(b).dir, a.orgId);
    expect(bKey.fingerprint).toBe(pin);
    const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bKey.publicKey).toString('base64url') }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    const exported = (await call<Response<'audit.exportCheckpoints'>>(b, 'audit.exportCheckpoints', {})).text;

    // A imports B's export (PEM key, pinned fingerprint): kept apart from A's own checkpoints, and audited.
    const imported = await call<Response<'audit.importWitness'>>(a.core, 'audit.importWitness', { checkpoints: exported, publicKey: pem, pin: ` ${pin} ` });
    expect(imported).toEqual({ fingerprint: pin, added: 1, duplicates: 0, total: 1, latest: { size: 5, root: bFirst.latest?.root } });
    expect(existsSync(join(a.core.dataDir, 'audit-witnesses', `${a.orgId}.json`))).toBe(true);
    expect(existsSync(checkpointsFile(a.core, a.orgId))).toBe(false);
    const [event] = await auditOf(a.core, 'audit.witness_checkpoints_imported');
    expect(event).toMatchObject({ data: { witnessFingerprint: pin, added: 1, latestSize: 5 } });
    // The same file again adds nothing.
    expect(await call<Response<'audit.importWitness'>>(a.core, 'audit.importWitness', { checkpoints: exported, publicKey: pem, pin })).toMatchObject({ added: 0, duplicates: 1, total: 1 });

    // B's next checkpoint as a bundle carries it (one note), with B's OpenSSH key line.
    await a.add(2);
    const bNext = (await verify(b)).anchor;
    expect(bNext).toMatchObject({ state: 'anchored', latest: { size: 8 } });
    const note = (JSON.parse((await call<Response<'audit.exportCheckpoints'>>(b, 'audit.exportCheckpoints', {})).text) as { checkpoints: { note: string }[] }).checkpoints.at(-1)!.note;
    expect(await call<Response<'audit.importWitness'>>(a.core, 'audit.importWitness', { checkpoints: note, publicKey: openSshPublicKey(bKey.publicKey, 'witness b'), pin })).toMatchObject({ added: 1, total: 2, latest: { size: 8 } });

    const consistent = (await verify(a.core)).anchor;
    expect(consistent).toMatchObject({ state: 'first', witnesses: [{ fingerprint: pin, checkpoints: 2, latest: { size: 8 }, state: 'consistent' }] });
    expect(consistent.message).toContain(`Consistent with witness ${pin}'s checkpoint (8 events`);

    // Workstation C has no checkpoint of its own yet, only B's: a rewrite made before C's first verify is caught by the witness alone.
    const c = await coreOn(db, a.org.commander.email);
    cores.push({ core: c, orgId: a.orgId });
    await call(c, 'audit.importWitness', { checkpoints: exported, publicKey: pem, pin });
    await call(c, 'audit.importWitness', { checkpoints: note, publicKey: pem, pin });
    await rewrite(a.orgId, `UPDATE mc.audit_events SET reason = 'nothing to see here' WHERE org_id = $1 AND seq = 3`, [a.orgId], null);
    const onA = await verify(a.core);
    expect(onA).toMatchObject({ ok: true, breaks: [] });
    expect(onA.anchor).toMatchObject({ state: 'tampered', witnesses: [{ fingerprint: pin, state: 'rewritten' }] });
    expect(onA.anchor.message).toContain(`disagrees with witness ${pin}'s checkpoint (8 events`);
    const onC = (await verify(c)).anchor;
    expect(onC).toMatchObject({ state: 'tampered', latest: null, witnesses: [{ state: 'rewritten', latest: { size: 8 } }] });
    expect(onC.message).toMatch(new RegExp(`^TAMPERED: the history before event #9 was rewritten since witness ${pin.replace(/[+/]/g, '\\$&')}'s checkpoint \\(8 events, root `));
    // Nothing is signed over it.
    expect(existsSync(checkpointsFile(c, a.orgId))).toBe(false);

    // A tree smaller than the witness saw: truncated.
    await rewrite(a.orgId, null, [], 4);
    const truncated = (await verify(c)).anchor;
    expect(truncated).toMatchObject({ state: 'tampered', witnesses: [{ state: 'truncated' }] });
    expect(truncated.message).toContain(`the history was truncated to 4 events since witness ${pin}'s checkpoint (8 events`);
  });

  it('refuses every bad witness import with a clear error and changes nothing stored', async () => {
    const a = await workstation('witness-bad', 3, 'admin');
    const witnessVault = new KeyringVault(`${TEST_SERVICE} (witness)`);
    const b = await coreOn(db, a.org.operator.email, { vault: witnessVault });
    cores.push({ core: b, orgId: a.orgId });
    const pin = (await verify(b)).anchor.fingerprint as string;
    const bKey = await loadOrCreateCheckpointKey(witnessVault, storeOf(b).dir, a.orgId);
    const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bKey.publicKey).toString('base64url') }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    const exported = (await call<Response<'audit.exportCheckpoints'>>(b, 'audit.exportCheckpoints', {})).text;
    await call(a.core, 'audit.importWitness', { checkpoints: exported, publicKey: pem, pin });
    const witnessFile = join(a.core.dataDir, 'audit-witnesses', `${a.orgId}.json`);
    const stored = readFileSync(witnessFile, 'utf8');
    const head = (await verify(a.core)).headSeq;

    const note = (JSON.parse(exported) as { checkpoints: { note: string }[] }).checkpoints[0]!.note;
    const root = fromBase64(note.split('\n')[2]!)!;
    const otherOrg = signNote(sha256Bytes, formatCheckpoint({ origin: checkpointOrigin(randomUUID()), size: 3, root }), bKey);
    const sigAt = note.lastIndexOf(' ') + 10;
    const badSignature = note.slice(0, sigAt) + (note[sigAt] === 'A' ? 'B' : 'A') + note.slice(sigAt + 1);
    const ownKey = await loadOrCreateCheckpointKey(a.core.vault, storeOf(a.core).dir, a.orgId);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['another org’s log', { checkpoints: otherOrg }, /is a checkpoint of another log .*not this org's/],
      ['a bad signature', { checkpoints: JSON.stringify({ version: 1, checkpoints: [{ note: badSignature, seenAt: new Date().toISOString() }] }) }, /The checkpoint does not verify|Checkpoint 1 of the file does not verify/],
      ['a wrong pin', { pin: `SHA256:${'A'.repeat(43)}` }, new RegExp(`fingerprint is ${pin.replace(/[+/]/g, '\\$&')}, not the pinned SHA256:A{43}: this is not the witness's key\\. Nothing was imported`)],
      ['a pin that is no fingerprint', { pin: 'my witness' }, /The pinned fingerprint is SHA256: and 43 characters/],
      ['this workstation’s own key', { publicKey: openSshPublicKey(ownKey.publicKey), pin: ownKey.fingerprint }, /own checkpoint key: a witness is another workstation/],
      ['a private key', { publicKey: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n' }, /That is a private key/],
      ['a key file that is no key', { publicKey: 'hello' }, /not an Ed25519 public key/],
      ['truncated JSON', { checkpoints: exported.slice(0, 40) }, /not valid JSON/],
      ['JSON of another shape', { checkpoints: '{"version":2,"checkpoints":[]}' }, /not an export of checkpoints \(version/],
      ['a note that is not one', { checkpoints: 'hello\n' }, /The checkpoint does not verify/],
      ['an oversized file', { checkpoints: 'x'.repeat(WITNESS_IMPORT_MAX_CHARS + 1) }, /npm run evidence -- import-checkpoints/],
    ];
    for (const [name, change, message] of cases) {
      const r = await a.core.router.invoke('audit.importWitness', { checkpoints: exported, publicKey: pem, pin, ...change }, DIRECT);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      expect(r.ok ? '' : r.error.message, name).toMatch(message);
      expect(readFileSync(witnessFile, 'utf8'), name).toBe(stored);
    }
    // The service's own bound, for files larger than the contract carries (the CLI).
    expect(() => importWitness(a.orgId, new WitnessStore(a.core.dataDir), [], { checkpoints: ' '.repeat(MAX_WITNESS_IMPORT_CHARS + 1), publicKey: pem, pin }, new Date())).toThrow(/larger than 32 MiB/);
    expect(readFileSync(witnessFile, 'utf8')).toBe(stored);
    // Nothing audited for the refusals.
    expect((await verify(a.core)).headSeq).toBe(head);
  });
});
