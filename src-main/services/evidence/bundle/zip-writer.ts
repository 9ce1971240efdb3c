import { closeSync, openSync, read, write } from 'node:fs';

/**
 * A zip of files deflated ahead of time (PKWARE APPNOTE 6.3.x, with ZIP64 where a size or offset
 * needs it), written in the order given with fixed times. yazl (DESIGN's choice) can only deflate
 * and CRC the bytes itself, after staging, in JavaScript: half an evidence export's time went to
 * reading 100 MB back, CRC-32 in JavaScript and waiting for deflate. A bundle's files are deflated
 * and CRC'd while they are staged (zlib in the thread pool, node's native crc32), so all that is
 * left here is to copy the deflated bytes between headers.
 *
 * Entries match yazl's choices where both apply, so bundles read the same everywhere: UTF-8 names
 * (flag bit 11), made by UNIX / spec 6.3, mode in the external attributes, DOS time. Unlike yazl,
 * sizes and CRC are known up front, so local headers carry them and there are no data
 * descriptors (some unzip tools, 7-Zip 9.20 among them, do not read bit 3).
 */
export interface ZipEntry {
  /** The name in the zip (forward slashes). */
  name: string;
  /** A file holding the entry's raw deflate stream. */
  deflatedFile: string;
  crc32: number;
  size: number;
  compressedSize: number;
}

/** Mode 0644 regular file, as yazl writes it (mode << 16). */
const EXTERNAL_ATTRS = (0o100644 << 16) >>> 0;
/** 1980-01-01 00:00:00, the DOS epoch: date = (year-1980)<<9 | month<<5 | day. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const MADE_BY = 0x033f;
const UTF8_NAMES = 0x0800;
const DEFLATE = 8;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const COPY_BUFFER = 256 * 1024;

interface Written extends ZipEntry {
  offset: number;
  nameBytes: Buffer;
}

/** The ZIP64 extended information field with the given values (APPNOTE 4.5.3). */
function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

/**
 * The fields local and central headers share, in the same order (APPNOTE 4.3.7 and 4.3.12, from
 * "version needed to extract" to "uncompressed size"), written at `at`.
 */
function sharedFields(h: Buffer, at: number, e: Written, versionNeeded: number, sizesIn64: boolean): void {
  h.writeUInt16LE(versionNeeded, at);
  h.writeUInt16LE(UTF8_NAMES, at + 2);
  h.writeUInt16LE(DEFLATE, at + 4);
  h.writeUInt16LE(DOS_TIME, at + 6);
  h.writeUInt16LE(DOS_DATE, at + 8);
  h.writeUInt32LE(e.crc32 >>> 0, at + 10);
  h.writeUInt32LE(sizesIn64 ? MAX32 : e.compressedSize, at + 14);
  h.writeUInt32LE(sizesIn64 ? MAX32 : e.size, at + 18);
}

function localHeader(e: Written, force64: boolean): Buffer {
  const big = force64 || e.size >= MAX32 || e.compressedSize >= MAX32;
  // In a local header ZIP64 sizes come as a pair, both or neither (APPNOTE 4.5.3).
  const extra = big ? zip64Extra([e.size, e.compressedSize]) : Buffer.alloc(0);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  // The version needed is the central header's: 4.5 when any of its fields is in ZIP64.
  sharedFields(h, 4, e, big || e.offset >= MAX32 ? 45 : 20, big);
  h.writeUInt16LE(e.nameBytes.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, e.nameBytes, extra]);
}

