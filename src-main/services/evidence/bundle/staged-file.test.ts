import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { StagedFile } from './bundle';

const dir = mkdtempSync(join(tmpdir(), 'mc-staged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a staged bundle file', () => {
  it('hashes, CRCs and deflates exactly the UTF-8 of what was written, characters split across its buffers included', async () => {
    const f = new StagedFile(dir, 'records/x.jsonl');
    const parts: Buffer[] = [];
    // Lines of 1-, 2-, 3- and 4-byte characters, long enough to fill several 256 KiB buffers so
    // that some character straddles each boundary; bytes written between them.
    for (let i = 0; i < 120; i++) {
      const line = `${i} ${'aé€😀'.repeat(900 + i)}\n`;
      f.putLine(line);
      parts.push(Buffer.from(line, 'utf8'));
      if (i % 40 === 0) {
        const bytes = Buffer.from([0, 255, i]);
        await f.write(bytes);
        parts.push(bytes);
      }
    }
    await f.write('last\n', 1);
    parts.push(Buffer.from('last\n'));
    const e = await f.close();
    const expected = Buffer.concat(parts);
    expect(expected.length).toBeGreaterThan(4 * 256 * 1024);
    expect(f.lines).toBe(121);
    expect(e.size).toBe(expected.length);
    expect(e.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(e.crc32).toBe(crc32(expected));
    const deflated = readFileSync(e.deflatedFile);
    expect(e.compressedSize).toBe(deflated.length);
    expect(inflateRawSync(deflated).equals(expected)).toBe(true);
  });

  it('an empty file is an empty deflate stream with the empty hash', async () => {
    const e = await new StagedFile(dir, 'empty').close();
    expect([e.size, e.crc32, e.sha256]).toEqual([0, 0, createHash('sha256').digest('hex')]);
    expect(inflateRawSync(readFileSync(e.deflatedFile)).length).toBe(0);
  });
});
