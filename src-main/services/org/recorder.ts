import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import { type AuditDraft, type AuditRecord, appendAudit } from '../audit';

/**
 * Who is acting, and how their action gets into the audit chain. A command acts as the signed-in
 * operator through the router's audit (same transaction, the command's reason and request id);
 * the app's own clocks (alert evaluation, escalation) act as themselves, by name.
 */
export interface Recorder {
  actor: { id: string | null; name: string };
  audit(draft: AuditDraft): Promise<AuditRecord>;
}

export function commandRecorder(session: Session, audit: (draft: AuditDraft) => Promise<AuditRecord>): Recorder {
  return { actor: { id: session.operatorId, name: session.operatorName }, audit };
}

export function systemRecorder(sql: Sql, session: Session, name: string): Recorder {
  const actor = { id: null, name, role: null };
  return { actor: { id: null, name }, audit: (draft) => appendAudit(sql, session, draft, { reason: null, requestId: null, actor }) };
}
