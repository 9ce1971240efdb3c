import { createHash } from 'node:crypto';
import { MAX_SQL_BYTES } from '../../../src-shared/contract/migrations';
import { McError } from '../../../src-shared/contract/errors';

export interface SqlFile {
  text: string;
  bytes: number;
  sha256: string;
}

/** An operator's file, as bytes: refused when empty, too large, or not UTF-8 (never guessed). */
export function decodeSqlFile(contentBase64: string): SqlFile {
  const buf = Buffer.from(contentBase64, 'base64');
  if (buf.length === 0) throw new McError('VALIDATION', 'The file is empty: there is nothing to check.', { file: 'Empty file.' });
  if (buf.length > MAX_SQL_BYTES) throw new McError('VALIDATION', `The file has ${buf.length} bytes; the limit is ${MAX_SQL_BYTES} (${MAX_SQL_BYTES / 1024} KiB). Split it.`, { file: 'Too large.' });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new McError('VALIDATION', 'The file is not UTF-8 text. Save it as UTF-8 and try again.', { file: 'Not UTF-8.' });
  }
  if (text.includes('\u0000')) throw new McError('VALIDATION', 'The file contains NUL bytes: it is not an SQL text file.', { file: 'Not text.' });
  return { text, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}
