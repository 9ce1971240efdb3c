import type { Session } from '../../../src-shared/contract/system';
import type { Logger } from '../../core/log';
import type { DatabaseManager } from '../../db';
import type { Vault } from '../../vault';
import { verifyAudit } from '../audit';
import { anchorAuditSerial, type CheckpointStore } from '../audit/anchor';

/**
 * Right before a backup's snapshot, the same anchored verify as "Verify chain": a new signed
 * checkpoint when the org's audit tree grew. The snapshot then holds at least every event that
 * checkpoint covers, so the restore drill of this backup always has a checkpoint of this
 * workstation to check the restored history against (without it, a drill of a backup made
 * between two scheduled checkpoints could check the chain only against itself).
 *
 * Never stops the backup: a failure is logged and the drill says no checkpoint covers it.
 */
export async function checkpointBeforeBackup(deps: { db: DatabaseManager; vault: Vault; store: CheckpointStore; log: Logger }, session: Session): Promise<string> {
  try {
    const anchor = await deps.db.tx(
      session,
      async (sql) => {
        const chain = await verifyAudit(sql, session.orgId);
        return anchorAuditSerial(sql, session.orgId, deps.store, deps.vault, chain.ok);
      },
      { snapshot: true, readOnly: true },
    );
    return anchor.state;
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'backup: no checkpoint could be signed before it; its restore drill will check the chain alone');
    return 'failed';
  }
}
