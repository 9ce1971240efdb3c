import { fromBase64, toBase64 } from './base64';

/**
 * C2SP tlog-checkpoint body: origin line, decimal tree size, base64 root hash, each newline-ended.
 * We write no extension lines and, being both the only writer and reader, refuse any: a line we
 * do not understand in an anchor is a reason to stop, not to guess.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

export const CHECKPOINT_ORIGIN_PREFIX = 'umamiedge.mission-control/';

export function checkpointOrigin(orgId: string): string {
  return `${CHECKPOINT_ORIGIN_PREFIX}${orgId}`;
}

export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export function formatCheckpoint(c: Checkpoint): string {
  if (!isValidOrigin(c.origin)) throw new CheckpointFormatError('checkpoint origin must be non-empty printable text without spaces');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new CheckpointFormatError('checkpoint size must be a non-negative integer');
  if (c.root.length !== 32) throw new CheckpointFormatError('checkpoint root must be a 32-byte SHA-256 hash');
  return `${c.origin}\n${c.size}\n${toBase64(c.root)}\n`;
}

export function parseCheckpoint(body: string): Checkpoint {
  if (!body.endsWith('\n')) throw new CheckpointFormatError('checkpoint body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointFormatError('checkpoint body needs origin, size and root lines');
  if (lines.length > 3) throw new CheckpointFormatError(`checkpoint body has ${lines.length - 3} unexpected extension line(s)`);
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidOrigin(origin)) throw new CheckpointFormatError('checkpoint origin line is empty or malformed');
  if (!DECIMAL.test(sizeText)) throw new CheckpointFormatError(`checkpoint size "${clip(sizeText)}" is not a decimal number`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointFormatError('checkpoint size is too large');
  const root = fromBase64(rootText);
  if (!root || root.length !== 32) throw new CheckpointFormatError('checkpoint root is not base64 of a 32-byte hash');
  return { origin, size, root };
}

function isValidOrigin(origin: string): boolean {
  return origin.length > 0 && origin.length <= 256 && /^[\x21-\x7e]+$/.test(origin);
}

export function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
