import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointOrigin } from '../../../../src-shared/domain/anchor/checkpoint';
import type { NoteSigner } from '../../../../src-shared/domain/anchor/signed-note';
import { sshFingerprint } from '../../../../src-shared/domain/anchor/ssh-key';
import type { Vault } from '../../../vault';
import { CheckpointStoreError } from './checkpoint-store';
import { type KeyHistory, type PublicCheckpointKey, readKeyHistory, writeKeyHistory } from './key-history';
import { sha256Bytes } from './node-crypto';

/**
 * This workstation's Ed25519 checkpoint key for one org. The private key lives only in the OS
 * keychain (PKCS#8, base64), created on first need; without a keychain there is no key and no
 * new checkpoint, never a key on disk. The account name is not an embedded-database account, so
 * the data-folder fallback vault refuses it too.
 *
 * The account names the checkpoint folder's slot as well as the org: the key belongs with the
 * checkpoints and key history it signed, which live in that folder. Named by org alone, two data
 * folders of one OS user (two installations, a restore drill's copy, the demo org whose id is the
 * same everywhere) shared one entry, and the second to create or rotate the key left the first's
 * checkpoints unverifiable ("stored checkpoint 1 does not verify with this workstation's key").
 */
export function checkpointKeyAccount(dir: string, orgId: string): string {
  return `audit-checkpoint-key:${checkpointKeySlot(dir)}:${orgId}`;
}

/** The account of releases before the slot: a folder that signed with it adopts that key once. */
export function legacyCheckpointKeyAccount(orgId: string): string {
  return `audit-checkpoint-key:${orgId}`;
}

const SLOT_FILE = 'keychain-slot';

/**
 * The checkpoint folder's random slot id (16 hex digits in <dir>/keychain-slot), made on first
 * need. Written to a temp file and hard-linked into place, so two processes starting at once
 * agree on one slot and neither reads a half-written file. A file that is not a slot id is an
 * error naming it, and is left alone: replacing it would orphan the keychain entry it names.
 */
