import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { checkpointOrigin } from '../../../../src-shared/domain/anchor/checkpoint';
import type { NoteSigner } from '../../../../src-shared/domain/anchor/signed-note';
import { sshFingerprint } from '../../../../src-shared/domain/anchor/ssh-key';
import type { Vault } from '../../../vault';
import { sha256Bytes } from './node-crypto';

/**
 * This workstation's Ed25519 checkpoint key for one org. The private key lives only in the OS
 * keychain (PKCS#8, base64), created on first need; without a keychain there is no key and no
 * new checkpoint, never a key on disk. The account name is not an embedded-database account, so
 * the data-folder fallback vault refuses it too.
 */
export function checkpointKeyAccount(orgId: string): string {
  return `audit-checkpoint-key:${orgId}`;
}

/** The signed-note key name: the checkpoint origin plus "/workstation" (no spaces, no "+"). */
export function checkpointKeyName(orgId: string): string {
  return `${checkpointOrigin(orgId)}/workstation`;
}

export interface CheckpointKey extends NoteSigner {
  fingerprint: string;
}

export async function loadOrCreateCheckpointKey(vault: Vault, orgId: string): Promise<CheckpointKey> {
  const account = checkpointKeyAccount(orgId);
  let pkcs8 = await vault.get(account);
  if (!pkcs8) {
    const { privateKey } = generateKeyPairSync('ed25519');
    pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    await vault.set(account, pkcs8);
  }
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
