/**
 * A bundle read in the renderer and sent to the main process one contract frame at a time: 128 KiB
 * slices (the size bundles.openChunk takes) as base64, read lazily so a 200 MiB file never sits in
 * memory whole. The limits mirror src-main/services/evidence/bundle/open.ts; the main process
 * enforces them again.
 */
export const OPEN_CHUNK_BYTES = 128 * 1024;
export const OPEN_LIMIT_BYTES = 256 * 1024 * 1024;

export interface BundleChunk {
  offset: number;
  length: number;
  base64: string;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  // String.fromCharCode takes its bytes as arguments: in slices well below the engine's argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export async function* bundleChunks(file: Blob, signal?: AbortSignal, size = OPEN_CHUNK_BYTES): AsyncGenerator<BundleChunk> {
  for (let offset = 0; offset < file.size; offset += size) {
    if (signal?.aborted) return;
    const bytes = new Uint8Array(await file.slice(offset, offset + size).arrayBuffer());
    yield { offset, length: bytes.length, base64: toBase64(bytes) };
  }
}
