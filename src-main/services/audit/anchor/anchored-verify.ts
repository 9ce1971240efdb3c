import { auditLeaf } from '../../../../src-shared/domain/anchor/audit-tree';
import { toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { type Checkpoint, checkpointOrigin, formatCheckpoint, parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { MerkleTree, verifyConsistency } from '../../../../src-shared/domain/anchor/merkle';
import { signNote, verifyNote } from '../../../../src-shared/domain/anchor/signed-note';
import type { AnchorKey, AnchorWitness, AuditAnchor, AnchorCheckpoint } from '../../../../src-shared/contract/audit';
import { fromBase64 } from '../../../../src-shared/domain/anchor/base64';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { type AuditRow, chained, COLUMNS } from '../read';
import { checkpointKeyName, type KeyRing, loadKeyRing, ringKeys } from './checkpoint-key';
import { CheckpointStore, CheckpointStoreError, type StoredCheckpoint } from './checkpoint-store';
import type { PublicCheckpointKey } from './key-history';
import { openWitnessNote } from './witness-import';
import { WitnessStore } from './witness-store';
import { ed25519Verify, sha256Bytes } from './node-crypto';

const BATCH = 5000;

/** Leaf hashes of every event of the current org (up to untilSeq), in seq order (32 bytes each; memory stays small). */
export async function readLeaves(sql: Sql, untilSeq: number = Number.MAX_SAFE_INTEGER): Promise<Uint8Array[]> {
  const leaves: Uint8Array[] = [];
  let after = 0;
  for (;;) {
    const rows = await sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM mc.audit_events WHERE org_id = mc.current_org_id() AND seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2`,
      [after, BATCH, untilSeq],
    );
    for (const r of rows) leaves.push(auditLeaf(sha256Bytes, chained(r)));
    if (rows.length < BATCH) return leaves;
    after = (rows[rows.length - 1] as AuditRow).seq;
  }
}

export interface Seen extends Checkpoint {
  index: number;
  seenAt: string;
  /** Fingerprint of the key (current or retired) whose signature verified. */
  signedBy: string;
  note: string;
}

function view(c: Seen): AnchorCheckpoint {
  return { number: c.index + 1, size: c.size, root: toBase64(c.root), seenAt: c.seenAt, signedBy: c.signedBy };
}

function describe(c: Seen): string {
  return `checkpoint ${c.index + 1} (${c.size} events, root ${toBase64(c.root)}, seen ${c.seenAt})`;
}

/**
 * Every stored note must carry a signature, by this workstation's current key or one it retired,
 * over a checkpoint of this org. The retired keys come from the key history the current key signed.
 */
export function openStored(stored: readonly StoredCheckpoint[], keys: readonly PublicCheckpointKey[], orgId: string): Seen[] {
  const name = checkpointKeyName(orgId);
  return stored.map((s, index) => {
    let text: string | null = null;
    let signedBy = '';
    const errors: string[] = [];
    for (const k of keys) {
      try {
        text = verifyNote(sha256Bytes, ed25519Verify, s.note, { name, publicKey: k.publicKey }).text;
        signedBy = k.fingerprint;
        break;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (text === null) {
      const which = keys.length > 1 ? `any of this workstation's ${keys.length} keys (current and retired)` : "this workstation's key";
      throw new CheckpointStoreError(`stored checkpoint ${index + 1} does not verify with ${which} (${errors.at(-1) ?? 'no key'})`);
    }
    const cp = parseCheckpoint(text);
    if (cp.origin !== checkpointOrigin(orgId)) throw new CheckpointStoreError(`stored checkpoint ${index + 1} belongs to another log (${cp.origin})`);
    return { ...cp, index, seenAt: s.seenAt, signedBy, note: s.note };
  });
}

export function keysView(ring: KeyRing): AnchorKey[] {
  return ringKeys(ring).map((k) => ({ fingerprint: k.fingerprint, createdAt: k.createdAt, retiredAt: k.retiredAt }));
}

