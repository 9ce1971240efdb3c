import { createHash, createPublicKey, verify } from 'node:crypto';

/** node:crypto adapters for the pure anchor code in src-shared/domain/anchor. */
export const sha256Bytes = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

export const ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  verify(null, message, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }), signature);
