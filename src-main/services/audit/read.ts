import type { AuditEvent } from '../../../src-shared/contract/audit';
import { type ChainedAuditEvent, describeBreak, GENESIS_HASH, verifyChain } from '../../../src-shared/domain/audit-chain';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';

interface AuditRow {
  org_id: string;
  seq: number;
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string;
  actor_role: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'org_id, seq, id, at, actor_id, actor_name, actor_role, action, target_type, target_id, reason, data, request_id, prev_hash, hash';

function chained(r: AuditRow): ChainedAuditEvent {
  return {
    org_id: r.org_id,
    seq: r.seq,
    id: r.id,
    at: r.at,
    actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    reason: r.reason,
    data: r.data,
    request_id: r.request_id,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

function toContract(r: AuditRow): AuditEvent {
  return {
    seq: r.seq,
    id: r.id,
    at: r.at,
    actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    reason: r.reason,
    data: r.data,
    requestId: r.request_id,
    hash: r.hash,
  };
}

export async function listAudit(sql: Sql, limit: number, beforeSeq?: number): Promise<{ events: AuditEvent[]; headSeq: number }> {
  const rows = await sql.query<AuditRow>(
    `SELECT ${COLUMNS} FROM mc.audit_events
      WHERE org_id = mc.current_org_id() AND ($2::bigint IS NULL OR seq < $2)
      ORDER BY seq DESC LIMIT $1`,
    [limit, beforeSeq ?? null],
  );
  const head = await sql.maybeOne<{ seq: number }>('SELECT seq FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
  return { events: rows.map(toContract), headSeq: head?.seq ?? 0 };
}

/** Events about any of the given targets, newest first (one query, however many targets). */
export async function auditEventsFor(sql: Sql, targets: { type: string; id: string }[], limit = 50): Promise<AuditEvent[]> {
  if (targets.length === 0) return [];
  const rows = await sql.query<AuditRow>(
    `SELECT ${COLUMNS} FROM mc.audit_events e
      WHERE e.org_id = mc.current_org_id()
        AND (e.target_type, e.target_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      ORDER BY e.seq DESC LIMIT $3`,
    [targets.map((t) => t.type), targets.map((t) => t.id), limit],
  );
  return rows.map(toContract);
}

const BATCH = 5000;

/**
 * Recompute the whole chain in batches (memory stays flat however long the chain is) and compare
 * its end with the head the database keeps: a deleted tail shows up as a head that points past
 * the last event.
 */
export async function verifyAudit(sql: Sql, orgId: string) {
  let from = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const breaks: { seq: number; description: string }[] = [];
  for (;;) {
    const rows = await sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM mc.audit_events WHERE org_id = mc.current_org_id() AND seq > $1 ORDER BY seq LIMIT $2`,
      [from.seq, BATCH],
    );
    if (rows.length === 0) break;
    const verdict = verifyChain(sha256Hex, orgId, rows.map(chained), from);
    for (const b of verdict.breaks) breaks.push({ seq: b.seq, description: describeBreak(b) });
    checked += verdict.checked;
    from = { seq: verdict.lastSeq, hash: verdict.lastHash };
    if (rows.length < BATCH) break;
  }
  const head = await sql.maybeOne<{ seq: number; hash: string }>('SELECT seq, hash FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
  if (head && (head.seq !== from.seq || head.hash !== from.hash)) {
    breaks.push({
      seq: head.seq,
      description: head.seq > from.seq ? `events after #${from.seq} are missing (the head is #${head.seq})` : `the chain head (#${head.seq}) does not match the last event (#${from.seq})`,
    });
  }
  return { ok: breaks.length === 0, checked, headSeq: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH, breaks };
}
