import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bundleChunks, OPEN_CHUNK_BYTES } from './bundle-chunks';
import { OPEN_CHUNK_BYTES as MAIN_CHUNK, OPEN_MAX_BYTES } from '../../../src-main/services/evidence/bundle/open';
import { OPEN_LIMIT_BYTES } from './bundle-chunks';

describe('bundle chunks for Open evidence bundle', () => {
  it('cuts a file into in-order base64 chunks that put back together the same bytes', async () => {
    const bytes = randomBytes(OPEN_CHUNK_BYTES * 2 + 777);
    const chunks = [];
    for await (const c of bundleChunks(new Blob([bytes]))) chunks.push(c);
    expect(chunks.map((c) => [c.offset, c.length])).toEqual([
      [0, OPEN_CHUNK_BYTES],
      [OPEN_CHUNK_BYTES, OPEN_CHUNK_BYTES],
      [OPEN_CHUNK_BYTES * 2, 777],
    ]);
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c.base64, 'base64'))).equals(bytes)).toBe(true);
  });

  it('stops at once when cancelled, and an empty file gives no chunk', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    for await (const c of bundleChunks(new Blob([randomBytes(OPEN_CHUNK_BYTES * 3)]), abort.signal)) {
      seen.push(c.offset);
      abort.abort();
    }
    expect(seen).toEqual([0]);
    const none = [];
    for await (const c of bundleChunks(new Blob([]))) none.push(c);
    expect(none).toEqual([]);
  });

  it('uses the limits the main process enforces', () => {
    expect(OPEN_CHUNK_BYTES).toBe(MAIN_CHUNK);
    expect(OPEN_LIMIT_BYTES).toBe(OPEN_MAX_BYTES);
  });
});
