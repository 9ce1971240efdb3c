import { dirname } from 'node:path';
import type { AuditAnchor } from '../../../../src-shared/contract/audit';
import { McError } from '../../../../src-shared/contract/errors';
import type { MerkleTree } from '../../../../src-shared/domain/anchor/merkle';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { anchorAudit, exportCheckpoints } from './anchored-verify';
import { loadKeyRing, ringKeys } from './checkpoint-key';
import { CheckpointStore, CheckpointStoreError } from './checkpoint-store';
import { rotateAuditKey } from './rotate';
import { reconcileRotations, type RotationPlan } from './rotation-log';
import type { AuditDraft } from '../append';
import { importWitness, type WitnessImportInput } from './witness-import';
import { WitnessStore } from './witness-store';

export { anchorAudit, exportCheckpoints, openStored } from './anchored-verify';
export { CheckpointStore, CheckpointStoreError } from './checkpoint-store';
export { checkpointKeyAccount, checkpointKeyName, checkpointKeySlot, legacyCheckpointKeyAccount, type KeyRing, loadKeyRing, loadOrCreateCheckpointKey, nextCheckpointKeyAccount, ringKeys, rotateCheckpointKey } from './checkpoint-key';
export { checkpointKeyAge } from './key-age';
export type { PublicCheckpointKey } from './key-history';
export { rotateAuditKey } from './rotate';
export { reconcileRotations, ROTATED, ROTATION_ABANDONED, ROTATION_STARTED, type RotationPlan, unfinishedRotations } from './rotation-log';
export { importWitness, MAX_WITNESS_IMPORT_CHARS } from './witness-import';
export { WitnessStore } from './witness-store';

/** The checkpoints live next to this workstation's local audit log, in its data folder. */
export function checkpointStoreBeside(localAuditPath: string): CheckpointStore {
  return new CheckpointStore(dirname(localAuditPath));
}

/**
 * One anchor operation per org at a time (verify, rotate, import): two would race on the
 * checkpoints, key history or witness file (read, then rename).
 */
const running = new Map<string, Promise<unknown>>();
export function serialForOrg<T>(orgId: string, fn: () => Promise<T>): Promise<T> {
  const prev = running.get(orgId) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  running.set(orgId, next);
  void next.catch(() => undefined).finally(() => {
    if (running.get(orgId) === next) running.delete(orgId);
  });
  return next;
}

export function anchorAuditSerial(sql: Sql, orgId: string, store: CheckpointStore, vault: Vault, chainOk: boolean, tree?: MerkleTree): Promise<AuditAnchor> {
  return serialForOrg(orgId, () => anchorAudit(sql, orgId, { store, vault, tree }, chainOk));
}

/** A corrupt checkpoints or key file is the operator's to fix: its path and what is wrong, as said. */
async function storeErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CheckpointStoreError) throw new McError('UNAVAILABLE', e.message);
    throw e;
  }
}

export function exportCheckpointsOf(orgId: string, store: CheckpointStore) {
  try {
    return exportCheckpoints(orgId, store);
  } catch (e) {
    if (e instanceof CheckpointStoreError) throw new McError('UNAVAILABLE', e.message);
    throw e;
  }
}

export function rotateAuditKeySerial(sql: Sql, orgId: string, store: CheckpointStore, vault: Vault, started: (plan: RotationPlan) => Promise<void>, now = new Date()) {
  return serialForOrg(orgId, () => storeErrors(() => rotateAuditKey(sql, orgId, store, vault, now, undefined, started)));
}

/** Settle this workstation's unfinished key rotations (rotation-log.ts), one anchor operation at a time. */
export function reconcileRotationsSerial(sql: Sql, orgId: string, store: CheckpointStore, vault: Vault, audit: (d: AuditDraft) => Promise<unknown>, minAgeMs = 0, rotationId: string | null = null) {
  return serialForOrg(orgId, () => storeErrors(() => reconcileRotations(sql, orgId, store, vault, audit, minAgeMs, rotationId)));
}

/** Import a witness's checkpoints; this workstation's own keys are refused as a witness. */
export function importWitnessSerial(orgId: string, store: CheckpointStore, vault: Vault, input: WitnessImportInput, now = new Date()) {
  return serialForOrg(orgId, () =>
    storeErrors(async () => {
      const own = ringKeys(await loadKeyRing(vault, store.dir, orgId)).map((k) => k.fingerprint);
      return importWitness(orgId, WitnessStore.beside(store), own, input, now);
    }),
  );
}
