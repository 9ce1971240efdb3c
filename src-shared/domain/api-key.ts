/**
 * One key format, three kinds: node keys (`ume_node_`, what agents present to the ingest door)
 * and customer API keys (`ume_live_` and `ume_test_`, what customers present to the gateway).
 * A key is the prefix + 32 base62 characters of randomness (~190 bits) + a 6-character base62
 * CRC32 checksum of those 32. The typed prefix lets secret scanners find leaked keys and tell
 * which kind leaked; the checksum lets them (and clients) tell a real key from a typo without
 * asking the server. Generation needs a CSPRNG and lives on the privileged side; this file is
 * format only.
 */
export const KEY_PREFIXES = { node: 'ume_node_', live: 'ume_live_', test: 'ume_test_' } as const;
export type KeyKind = keyof typeof KEY_PREFIXES;
/** Customer API keys: live ones serve real traffic; test ones are for a customer's integration tests. */
export type CustomerKeyMode = Exclude<KeyKind, 'node'>;

export const NODE_KEY_PREFIX = KEY_PREFIXES.node;
export const KEY_RANDOM_LENGTH = 32;
export const NODE_KEY_RANDOM_LENGTH = KEY_RANDOM_LENGTH;
export const KEY_CHECKSUM_LENGTH = 6;
export const NODE_KEY_CHECKSUM_LENGTH = KEY_CHECKSUM_LENGTH;
/** Every kind's prefix is 9 characters. */
const PREFIX_LENGTH = 9;
const KEY_PATTERN = /^ume_(node|live|test)_[0-9A-Za-z]{38}$/;
export const NODE_KEY_PATTERN = /^ume_node_[0-9A-Za-z]{38}$/;
/** How much of a key may be shown after issue: prefix plus 6 random characters. */
export const VISIBLE_PREFIX_LENGTH = PREFIX_LENGTH + 6;

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
  return base62(crc32(random), KEY_CHECKSUM_LENGTH);
}

/** Assemble a key of a kind from 32 random base62 characters. */
export function formatKey(kind: KeyKind, random: string): string {
  if (!/^[0-9A-Za-z]{32}$/.test(random)) throw new Error('a key needs 32 base62 characters');
  return `${KEY_PREFIXES[kind]}${random}${checksumOf(random)}`;
}

export const formatNodeKey = (random: string): string => formatKey('node', random);

/** The kind of a well-formed key with a valid checksum, or null. Whether it exists is the server's question. */
export function keyKind(key: string): KeyKind | null {
  const m = KEY_PATTERN.exec(key);
  if (!m) return null;
  const body = key.slice(PREFIX_LENGTH);
  return checksumOf(body.slice(0, KEY_RANDOM_LENGTH)) === body.slice(KEY_RANDOM_LENGTH) ? (m[1] as KeyKind) : null;
}

export const looksLikeNodeKey = (key: string): boolean => keyKind(key) === 'node';

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_PREFIX_LENGTH);
}

export const BASE62_ALPHABET = BASE62;
