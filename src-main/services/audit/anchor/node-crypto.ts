import { createPublicKey, hash, verify } from 'node:crypto';

/** node:crypto adapters for the pure anchor code in src-shared/domain/anchor. */
/** One-shot (no Hash object per call): a tree of N leaves is N−1 of these. */
export const sha256Bytes = (data: Uint8Array): Uint8Array => new Uint8Array(hash('sha256', data, 'buffer'));

export const ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean =>
  verify(null, message, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }), signature);
