import { dirname, join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { type CheckpointStore, CheckpointStoreError } from './checkpoint-store';

/**
 * Checkpoints another workstation (a witness) signed over this org's log, imported by an operator:
 * <dataDir>/audit-witnesses/<org>.json, { version: 1, witnesses: [{ fingerprint, public_key, key_name,
 * imported_at, checkpoints: [{ note, imported_at }] }] }. Kept apart from this workstation's own
 * checkpoints: they are signed by a key this workstation does not hold. Written atomically; a file
 * that does not parse is reported and left as it is.
 */
export const MAX_WITNESSES = 100;
export const MAX_WITNESS_CHECKPOINTS = 100_000;

const witness = z
  .object({
    fingerprint: z.string().max(100),
    /** base64 of the raw 32-byte Ed25519 key. */
    public_key: z.string().max(64),
    /** The signed-note key name its notes carry. */
    key_name: z.string().max(256),
    imported_at: z.iso.datetime(),
    checkpoints: z.array(z.object({ note: z.string().min(1).max(16_384), imported_at: z.iso.datetime() }).strict()).max(MAX_WITNESS_CHECKPOINTS),
  })
  .strict();
const FILE = z.object({ version: z.literal(1), witnesses: z.array(witness).max(MAX_WITNESSES) }).strict();
export type StoredWitness = z.infer<typeof witness>;

export class WitnessStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'audit-witnesses');
  }

  /** Beside this workstation's own checkpoints, in the same data folder. */
  static beside(store: CheckpointStore): WitnessStore {
    return new WitnessStore(dirname(store.dir));
  }

  fileFor(orgId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(orgId)) throw new CheckpointStoreError('an org id is a UUID');
    return join(this.dir, `${orgId}.json`);
  }

  read(orgId: string): StoredWitness[] {
    const file = this.fileFor(orgId);
    const bad = (why: string) => new CheckpointStoreError(`the witness checkpoints file ${file} ${why}; it was left untouched: restore it from a backup, or move it away and import the witnesses' checkpoints again`);
    return readJsonFile(file, FILE, bad)?.witnesses ?? [];
  }

  write(orgId: string, witnesses: StoredWitness[]): void {
    writeFileAtomic(this.fileFor(orgId), `${JSON.stringify({ version: 1, witnesses }, null, 1)}\n`);
  }
}