interface WitnessLatest extends AnchorWitness {
  root: Uint8Array;
}

/** Each witness's largest checkpoint, every note re-verified with the witness's own key (the file may have been edited). */
function openWitnesses(store: WitnessStore, orgId: string): WitnessLatest[] {
  return store.read(orgId).flatMap((w) => {
    const publicKey = fromBase64(w.public_key);
    if (!publicKey || publicKey.length !== 32) throw new CheckpointStoreError(`the witness checkpoints file ${store.fileFor(orgId)} holds a malformed key for ${w.fingerprint}; it was left untouched`);
    let best: WitnessLatest | null = null;
    w.checkpoints.forEach((c, i) => {
      let cp: Checkpoint;
      try {
        cp = openWitnessNote(c.note, publicKey, orgId, `witness ${w.fingerprint}'s checkpoint ${i + 1}`).checkpoint;
      } catch (e) {
        throw new CheckpointStoreError(`the witness checkpoints file ${store.fileFor(orgId)} was altered: ${(e as Error).message} It was left untouched.`);
      }
      if (!best || cp.size > best.latest.size) best = { fingerprint: w.fingerprint, checkpoints: w.checkpoints.length, latest: { size: cp.size, root: toBase64(cp.root), importedAt: c.imported_at }, state: 'consistent', root: cp.root };
    });
    return best ? [best] : [];
  });
}

function describeWitness(w: WitnessLatest): string {
  return `witness ${w.fingerprint}'s checkpoint (${w.latest.size} events, root ${w.latest.root}, imported ${w.latest.importedAt})`;
}

export interface AnchorDeps {
  store: CheckpointStore;
  vault: Vault;
  now?: () => Date;
  /** Imported witness checkpoints; beside the store when not given. */
  witnesses?: WitnessStore;
  /** The leaf hashes when the caller already read every event (verifyAudit's pass); read here otherwise. */
  leaves?: Uint8Array[];
  /** The tree itself when the caller built it (a bundle derives its proofs from the same one). */
  tree?: MerkleTree;
}

/**
 * Checks the database's current Merkle tree against the latest checkpoint this workstation stored,
 * with an RFC 9162 consistency proof computed from the events read, then signs and stores a new
 * checkpoint when the log grew. Tampering is never "fixed" by signing over it: the store keeps the
 * last good checkpoint, and the verdict names it. `chainOk` false (the hash chain itself is
 * broken) also withholds a new checkpoint.
 */
