import { auditLeaf } from '../../../../src-shared/domain/anchor/audit-tree';
import { toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { type Checkpoint, checkpointOrigin, formatCheckpoint, parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { MerkleTree, verifyConsistency } from '../../../../src-shared/domain/anchor/merkle';
import { signNote, verifyNote } from '../../../../src-shared/domain/anchor/signed-note';
import type { AuditAnchor, AnchorCheckpoint } from '../../../../src-shared/contract/audit';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { type AuditRow, chained, COLUMNS } from '../read';
import { type CheckpointKey, loadOrCreateCheckpointKey } from './checkpoint-key';
import { CheckpointStore, CheckpointStoreError, type StoredCheckpoint } from './checkpoint-store';
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

interface Seen extends Checkpoint {
  index: number;
  seenAt: string;
}

function view(c: Seen): AnchorCheckpoint {
  return { number: c.index + 1, size: c.size, root: toBase64(c.root), seenAt: c.seenAt };
}

function describe(c: Seen): string {
  return `checkpoint ${c.index + 1} (${c.size} events, root ${toBase64(c.root)}, seen ${c.seenAt})`;
}

/** Every stored note must carry this workstation's signature over a checkpoint of this org. */
function openStored(stored: readonly StoredCheckpoint[], key: CheckpointKey, orgId: string): Seen[] {
  return stored.map((s, index) => {
    let text: string;
    try {
      text = verifyNote(sha256Bytes, ed25519Verify, s.note, key).text;
    } catch (e) {
      throw new CheckpointStoreError(`stored checkpoint ${index + 1} does not verify with this workstation's key (${(e as Error).message})`);
    }
    const cp = parseCheckpoint(text);
    if (cp.origin !== checkpointOrigin(orgId)) throw new CheckpointStoreError(`stored checkpoint ${index + 1} belongs to another log (${cp.origin})`);
    return { ...cp, index, seenAt: s.seenAt };
  });
}

export interface AnchorDeps {
  store: CheckpointStore;
  vault: Vault;
  now?: () => Date;
  /** The leaf hashes when the caller already read every event (verifyAudit's pass); read here otherwise. */
  leaves?: Uint8Array[];
}

/**
 * Checks the database's current Merkle tree against the latest checkpoint this workstation stored,
 * with an RFC 9162 consistency proof computed from the events read, then signs and stores a new
 * checkpoint when the log grew. Tampering is never "fixed" by signing over it: the store keeps the
 * last good checkpoint, and the verdict names it. `chainOk` false (the hash chain itself is
 * broken) also withholds a new checkpoint.
 */
export async function anchorAudit(sql: Sql, orgId: string, deps: AnchorDeps, chainOk: boolean): Promise<AuditAnchor> {
  let key: CheckpointKey;
  try {
    key = await loadOrCreateCheckpointKey(deps.vault, orgId);
  } catch (e) {
    return unavailable(`No checkpoint key: ${(e as Error).message}`);
  }
  let seen: Seen[];
  try {
    seen = openStored(deps.store.read(orgId), key, orgId);
  } catch (e) {
    return { state: 'store_error', message: (e as Error).message, fingerprint: key.fingerprint, latest: null, lastGood: null, stored: 0 };
  }
  const tree = new MerkleTree(sha256Bytes, deps.leaves ?? (await readLeaves(sql)));
  const size = tree.size;
  const root = tree.root();
  const latest = seen[seen.length - 1] ?? null;
  if (latest) {
    const proof = latest.size <= size ? tree.consistencyProof(latest.size, size) : [];
    if (!verifyConsistency(sha256Bytes, latest.size, size, latest.root, root, proof)) {
      const good = [...seen].reverse().find((c) => c.size <= size && verifyConsistency(sha256Bytes, c.size, size, c.root, root, tree.consistencyProof(c.size, size)));
      const what = size < latest.size ? `the history was truncated to ${size} events` : `the history before event #${latest.size + 1} was rewritten`;
      return {
        state: 'tampered',
        message:
          `TAMPERED: ${what} since ${describe(latest)}.` +
          (good ? ` The database still agrees with ${describe(good)}: events #1–#${good.size} are intact.` : ' No stored checkpoint agrees with the database.'),
        fingerprint: key.fingerprint,
        latest: view(latest),
        lastGood: good ? view(good) : null,
        stored: seen.length,
      };
    }
  }
  if (!chainOk) {
    return {
      state: 'not_signed',
      message: 'The hash chain is broken, so no new checkpoint was signed over it.' + (latest ? ` Consistent with ${describe(latest)}.` : ''),
      fingerprint: key.fingerprint,
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
    current = { origin: checkpointOrigin(orgId), size, root, index: seen.length, seenAt };
  }
  const c = current as Seen;
  return {
    state: latest ? 'anchored' : 'first',
    message: latest
      ? `Anchored: consistent with ${describe(latest)}` + (c !== latest ? `; signed checkpoint ${c.index + 1} (${c.size} events).` : '.')
      : `First checkpoint on this workstation: signed checkpoint 1 (${size} events). Rewrites from now on are detected; history before it cannot be checked here.`,
    fingerprint: key.fingerprint,
    latest: view(c),
    lastGood: latest ? view(latest) : null,
    stored: c.index + 1,
  };
}

function unavailable(message: string): AuditAnchor {
  return { state: 'unavailable', message, fingerprint: null, latest: null, lastGood: null, stored: 0 };
}

/** The stored notes as the checkpoints file itself (JSON), for a witness to keep and re-verify. */
export function exportCheckpoints(orgId: string, store: CheckpointStore): { fileName: string; text: string; count: number } {
  const checkpoints = store.read(orgId);
  return { fileName: `audit-checkpoints-${orgId}.json`, text: `${JSON.stringify({ version: 1, checkpoints }, null, 1)}\n`, count: checkpoints.length };
}
