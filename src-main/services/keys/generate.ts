import { createHash, createHmac, randomBytes } from 'node:crypto';
import { BASE62_ALPHABET, formatKey, KEY_RANDOM_LENGTH, type KeyKind, visiblePrefix } from '../../../src-shared/domain/api-key';

export interface GeneratedKey {
  /** The key itself: shown once, never stored. */
  secret: string;
  /** sha256 of the key: the only thing the database keeps to recognise it. */
  hash: Buffer;
  prefix: string;
}

/** Unbiased base62 from bytes: values 248–255 are dropped rather than folded (62 × 4 = 248). */
function base62From(bytes: () => Buffer, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of bytes()) {
      if (b < 248) out += BASE62_ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function hashKey(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function fromRandom(kind: KeyKind, random: string): GeneratedKey {
  const secret = formatKey(kind, random);
  return { secret, hash: hashKey(secret), prefix: visiblePrefix(secret) };
}

/** A fresh key of a kind from the CSPRNG (~190 bits). */
export function generateKey(kind: KeyKind): GeneratedKey {
  return fromRandom(kind, base62From(() => randomBytes(48), KEY_RANDOM_LENGTH));
}

export const generateNodeKey = (): GeneratedKey => generateKey('node');

/**
 * A key derived from a secret seed and a node id: the demo agent can present the same keys after
 * a restart without storing them. The seed lives in the keychain.
 */
export function deriveNodeKey(seed: string, nodeId: string): GeneratedKey {
  let counter = 0;
  return fromRandom('node', base62From(() => createHmac('sha256', seed).update(`${nodeId}:${counter++}`).digest(), KEY_RANDOM_LENGTH));
}
