import type { DatabaseManager, Sql } from '../../db';
import type { Vault } from '../../vault';
import type { AuditDraft, AuditRecord } from '../audit';

/** What the credentials service needs from the side that calls it (the router, or a test). */
export interface CredentialDeps {
  sql: Sql;
  vault: Vault;
  orgId: string;
  operatorId: string;
  /** The database manager: the app's own logins and other sessions live behind its owner connection. */
  db: DatabaseManager;
  /** This workstation's checkpoint folder (the signing key's history lives there). */
  checkpointDir: string;
  audit(draft: AuditDraft): Promise<AuditRecord>;
}

export type ReadDeps = Pick<CredentialDeps, 'sql' | 'vault' | 'orgId' | 'db' | 'checkpointDir'>;
