import type { CheckpointStore } from '../audit/anchor';
import { readKeyHistory } from '../audit/anchor/key-history';

/**
 * When this workstation's audit checkpoint key for the org began signing, read without side
 * effects (loadKeyRing would create a key): the key history's creation time after a rotation, or,
 * for a key never rotated, the first checkpoint it signed. Null: no key has signed yet.
 */
export function checkpointKeyAge(store: CheckpointStore, orgId: string): { fingerprint: string | null; createdAt: string } | null {
  const history = readKeyHistory(store.dir, orgId);
  if (history?.current.createdAt) return { fingerprint: history.current.fingerprint, createdAt: history.current.createdAt };
  const first = store.read(orgId)[0];
  if (!first) return null;
  return { fingerprint: history?.current.fingerprint ?? null, createdAt: first.seenAt };
}
