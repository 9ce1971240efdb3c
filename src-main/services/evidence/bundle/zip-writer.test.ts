import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip, type ZipEntry } from './zip-writer';

const hasUnzip = spawnSync('sh', ['-c', 'command -v unzip']).status === 0;
if (!hasUnzip && process.env.MC_REQUIRE_ALL === '1') throw new Error('MC_REQUIRE_ALL=1 but unzip is missing (apt-get install unzip)');

const dir = mkdtempSync(join(tmpdir(), 'mc-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An entry staged as the bundle stages one: its deflate stream in a file, sizes and CRC known. */
function staged(name: string, content: Buffer): ZipEntry {
  const deflated = deflateRawSync(content, { level: 1 });
  const deflatedFile = join(dir, `staged-${Buffer.from(name).toString('hex')}`);
  writeFileSync(deflatedFile, deflated);
  return { name, deflatedFile, crc32: crc32(content), size: content.length, compressedSize: deflated.length };
}

const CONTENTS: [string, Buffer][] = [
  ['README.txt', Buffer.from('Read me first.\n')],
  ['empty.jsonl', Buffer.alloc(0)],
  ['records/übergabe €.jsonl', Buffer.from(`${'{"a":"€ü"}\n'.repeat(40_000)}`)],
  // Bytes that do not compress, in more than one copy buffer.
  ['attachments/random.bin', Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff))],
];

async function readWithYauzl(file: string): Promise<Map<string, { bytes: Buffer; date: number; time: number; mode: number }>> {
  const zip = await yauzl.openPromise(file);
  const out = new Map<string, { bytes: Buffer; date: number; time: number; mode: number }>();
  for await (const e of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of await zip.openReadStreamPromise(e)) chunks.push(c as Buffer);
    out.set(e.fileName, { bytes: Buffer.concat(chunks), date: e.lastModFileDate, time: e.lastModFileTime, mode: (e.externalFileAttributes >>> 16) & 0o177777 });
  }
  zip.close();
  return out;
}

describe.skipIf(!hasUnzip)('the bundle zip writer, read back with unzip and yauzl', () => {
  for (const force64 of [false, true]) {
    it(`writes entries in order with fixed times that unzip tests clean and yauzl reads byte for byte${force64 ? ', with every ZIP64 record' : ''}`, async () => {
      const file = join(dir, force64 ? 'z64.zip' : 'plain.zip');
      const entries = CONTENTS.map(([n, c]) => staged(n, c));
      const bytes = await writeZip(file, entries, { force64 });
      expect(readFileSync(file).length).toBe(bytes);
      // The ZIP64 end record (PK 6 6) is there exactly when asked for: these entries need none.
      expect(readFileSync(file).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(force64);
      const t = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(t.stdout).toContain('No errors detected');
      expect(t.status).toBe(0);
      const listed = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(listed).toEqual(CONTENTS.map(([n]) => n));
      expect(spawnSync('unzip', ['-p', file, 'README.txt'], { encoding: 'utf8' }).stdout).toBe('Read me first.\n');
      const read = await readWithYauzl(file);
      for (const [name, content] of CONTENTS) {
        const e = read.get(name)!;
        expect(e.bytes.equals(content)).toBe(true);
        // 1980-01-01 00:00:00 and a regular 0644 file, as yazl wrote them.
        expect([e.date, e.time, e.mode]).toEqual([0x21, 0, 0o100644]);
      }
      // The same entries give the same bytes.
      const again = join(dir, 'again.zip');
      await writeZip(again, entries, { force64 });
      expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
    });
  }

  it('refuses a staged file whose size is not the one recorded, and stops when cancelled', async () => {
    const [entry] = [staged('a.txt', Buffer.from('abc'))];
    await expect(writeZip(join(dir, 'bad.zip'), [{ ...entry!, compressedSize: entry!.compressedSize + 1 }])).rejects.toThrow(/a\.txt: \d+ deflated bytes staged, \d+ expected/);
    await expect(
      writeZip(join(dir, 'stop.zip'), [entry!], {
        checkCancel: () => {
          throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
  });
});