function centralHeader(e: Written, force64: boolean): Buffer {
  const big = force64 || e.size >= MAX32 || e.compressedSize >= MAX32;
  const farOffset = force64 || e.offset >= MAX32;
  // Here only the fields that overflow are moved to the extra field, in this order.
  const values = [...(big ? [e.size, e.compressedSize] : []), ...(farOffset ? [e.offset] : [])];
  const extra = values.length ? zip64Extra(values) : Buffer.alloc(0);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY, 4);
  sharedFields(h, 6, e, values.length ? 45 : 20, big);
  h.writeUInt16LE(e.nameBytes.length, 28);
  h.writeUInt16LE(extra.length, 30);
  // comment length, disk number start, internal attributes: 0
  h.writeUInt32LE(EXTERNAL_ATTRS, 38);
  h.writeUInt32LE(farOffset ? MAX32 : e.offset, 42);
  return Buffer.concat([h, e.nameBytes, extra]);
}

/** End of central directory, preceded by the ZIP64 record and locator when any field overflows. */
function endRecords(count: number, cdOffset: number, cdSize: number, force64: boolean): Buffer {
  const big = force64 || count >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32;
  const parts: Buffer[] = [];
  if (big) {
    const r = Buffer.alloc(56);
    r.writeUInt32LE(0x06064b50, 0);
    r.writeBigUInt64LE(44n, 4);
    r.writeUInt16LE(MADE_BY, 12);
    r.writeUInt16LE(45, 14);
    // this disk, the central directory's disk: 0
    r.writeBigUInt64LE(BigInt(count), 24);
    r.writeBigUInt64LE(BigInt(count), 32);
    r.writeBigUInt64LE(BigInt(cdSize), 40);
    r.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(r, locator);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(big ? MAX16 : count, 8);
  e.writeUInt16LE(big ? MAX16 : count, 10);
  e.writeUInt32LE(big ? MAX32 : cdSize, 12);
  e.writeUInt32LE(big ? MAX32 : cdOffset, 16);
  parts.push(e);
  return Buffer.concat(parts);
}

const readAt = (fd: number, buf: Buffer, pos: number) => new Promise<number>((ok, no) => read(fd, buf, 0, buf.length, pos, (e, n) => (e ? no(e) : ok(n))));

/** The whole of `bytes` at the file's current end (a write may take less than it was given). */
async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length; ) off += await new Promise<number>((ok, no) => write(fd, bytes, off, bytes.length - off, null, (e, n) => (e ? no(e) : ok(n))));
}

/**
 * Write `entries` to the file `out` (created, or truncated): local header and deflated bytes for
 * each in turn, then the central directory. `checkCancel` runs between entries and may throw.
 * `force64` writes every ZIP64 record even where none is needed: tests use it to check those
 * records without a 4 GiB file.
 */
export async function writeZip(out: string, entries: readonly ZipEntry[], opts: { checkCancel?: () => void; onEntry?: (i: number) => void; force64?: boolean } = {}): Promise<number> {
  const force64 = opts.force64 ?? false;
  // Mode as any file the user saves (0666 less the umask): a bundle is made to be handed on.
  const fd = openSync(out, 'w');
  const buf = Buffer.allocUnsafe(COPY_BUFFER);
  try {
    let offset = 0;
    const written: Written[] = [];
    const put = async (b: Uint8Array) => {
      await writeAll(fd, b);
      offset += b.length;
    };
    for (const [i, entry] of entries.entries()) {
      opts.checkCancel?.();
      opts.onEntry?.(i);
      const e: Written = { ...entry, offset, nameBytes: Buffer.from(entry.name, 'utf8') };
      written.push(e);
      await put(localHeader(e, force64));
      const src = openSync(entry.deflatedFile, 'r');
      try {
        let copied = 0;
        for (;;) {
          const n = await readAt(src, buf, copied);
          if (n === 0) break;
          opts.checkCancel?.();
          await put(buf.subarray(0, n));
          copied += n;
        }
        if (copied !== entry.compressedSize) throw new Error(`${entry.name}: ${copied} deflated bytes staged, ${entry.compressedSize} expected`);
      } finally {
        closeSync(src);
      }
    }
    const cdOffset = offset;
    for (const e of written) await put(centralHeader(e, force64));
    await put(endRecords(written.length, cdOffset, offset - cdOffset, force64));
    return offset;
  } finally {
    closeSync(fd);
  }
}