export async function anchorAudit(sql: Sql, orgId: string, deps: AnchorDeps, chainOk: boolean): Promise<AuditAnchor> {
  let ring: KeyRing;
  try {
    ring = await loadKeyRing(deps.vault, deps.store.dir, orgId);
  } catch (e) {
    if (e instanceof CheckpointStoreError) return { ...unavailable(e.message), state: 'store_error' };
    return unavailable(`No checkpoint key: ${(e as Error).message}`);
  }
  const key = ring.current;
  const keys = keysView(ring);
  let seen: Seen[];
  let witnesses: WitnessLatest[];
  try {
    seen = openStored(deps.store.read(orgId), ringKeys(ring), orgId);
    witnesses = openWitnesses(deps.witnesses ?? WitnessStore.beside(deps.store), orgId);
  } catch (e) {
    return { state: 'store_error', message: (e as Error).message, fingerprint: key.fingerprint, latest: null, lastGood: null, stored: 0, keys, witnesses: [] };
  }
  const tree = deps.tree ?? new MerkleTree(sha256Bytes, deps.leaves ?? (await readLeaves(sql)));
  const size = tree.size;
  const root = tree.root();
  const consistent = (m: number, r: Uint8Array) => m <= size && verifyConsistency(sha256Bytes, m, size, r, root, tree.consistencyProof(m, size));
  for (const w of witnesses) if (!consistent(w.latest.size, w.root)) w.state = w.latest.size > size ? 'truncated' : 'rewritten';
  const witnessView: AnchorWitness[] = witnesses.map(({ root: _root, ...w }) => w);
  const latest = seen[seen.length - 1] ?? null;
  const base = { fingerprint: key.fingerprint, keys, witnesses: witnessView };
  if (latest && !consistent(latest.size, latest.root)) {
    const good = [...seen].reverse().find((c) => consistent(c.size, c.root));
    const what = size < latest.size ? `the history was truncated to ${size} events` : `the history before event #${latest.size + 1} was rewritten`;
    return {
      ...base,
      state: 'tampered',
      message:
        `TAMPERED: ${what} since ${describe(latest)}.` +
        (good ? ` The database still agrees with ${describe(good)}: events #1–#${good.size} are intact.` : ' No stored checkpoint agrees with the database.') +
        witnesses.filter((w) => w.state !== 'consistent').map((w) => ` It disagrees with ${describeWitness(w)} too.`).join(''),
      latest: view(latest),
      lastGood: good ? view(good) : null,
      stored: seen.length,
    };
  }
  const against = witnesses.find((w) => w.state !== 'consistent');
  if (against) {
    const what = against.state === 'truncated' ? `the history was truncated to ${size} events` : `the history before event #${against.latest.size + 1} was rewritten`;
    return {
      ...base,
      state: 'tampered',
      message: `TAMPERED: ${what} since ${describeWitness(against)}. No new checkpoint was signed over it.`,
      latest: latest ? view(latest) : null,
      lastGood: null,
      stored: seen.length,
    };
  }
  const withWitnesses = witnesses.length > 0 ? ` Consistent with ${witnesses.length === 1 ? describeWitness(witnesses[0] as WitnessLatest) : `the latest checkpoints of ${witnesses.length} witnesses`}.` : '';
  if (!chainOk) {
    return {
      ...base,
      state: 'not_signed',
      message: 'The hash chain is broken, so no new checkpoint was signed over it.' + (latest ? ` Consistent with ${describe(latest)}.` : ''),
      latest: latest ? view(latest) : null,
      lastGood: latest ? view(latest) : null,
      stored: seen.length,
    };
  }
  let current = latest;
  if (!latest || size > latest.size) {
    const seenAt = (deps.now?.() ?? new Date()).toISOString();
    const note = signNote(sha256Bytes, formatCheckpoint({ origin: checkpointOrigin(orgId), size, root }), key);
    deps.store.append(orgId, { note, seenAt });
    current = { origin: checkpointOrigin(orgId), size, root, index: seen.length, seenAt, signedBy: key.fingerprint, note };
  }
  const c = current as Seen;
  return {
    ...base,
    state: latest ? 'anchored' : 'first',
    message:
      (latest
        ? `Anchored: consistent with ${describe(latest)}` + (c !== latest ? `; signed checkpoint ${c.index + 1} (${c.size} events).` : '.')
        : `First checkpoint on this workstation: signed checkpoint 1 (${size} events). Rewrites from now on are detected; history before it cannot be checked here.`) + withWitnesses,
    latest: view(c),
    lastGood: latest ? view(latest) : null,
    stored: c.index + 1,
  };
}

function unavailable(message: string): AuditAnchor {
  return { state: 'unavailable', message, fingerprint: null, latest: null, lastGood: null, stored: 0, keys: [], witnesses: [] };
}

/** The stored notes as the checkpoints file itself (JSON), for a witness to keep and re-verify. */
export function exportCheckpoints(orgId: string, store: CheckpointStore): { fileName: string; text: string; count: number } {
  const checkpoints = store.read(orgId);
  return { fileName: `audit-checkpoints-${orgId}.json`, text: `${JSON.stringify({ version: 1, checkpoints }, null, 1)}\n`, count: checkpoints.length };
}
