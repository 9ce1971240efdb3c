import type { DatabaseManager, Sql } from '../../db';
import type { Vault } from '../../vault';
import type { AuditDraft, AuditRecord } from '../audit';
import type { CheckpointStore } from '../audit/anchor';

/** What the credentials service needs from the side that calls it (the router, or a test). */
export interface CredentialDeps {
  sql: Sql;
  vault: Vault;
  orgId: string;
  operatorId: string;
  /** The database manager: the app's own logins and other sessions live behind its owner connection. */
  db: DatabaseManager;
  /** This workstation's checkpoints (the signing key's history lives beside them). */
  checkpoints: CheckpointStore;
  audit(draft: AuditDraft): Promise<AuditRecord>;
}

export type ReadDeps = Pick<CredentialDeps, 'sql' | 'vault' | 'orgId' | 'db' | 'checkpoints'>;
