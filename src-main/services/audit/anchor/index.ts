import { dirname } from 'node:path';
import type { AuditAnchor } from '../../../../src-shared/contract/audit';
import { McError } from '../../../../src-shared/contract/errors';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { anchorAudit, exportCheckpoints } from './anchored-verify';
import { CheckpointStore, CheckpointStoreError } from './checkpoint-store';

export { anchorAudit, exportCheckpoints } from './anchored-verify';
export { CheckpointStore, CheckpointStoreError } from './checkpoint-store';
export { checkpointKeyAccount, loadOrCreateCheckpointKey } from './checkpoint-key';

/** The checkpoints live next to this workstation's local audit log, in its data folder. */
export function checkpointStoreBeside(localAuditPath: string): CheckpointStore {
  return new CheckpointStore(dirname(localAuditPath));
}

/** One anchored verify per org at a time: two would race on the checkpoints file (read, then rename). */
const running = new Map<string, Promise<unknown>>();

export function anchorAuditSerial(sql: Sql, orgId: string, store: CheckpointStore, vault: Vault, chainOk: boolean, leaves?: Uint8Array[]): Promise<AuditAnchor> {
  const prev = running.get(orgId) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => anchorAudit(sql, orgId, { store, vault, leaves }, chainOk));
  running.set(orgId, next);
  void next.finally(() => {
    if (running.get(orgId) === next) running.delete(orgId);
  });
  return next;
}

/** A corrupt checkpoints file is the operator's to fix: its path and what is wrong, as said. */
export function exportCheckpointsOf(orgId: string, store: CheckpointStore) {
  try {
    return exportCheckpoints(orgId, store);
  } catch (e) {
    if (e instanceof CheckpointStoreError) throw new McError('UNAVAILABLE', e.message);
    throw e;
  }
}
