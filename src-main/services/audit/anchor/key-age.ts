import type { CheckpointStore } from './checkpoint-store';
import { readKeyHistory } from './key-history';

/**
 * When this workstation's audit checkpoint key for the org began signing, read without side
 * effects (loadKeyRing would create a key): the key history's creation time after a rotation, or,
 * for a key never rotated, the first checkpoint it signed (the key is made on that first need).
 * Null: no key has signed yet. The one reading of the key's age: the advisory scan and the
 * Credentials inventory both show this figure, so they cannot disagree about one key.
 * Throws CheckpointStoreError when the key history file is corrupt.
 */
export function checkpointKeyAge(store: CheckpointStore, orgId: string): { fingerprint: string | null; createdAt: string } | null {
  const history = readKeyHistory(store.dir, orgId);
  if (history?.current.createdAt) return { fingerprint: history.current.fingerprint, createdAt: history.current.createdAt };
  const first = store.read(orgId)[0];
  if (!first) return null;
  return { fingerprint: history?.current.fingerprint ?? null, createdAt: first.seenAt };
}
