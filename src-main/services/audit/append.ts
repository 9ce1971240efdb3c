import { randomUUID } from 'node:crypto';
import type { Session } from '../../../src-shared/contract/system';
import { type AuditEventBody, chainHash } from '../../../src-shared/domain/audit-chain';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';

/** What a command says about itself; the router adds who, when, why and the request id. */
export interface AuditDraft {
  action: string;
  target: { type: string; id: string | null };
  data?: Record<string, unknown>;
}

/** The app itself as the actor of an event. */
export interface SystemActor {
  id: null;
  name: string;
  role: null;
}

export interface AuditRecord {
  seq: number;
  at: string;
  hash: string;
}

/**
 * Append one event to the org's chain inside the caller's transaction. The head row stays locked
 * until that transaction ends, so concurrent commands queue instead of forking the chain.
 */
export async function appendAudit(
  sql: Sql,
  session: Session,
  draft: AuditDraft,
  meta: { reason: string | null; requestId: string | null; actor?: SystemActor },
): Promise<AuditRecord> {
  const head = await sql.one<{ seq: number; hash: string }>('SELECT seq, hash FROM mc.audit_lock_head()');
  const body: AuditEventBody = {
    org_id: session.orgId,
    seq: head.seq + 1,
    id: randomUUID(),
    at: new Date().toISOString(),
    // The app acting on its own (an alert rule, the escalation clock) is named as such, never as
    // the operator whose workstation happened to run it.
    actor: meta.actor ?? { id: session.operatorId, name: session.operatorName, role: session.role },
    action: draft.action,
    target: draft.target,
    reason: meta.reason,
    data: draft.data ?? {},
    request_id: meta.requestId,
  };
  const hash = chainHash(sha256Hex, head.hash, body);
  await sql.query(
    `INSERT INTO mc.audit_events (org_id, seq, id, at, actor_id, actor_name, actor_role, action, target_type, target_id,
                                  reason, data, request_id, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      body.org_id, body.seq, body.id, body.at, body.actor.id, body.actor.name, body.actor.role, body.action,
      body.target.type, body.target.id, body.reason, JSON.stringify(body.data), body.request_id, head.hash, hash,
    ],
  );
  return { seq: body.seq, at: body.at, hash };
}
