import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from './atomic-file';

/**
 * The checkpoints this workstation has seen for one org: <dataDir>/audit-checkpoints/<org>.json,
 * { version: 1, checkpoints: [{ note, seenAt }] } oldest first, each note a signed checkpoint.
 * Written whole to a temp file and renamed, so a crash leaves the old file or the new one. A file
 * that does not parse is reported and left exactly as it is: it may be the only evidence.
 */
export interface StoredCheckpoint {
  note: string;
  seenAt: string;
}

const FILE = z.object({
  version: z.literal(1),
  checkpoints: z.array(z.object({ note: z.string().min(1).max(16_384), seenAt: z.iso.datetime() }).strict()).max(100_000),
}).strict();

export class CheckpointStoreError extends Error {
  override name = 'CheckpointStoreError';
}

export class CheckpointStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'audit-checkpoints');
  }

  fileFor(orgId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(orgId)) throw new CheckpointStoreError('an org id is a UUID');
    return join(this.dir, `${orgId}.json`);
  }

  /** Throws CheckpointStoreError (naming the file and what is wrong) for a corrupt file. */
  read(orgId: string): StoredCheckpoint[] {
    const file = this.fileFor(orgId);
    const bad = (why: string) => new CheckpointStoreError(`the checkpoints file ${file} ${why}; it was left untouched: restore it from a backup or a witness's export`);
    return readJsonFile(file, FILE, bad)?.checkpoints ?? [];
  }

  append(orgId: string, cp: StoredCheckpoint): void {
    const all = [...this.read(orgId), cp];
    writeFileAtomic(this.fileFor(orgId), `${JSON.stringify({ version: 1, checkpoints: all }, null, 1)}\n`);
  }
}
