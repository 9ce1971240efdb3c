import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { NoteSigner } from './signed-note';

/** node:crypto adapters for the anchor tests (the main side has its own, in services/audit). */
export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

export const ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  verify(null, message, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }), signature);

export function testSigner(name: string): NoteSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  return { name, publicKey: new Uint8Array(Buffer.from(x, 'base64url')), sign: (m) => new Uint8Array(sign(null, m, privateKey)) };
}

export const hex = (h: Uint8Array) => Buffer.from(h).toString('hex');
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
