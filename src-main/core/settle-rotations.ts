import { WRITER_ROLES } from '../../src-shared/contract/roles';
import type { DatabaseManager } from '../db';
import { appendAudit } from '../services/audit';
import { type CheckpointStore, reconcileRotationsSerial } from '../services/audit/anchor';
import type { Vault } from '../vault';
import type { Logger } from './log';

export const SETTLE_MIN_AGE_MS = 60_000;

/**
 * At start (each time the database session changes): end in the org's chain any key rotation of
 * this workstation that a crash cut between its "started" event and its end. Needs a role that
 * writes; an auditor's session leaves it for the next operator, incident commander or admin.
 */
export async function settleKeyRotations(db: DatabaseManager, vault: Vault, store: CheckpointStore, log: Logger, minAgeMs = SETTLE_MIN_AGE_MS): Promise<void> {
  const session = db.session;
  if (!session || !WRITER_ROLES.includes(session.role)) return;
  try {
    const r = await db.tx(session, (sql) =>
      reconcileRotationsSerial(sql, session.orgId, store, vault, (draft) =>
        appendAudit(sql, session, draft, { reason: 'Settled at start: the key rotation stopped before its end was recorded.', requestId: null }),
        // A rotation started in the last minute may be this process's own, its end about to commit.
        minAgeMs,
      ),
    );
    if (r.completed + r.abandoned > 0) log.warn({ completed: r.completed, abandoned: r.abandoned }, 'audit checkpoint key: settled rotations a crash had left unfinished');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'audit checkpoint key: unfinished rotations could not be settled; the next start tries again');
  }
}
