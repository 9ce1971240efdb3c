import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { McError } from '../../../src-shared/contract/errors';

/**
 * The one rule for evidence of an environment change (deployment runs, migration runs, flag
 * changes): a URI and the sha256 of what it names. A local file: URI is hashed here and must match
 * a sha256 given with it; any other URI needs the operator's sha256.
 */
export async function resolveEvidence(uri: string, given: string | null): Promise<{ uri: string; sha256: string }> {
  const computed = await sha256OfUri(uri);
  if (computed && given && computed !== given) {
    throw new McError('VALIDATION', `The file's sha256 is ${computed.slice(0, 12)}…, not the one given: the file is not the evidence you meant.`, { sha256: 'Does not match the file.' });
  }
  const sha256 = computed ?? given;
  if (!sha256) throw new McError('VALIDATION', 'Give the sha256 of what the URI names (only local file: URIs are hashed here).', { sha256: 'Required for this URI.' });
  return { uri, sha256 };
}

/** sha256 of a local file named by a file: URI; other URIs need the operator's sha256. */
async function sha256OfUri(uri: string): Promise<string | null> {
  if (!uri.startsWith('file:')) return null;
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    throw new McError('VALIDATION', 'That file URI is not valid; use file:///path/to/file.', { uri: 'Not a valid file URI.' });
  }
  const bytes = await readFile(path).catch(() => {
    throw new McError('VALIDATION', `Cannot read ${path} on this workstation; check the path.`, { uri: 'File not readable.' });
  });
  return createHash('sha256').update(bytes).digest('hex');
}
