/**
 * Node keys: "ume_node_" + 32 base62 characters of randomness (~190 bits) + a 6-character base62
 * CRC32 checksum of those 32. The typed prefix lets secret scanners find leaked keys; the
 * checksum lets them (and the agent) tell a real key from a typo without asking the server.
 * Generation needs a CSPRNG and lives on the privileged side; this file is format only.
 */
export const NODE_KEY_PREFIX = 'ume_node_';
export const NODE_KEY_RANDOM_LENGTH = 32;
export const NODE_KEY_CHECKSUM_LENGTH = 6;
export const NODE_KEY_PATTERN = /^ume_node_[0-9A-Za-z]{38}$/;
/** How much of a key may be shown after issue: prefix plus 6 random characters. */
export const VISIBLE_PREFIX_LENGTH = NODE_KEY_PREFIX.length + 6;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let crcTable: Uint32Array | null = null;
function crc32(text: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (crcTable[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, '0');
}

export function checksumOf(random: string): string {
  return base62(crc32(random), NODE_KEY_CHECKSUM_LENGTH);
}

/** Assemble a key from 32 random base62 characters. */
export function formatNodeKey(random: string): string {
  if (!/^[0-9A-Za-z]{32}$/.test(random)) throw new Error('a node key needs 32 base62 characters');
  return `${NODE_KEY_PREFIX}${random}${checksumOf(random)}`;
}

/** Shape and checksum only; whether the key exists is the server's question. */
export function looksLikeNodeKey(key: string): boolean {
  if (!NODE_KEY_PATTERN.test(key)) return false;
  const body = key.slice(NODE_KEY_PREFIX.length);
  return checksumOf(body.slice(0, NODE_KEY_RANDOM_LENGTH)) === body.slice(NODE_KEY_RANDOM_LENGTH);
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_PREFIX_LENGTH);
}

export const BASE62_ALPHABET = BASE62;
