import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { parseNote } from '../../../../src-shared/domain/anchor/signed-note';
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

  /** The orgs this workstation holds checkpoints for (one file each). */
  orgs(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((n) => /^([0-9a-f-]{36})\.json$/.exec(n)?.[1])
      .filter((x): x is string => x !== undefined);
  }

  /**
   * After a restore rolled the org's audit log back to `size` events: the checkpoints of events the
   * restore took away can never agree with the log again (the later history is gone, not forged).
   * The whole file is moved aside, kept as evidence of what was signed before the restore, and
   * the checkpoints up to `size` carry on; the next anchor signs the restored head. Returns the
   * kept file and how many checkpoints were set aside, or null when none needed it.
   */
  forkAfterRestore(orgId: string, size: number, tag: string): { asideFile: string; setAside: number } | null {
    const all = this.read(orgId);
    const keep = all.filter((c) => parseCheckpoint(parseNote(c.note).text).size <= size);
    if (keep.length === all.length) return null;
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(tag)) throw new CheckpointStoreError('a restore tag is letters, digits, _ or -');
    const asideFile = join(this.dir, `${orgId}.before-restore-${tag}.json`);
    // Copied first, then replaced whole: a crash in between leaves the old file in place.
    copyFileSync(this.fileFor(orgId), asideFile);
    writeFileAtomic(this.fileFor(orgId), `${JSON.stringify({ version: 1, checkpoints: keep }, null, 1)}\n`);
    return { asideFile, setAside: all.length - keep.length };
  }
}
