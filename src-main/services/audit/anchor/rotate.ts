import { randomUUID } from 'node:crypto';
import type { AnchorCheckpoint } from '../../../../src-shared/contract/audit';
import { McError } from '../../../../src-shared/contract/errors';
import { auditLeaf } from '../../../../src-shared/domain/anchor/audit-tree';
import { toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { checkpointOrigin, formatCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { MerkleTree } from '../../../../src-shared/domain/anchor/merkle';
import { signNote } from '../../../../src-shared/domain/anchor/signed-note';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { verifyAudit } from '../read';
import { anchorAudit } from './anchored-verify';
import { rotateCheckpointKey, type RotationStep } from './checkpoint-key';
import type { CheckpointStore } from './checkpoint-store';
import type { RotationPlan } from './rotation-log';
import { sha256Bytes } from './node-crypto';

export interface Rotated {
  /** Pairs the "started" event with the "rotated" one. */
  rotationId: string;
  retired: string;
  current: string;
  /** The checkpoint the new key signed at once (null when the log is empty). */
  checkpoint: AnchorCheckpoint | null;
}

/**
 * Rotate the org's checkpoint key on this workstation. The log is anchored with the old key first:
 * a key is never rotated over a history that disagrees with its checkpoints (the new key would
 * sign over the tampering). Then the key is replaced (rotateCheckpointKey: crash-safe steps) and
 * the new key signs a checkpoint of the same tree at once, so the latest checkpoint is always the
 * current key's. The caller audits the rotation in its transaction.
 */
export async function rotateAuditKey(
  sql: Sql,
  orgId: string,
  store: CheckpointStore,
  vault: Vault,
  now: Date,
  onStep?: (step: RotationStep) => void,
  /** Commits the "started" event (its own transaction) before the key changes; see rotation-log.ts. */
  started?: (plan: RotationPlan) => Promise<void>,
): Promise<Rotated> {
  const leaves: Uint8Array[] = [];
  const chain = await verifyAudit(sql, orgId, (events) => {
    for (const e of events) leaves.push(auditLeaf(sha256Bytes, e));
  });
  if (!chain.ok) throw new McError('CONFLICT', `The audit chain does not verify, so the key is not rotated (the new key would sign over the break): ${chain.breaks[0]?.description ?? 'see Verify chain'}.`);
  const anchor = await anchorAudit(sql, orgId, { store, vault, leaves, now: () => now }, true);
  if (anchor.state !== 'anchored' && anchor.state !== 'first') throw new McError('CONFLICT', `The audit log must be anchored before the key is rotated: ${anchor.message}`);
  const rotationId = randomUUID();
  const { old, ring } = await rotateCheckpointKey(vault, store.dir, orgId, now, onStep, started ? (p) => started({ rotationId, ...p }) : undefined);
  const tree = new MerkleTree(sha256Bytes, leaves);
  let checkpoint: AnchorCheckpoint | null = null;
  if (tree.size > 0) {
    const note = signNote(sha256Bytes, formatCheckpoint({ origin: checkpointOrigin(orgId), size: tree.size, root: tree.root() }), ring.current);
    store.append(orgId, { note, seenAt: now.toISOString() });
    checkpoint = { number: store.read(orgId).length, size: tree.size, root: toBase64(tree.root()), seenAt: now.toISOString(), signedBy: ring.current.fingerprint };
  }
  return { rotationId, retired: old.current.fingerprint, current: ring.current.fingerprint, checkpoint };
}
