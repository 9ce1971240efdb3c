import { toBase64 } from './base64';
import type { Sha256Bytes } from './merkle';

/**
 * The OpenSSH form of an Ed25519 public key and its fingerprint exactly as `ssh-keygen -lf` prints
 * it (SHA256:<unpadded base64 of SHA-256 of the key blob>), so an operator can pin the workstation's
 * checkpoint key out of band with tools they already have.
 */
/** An SSH wire-format string (RFC 4251 §5): a 32-bit big-endian length, then the bytes. */
export function sshString(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

export function sshKeyBlob(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  const a = sshString(new TextEncoder().encode('ssh-ed25519'));
  const b = sshString(publicKey);
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function openSshPublicKey(publicKey: Uint8Array, comment?: string): string {
  const line = `ssh-ed25519 ${toBase64(sshKeyBlob(publicKey))}`;
  return comment ? `${line} ${comment}` : line;
}

export function sshFingerprint(sha256: Sha256Bytes, publicKey: Uint8Array): string {
  return `SHA256:${toBase64(sha256(sshKeyBlob(publicKey))).replace(/=+$/, '')}`;
}
