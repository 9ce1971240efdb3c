import { toBase64 } from '../anchor/base64';
import { concat } from '../anchor/merkle';
import { sshKeyBlob, sshString } from '../anchor/ssh-key';

/**
 * OpenSSH's SSHSIG signature format (PROTOCOL.sshsig), for an Ed25519 key, so that an auditor can
 * check a bundle with `ssh-keygen -Y verify` and nothing else. The message is hashed (SHA-512, the
 * ssh-keygen default) and the key signs the framed hash; the armoured blob names the key, the
 * namespace and the hash, so a signature made for another purpose (another namespace) never verifies.
 */
export const EVIDENCE_NAMESPACE = 'umamiedge-evidence-v1';

const MAGIC = new TextEncoder().encode('SSHSIG');

const text = (s: string) => sshString(new TextEncoder().encode(s));

/** The bytes the key signs: the preamble, namespace, reserved, hash algorithm and H(message). */
export function sshsigSignedData(namespace: string, messageSha512: Uint8Array): Uint8Array {
  return concat(MAGIC, text(namespace), text(''), text('sha512'), sshString(messageSha512));
}

/** The armoured signature file (`-----BEGIN SSH SIGNATURE-----`, base64 in 70-column lines). */
export function sshsigArmor(publicKey: Uint8Array, namespace: string, signature: Uint8Array): string {
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, 1);
  const sigBlob = concat(text('ssh-ed25519'), sshString(signature));
  const blob = concat(MAGIC, version, sshString(sshKeyBlob(publicKey)), text(namespace), text(''), text('sha512'), sshString(sigBlob));
  const b64 = toBase64(blob);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

/**
 * One `allowed_signers` line (ssh-keygen(1) ALLOWED SIGNERS), limited to the evidence namespace.
 * `validBefore` (a retired key): ssh-keygen accepts its signatures only if made at or before that
 * time, and it checks against the present time by default, so a retired key never verifies a new
 * SHA256SUMS.
 */
export function allowedSignersLine(identity: string, publicKey: Uint8Array, namespace = EVIDENCE_NAMESPACE, validBefore?: Date): string {
  if (!/^[^\s"]+$/.test(identity)) throw new RangeError('a signer identity has no spaces or quotes');
  const before = validBefore ? `,valid-before="${validBefore.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')}"` : '';
  return `${identity} namespaces="${namespace}"${before} ssh-ed25519 ${toBase64(sshKeyBlob(publicKey))}\n`;
}
