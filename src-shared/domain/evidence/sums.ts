/**
 * SHA256SUMS exactly as `sha256sum` writes it and `sha256sum -c --strict` reads it: one line per
 * file, lowercase hex, two spaces (text mode), the path relative to the bundle's root, sorted by
 * path in code-point order so the same files always give the same bytes.
 */
export interface SumLine {
  path: string;
  sha256: string;
}

/** A bundle path: relative, forward slashes, no empty, "." or ".." part, no line break or backslash. */
export function isBundlePath(path: string): boolean {
  if (path.length === 0 || path.length > 255 || path.startsWith('/') || /[\\\r\n\0]/.test(path)) return false;
  return path.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}

export function formatSums(lines: readonly SumLine[]): string {
  const sorted = [...lines].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const l of sorted) {
    if (!isBundlePath(l.path)) throw new RangeError(`not a bundle path: ${JSON.stringify(l.path)}`);
    if (!/^[0-9a-f]{64}$/.test(l.sha256)) throw new RangeError(`not a sha256: ${l.sha256}`);
  }
  return sorted.map((l) => `${l.sha256}  ${l.path}\n`).join('');
}

/** The lines of a SHA256SUMS file, or the first line that is not one (with its number). */
export function parseSums(text: string): { ok: true; lines: SumLine[] } | { ok: false; line: number; message: string } {
  const lines: SumLine[] = [];
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  for (let i = 0; i < rows.length; i++) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(rows[i] ?? '');
    if (!m || !isBundlePath(m[2] as string)) return { ok: false, line: i + 1, message: `line ${i + 1} is not "<sha256>  <path>"` };
    lines.push({ sha256: m[1] as string, path: m[2] as string });
  }
  return { ok: true, lines };
}
