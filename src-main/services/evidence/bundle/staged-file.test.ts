import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  it('files written at the same time, sharing the spare buffers, each hold exactly their own bytes', async () => {
    // Two exports at once (the app lets an operator start a second): buffers zlib has finished
    // with go back to one shared list and are taken by whichever file fills next. A buffer given
    // back too early would show here as one file's bytes in the other's.
    const files = [new StagedFile(dir, 'a.jsonl'), new StagedFile(dir, 'b.jsonl')];
    const expected: Buffer[][] = [[], []];
    for (let i = 0; i < 400; i++) {
      for (const [k, f] of files.entries()) {
        const line = `${k === 0 ? 'A' : 'B'}${i} ${String.fromCharCode(97 + k).repeat(3000 + ((i * 37) % 900))}\n`;
        f.putLine(line);
        expected[k]!.push(Buffer.from(line));
      }
      // Page ends at different moments for each, as two passes reading at their own pace.
      if (i % 50 === 0) await files[0]!.drain();
      if (i % 70 === 0) await files[1]!.drain();
    }
    const entries = await Promise.all(files.map((f) => f.close()));
    for (const [k, e] of entries.entries()) {
      const want = Buffer.concat(expected[k]!);
      expect(want.length).toBeGreaterThan(4 * 256 * 1024);
      expect(e.sha256).toBe(createHash('sha256').update(want).digest('hex'));
      expect(inflateRawSync(readFileSync(e.deflatedFile)).equals(want)).toBe(true);
    }
  });

  it('a closed file refuses more text and a second close, and changes nothing', async () => {
    const f = new StagedFile(dir, 'closed.jsonl');
    f.putLine('one\n');
    const e = await f.close();
    expect(() => f.putLine('two\n')).toThrow('closed.jsonl is closed');
    await expect(f.close()).rejects.toThrow('closed.jsonl is closed already');
    expect(inflateRawSync(readFileSync(e.deflatedFile)).toString()).toBe('one\n');
    // The next file still gets whole buffers (a closed file's empty one never goes back).
    const g = new StagedFile(dir, 'after.jsonl');
    g.putLine(`${'z'.repeat(300 * 1024)}\n`);
    expect(inflateRawSync(readFileSync((await g.close()).deflatedFile)).length).toBe(300 * 1024 + 1);
  });

  it('an empty file is an empty deflate stream with the empty hash', async () => {
    const e = await new StagedFile(dir, 'empty').close();
    expect([e.size, e.crc32, e.sha256]).toEqual([0, 0, createHash('sha256').digest('hex')]);
    expect(inflateRawSync(readFileSync(e.deflatedFile)).length).toBe(0);
  });

  it('a staged file that cannot be written fails the export with the file’s error, and does not wait forever', async () => {
    // A folder where the file should be: opening it fails (as a full disk fails a write), which
    // tears zlib down with buffers handed to it. (A write zlib holds back while the file is slow
    // is covered by racing the waits with the file; this case does not hold one back.)
    mkdirSync(join(dir, 'blocked.jsonl'));
    const f = new StagedFile(dir, 'blocked.jsonl');
    await expect(
      (async () => {
        for (let i = 0; i < 20; i++) await f.write('x'.repeat(300 * 1024), 1);
        await f.close();
      })(),
    ).rejects.toThrow(/EISDIR/);
    f.discard();
  });
});
