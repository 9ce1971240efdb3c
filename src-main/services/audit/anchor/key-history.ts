import { join } from 'node:path';
import { z } from 'zod';
import { fromBase64, toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { sshFingerprint } from '../../../../src-shared/domain/anchor/ssh-key';
import { canonicalJson } from '../../../../src-shared/domain/canonical-json';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { CheckpointStoreError } from './checkpoint-store';
import { ed25519Verify, sha256Bytes } from './node-crypto';

/**
 * This workstation's checkpoint keys for one org, public halves only:
 * <dataDir>/audit-checkpoints/<org>.keys.json, written when a key is rotated. The current key signs
 * the file (domain-separated), so a key slipped into the data folder cannot make forged checkpoints
 * verify as "signed by a retired key": only the keychain's key could have listed it. No file means
 * the key was never rotated: the keychain's key is the only one.
 */
export interface PublicCheckpointKey {
  fingerprint: string;
  publicKey: Uint8Array;
  /** Null for the key created before the first rotation (its creation was not recorded). */
  createdAt: string | null;
  /** Null for the current key. */
  retiredAt: string | null;
}

export interface KeyHistory {
  current: PublicCheckpointKey;
  /** Newest first. */
  retired: PublicCheckpointKey[];
}

const SIGNED_PREFIX = 'umamiedge.mission-control/checkpoint-key-history/v1\n';
const MAX_KEYS = 1000;

const entry = z
  .object({
    fingerprint: z.string().max(100),
    public_key: z.string().max(64),
    created_at: z.iso.datetime().nullable(),
    retired_at: z.iso.datetime().nullable(),
  })
  .strict();
const FILE = z.object({ version: z.literal(1), org: z.string().max(64), current: entry, retired: z.array(entry).max(MAX_KEYS), signature: z.string().max(200) }).strict();
type Entry = z.infer<typeof entry>;

const toEntry = (k: PublicCheckpointKey): Entry => ({ fingerprint: k.fingerprint, public_key: toBase64(k.publicKey), created_at: k.createdAt, retired_at: k.retiredAt });

/** The bytes the current key signs: everything in the file but the signature, canonical JSON. */
function signedBytes(orgId: string, h: KeyHistory): Uint8Array {
  return new TextEncoder().encode(SIGNED_PREFIX + canonicalJson({ version: 1, org: orgId, current: toEntry(h.current), retired: h.retired.map(toEntry) }));
}

export function keyHistoryFile(dir: string, orgId: string): string {
  return join(dir, `${orgId}.keys.json`);
}

/** Null when there is no file; throws CheckpointStoreError (naming the file) when it is corrupt or not signed by its current key. */
export function readKeyHistory(dir: string, orgId: string): KeyHistory | null {
  const file = keyHistoryFile(dir, orgId);
  const bad = (why: string) => new CheckpointStoreError(`the key history ${file} ${why}; it was left untouched: restore it from a backup`);
  const data = readJsonFile(file, FILE, bad);
  if (!data) return null;
  if (data.org !== orgId) throw bad(`belongs to org ${data.org}`);
  const key = (e: Entry): PublicCheckpointKey => {
    const publicKey = fromBase64(e.public_key);
    if (!publicKey || publicKey.length !== 32 || sshFingerprint(sha256Bytes, publicKey) !== e.fingerprint) throw bad(`lists a key whose fingerprint is not ${e.fingerprint}`);
    return { fingerprint: e.fingerprint, publicKey, createdAt: e.created_at, retiredAt: e.retired_at };
  };
  const history: KeyHistory = { current: key(data.current), retired: data.retired.map(key) };
  const signature = fromBase64(data.signature);
  if (!signature || signature.length !== 64 || !ed25519Verify(history.current.publicKey, signedBytes(orgId, history), signature)) {
    throw bad('is not signed by the current key it names (edited)');
  }
  return history;
}

export function writeKeyHistory(dir: string, orgId: string, h: KeyHistory, sign: (message: Uint8Array) => Uint8Array): void {
  if (h.retired.length > MAX_KEYS) throw new CheckpointStoreError(`a key history keeps at most ${MAX_KEYS} retired keys`);
  const file = { version: 1, org: orgId, current: toEntry(h.current), retired: h.retired.map(toEntry), signature: toBase64(sign(signedBytes(orgId, h))) };
  writeFileAtomic(keyHistoryFile(dir, orgId), `${JSON.stringify(file, null, 1)}\n`);
}