export function checkpointKeySlot(dir: string): string {
  const file = join(dir, SLOT_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${randomBytes(8).toString('hex')}\n`, { mode: 0o600, flush: true });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const slot = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{16}$/.test(slot)) {
    throw new CheckpointStoreError(`the file ${file} does not hold a keychain slot id (16 hex digits); it was left untouched: restore it from a backup of the data folder`);
  }
  return slot;
}

/** The signed-note key name: the checkpoint origin plus "/workstation" (no spaces, no "+"). */
export function checkpointKeyName(orgId: string): string {
  return `${checkpointOrigin(orgId)}/workstation`;
}

export interface CheckpointKey extends NoteSigner {
  fingerprint: string;
}

/** Where a rotation puts the new private key before it becomes current (see rotateCheckpointKey). */
export function nextCheckpointKeyAccount(dir: string, orgId: string): string {
  return `audit-checkpoint-key-next:${checkpointKeySlot(dir)}:${orgId}`;
}

const newPkcs8 = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

export async function loadOrCreateCheckpointKey(vault: Vault, dir: string, orgId: string): Promise<CheckpointKey> {
  const account = checkpointKeyAccount(dir, orgId);
  let pkcs8 = await vault.get(account);
  if (!pkcs8) {
    pkcs8 = (await adoptLegacyKey(vault, dir, orgId)) ?? newPkcs8();
    await vault.set(account, pkcs8);
  }
  return keyFrom(pkcs8, account, orgId);
}

/**
 * A folder that already signed checkpoints or a key history for the org, under the account
 * named by org alone, keeps that key (copied to its slot's account; the old entry stays, since
 * another folder may sign with it too). A new folder gets a key of its own.
 */
async function adoptLegacyKey(vault: Vault, dir: string, orgId: string): Promise<string | null> {
  const signedBefore = existsSync(join(dir, `${orgId}.json`)) || existsSync(join(dir, `${orgId}.keys.json`));
  if (!signedBefore) return null;
  const current = await vault.get(legacyCheckpointKeyAccount(orgId));
  // A rotation cut after its history was written, under the old account names: the history names
  // the "next" key current, and that is the one this folder signs with from now on.
  const history = readKeyHistory(dir, orgId);
  const next = history ? await vault.get(`audit-checkpoint-key-next:${orgId}`) : null;
  if (history && next && keyFrom(next, 'audit-checkpoint-key-next', orgId).fingerprint === history.current.fingerprint) return next;
  return current;
}

function keyFrom(pkcs8: string, account: string, orgId: string): CheckpointKey {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the keychain entry ${account} is not an Ed25519 key`);
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  const publicKey = new Uint8Array(Buffer.from(x, 'base64url'));
  return {
    name: checkpointKeyName(orgId),
    publicKey,
    fingerprint: sshFingerprint(sha256Bytes, publicKey),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** The key that signs now and every key this workstation signed with before (public halves). */
export interface KeyRing {
  current: CheckpointKey & { createdAt: string | null };
  /** Newest first. */
  retired: PublicCheckpointKey[];
}

/**
 * The current key (created on first need) and the retired ones from the key history. Finishes a
 * rotation that crashed after its history was written: the keychain's "next" entry becomes current.
 * A leftover "next" entry of a rotation that crashed before that is dropped: it never signed anything.
 */
export async function loadKeyRing(vault: Vault, dir: string, orgId: string): Promise<KeyRing> {
  const history = readKeyHistory(dir, orgId);
  let key = await loadOrCreateCheckpointKey(vault, dir, orgId);
  const nextAccount = nextCheckpointKeyAccount(dir, orgId);
  const next = await vault.get(nextAccount);
  if (history && history.current.fingerprint !== key.fingerprint) {
    const pending = next ? keyFrom(next, nextAccount, orgId) : null;
    if (!pending || pending.fingerprint !== history.current.fingerprint) {
      throw new CheckpointStoreError(
        `the key history names ${history.current.fingerprint} as this workstation's checkpoint key, but the keychain holds ${key.fingerprint}: the keychain entry was replaced or the history file comes from another workstation`,
      );
    }
    await vault.set(checkpointKeyAccount(dir, orgId), next as string);
    key = pending;
  }
  if (next) await vault.delete(nextAccount);
  return { current: { ...key, createdAt: history?.current.createdAt ?? null }, retired: history?.retired ?? [] };
}

/** Every key of the ring, current first, as the public list the app and bundles show. */
export function ringKeys(ring: KeyRing): PublicCheckpointKey[] {
  return [{ fingerprint: ring.current.fingerprint, publicKey: ring.current.publicKey, createdAt: ring.current.createdAt, retiredAt: null }, ...ring.retired];
}

export type RotationStep = 'started' | 'next-key-stored' | 'history-written' | 'switched';

/**
 * A new checkpoint key, in three steps so that a crash between any two leaves one key that works:
 * the new private key under the "next" keychain account (the old key is still current), then the
 * key history naming it current and the old key retired (signed by the new key; loadKeyRing now
 * finishes the switch if we stop here), then the keychain's current entry overwritten with it (the
 * old private key is gone) and the "next" entry removed. `onStep` lets tests stop between steps.
 */
export async function rotateCheckpointKey(
  vault: Vault,
  dir: string,
  orgId: string,
  now: Date,
  onStep?: (step: RotationStep) => void,
  /** Called with both fingerprints before anything changes (the "started" audit event is committed here). */
  onPlanned?: (plan: { retiredFingerprint: string; currentFingerprint: string }) => Promise<void>,
): Promise<{ old: KeyRing; ring: KeyRing }> {
  const old = await loadKeyRing(vault, dir, orgId);
  const pkcs8 = newPkcs8();
  const nextAccount = nextCheckpointKeyAccount(dir, orgId);
  const key = keyFrom(pkcs8, nextAccount, orgId);
  await onPlanned?.({ retiredFingerprint: old.current.fingerprint, currentFingerprint: key.fingerprint });
  onStep?.('started');
  await vault.set(nextAccount, pkcs8);
  onStep?.('next-key-stored');
  const at = now.toISOString();
  const history: KeyHistory = {
    current: { fingerprint: key.fingerprint, publicKey: key.publicKey, createdAt: at, retiredAt: null },
    retired: [{ fingerprint: old.current.fingerprint, publicKey: old.current.publicKey, createdAt: old.current.createdAt, retiredAt: at }, ...old.retired],
  };
  writeKeyHistory(dir, orgId, history, key.sign);
  onStep?.('history-written');
  await vault.set(checkpointKeyAccount(dir, orgId), pkcs8);
  onStep?.('switched');
  await vault.delete(nextAccount);
  return { old, ring: { current: { ...key, createdAt: at }, retired: history.retired } };
}
