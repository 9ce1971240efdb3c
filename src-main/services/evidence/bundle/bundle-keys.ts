import { createPublicKey } from 'node:crypto';
import { toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { openSshPublicKey } from '../../../../src-shared/domain/anchor/ssh-key';
import { allowedSignersLine } from '../../../../src-shared/domain/evidence/sshsig';
import { type KeyRing, ringKeys } from '../../audit/anchor';

/** A key as the manifest and keys/keys.json list it. */
export interface BundleKey {
  fingerprint: string;
  /** base64 of the raw 32-byte Ed25519 key (keys.json only). */
  public_key?: string;
  /** The PEM file of this key in the bundle. */
  file: string;
  created_at: string | null;
  /** Null for the current key, the only one that may sign SHA256SUMS. */
  retired_at: string | null;
}

export const KEYS_LIST = 'keys/keys.json';

const pemOf = (publicKey: Uint8Array) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();

/**
 * The keys/ folder of a bundle: every key this workstation signed the org's checkpoints with, current
 * first. The current key signs SHA256SUMS; a retired one may have signed the checkpoints a
 * consistency proof starts from, so an auditor needs it too. allowed_signers marks a retired key
 * valid-before its retirement: ssh-keygen then refuses it for a SHA256SUMS signed later.
 */
export function bundleKeyFiles(ring: KeyRing, identity: string): { files: { path: string; text: string }[]; keys: BundleKey[] } {
  const all = ringKeys(ring);
  const keys: BundleKey[] = all.map((k, i) => ({
    fingerprint: k.fingerprint,
    public_key: toBase64(k.publicKey),
    // Numbered oldest first, so a key keeps its file name across later rotations.
    file: i === 0 ? 'keys/signing-key.pub.pem' : `keys/retired/key-${all.length - i}.pub.pem`,
    created_at: k.createdAt,
    retired_at: k.retiredAt,
  }));
  const signers = all
    .map((k, i) => (i === 0 ? `# current key ${k.fingerprint}\n` : `# retired key ${k.fingerprint}, retired ${k.retiredAt}: valid only for signatures made before then\n`) + allowedSignersLine(identity, k.publicKey, undefined, k.retiredAt ? new Date(k.retiredAt) : undefined))
    .join('');
  const files = [
    { path: 'keys/allowed_signers', text: signers },
    ...all.map((k, i) => ({ path: keys[i]?.file as string, text: pemOf(k.publicKey) })),
    { path: 'keys/signing-key.pub', text: `${openSshPublicKey(ring.current.publicKey, identity)}\n` },
    { path: KEYS_LIST, text: `${JSON.stringify({ version: 1, keys }, null, 1)}\n` },
  ];
  return { files, keys: keys.map(({ public_key: _pk, ...k }) => k) };
}
