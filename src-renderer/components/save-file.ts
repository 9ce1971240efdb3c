/**
 * Saves text the page made from its own data through the browser's download (Electron allows
 * exactly such blob: downloads, see src-main/app). The object URL is released a little later: a
 * download that has not started reading it yet would otherwise find it gone.
 */
export function saveFile(parts: BlobPart[], fileName: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob(parts, { type }));
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export const CSV_TYPE = 'text/csv;charset=utf-8';
