import type { AuditEvent, AuditFilter, AuditSubject } from '../../../src-shared/contract/audit';
import { bodyOf, type ChainedAuditEvent, describeBreak, GENESIS_HASH, verifyChain } from '../../../src-shared/domain/audit-chain';
import { canonicalJson } from '../../../src-shared/domain/canonical-json';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';
import { filterWhere } from './filter';
import { NO_SUBJECT, resolveSubjects, subjectKey } from './subjects';

export interface AuditRow {
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

export const COLUMNS = 'org_id, seq, id, at, actor_id, actor_name, actor_role, action, target_type, target_id, reason, data, request_id, prev_hash, hash';

export function chained(r: AuditRow): ChainedAuditEvent {
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

function toContract(r: AuditRow, subject: AuditSubject = NO_SUBJECT): AuditEvent {
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
    prevHash: r.prev_hash,
    hash: r.hash,
    subject,
  };
}

/** Contract events with their subjects named, resolved for the whole page in one query. */
async function withSubjects(sql: Sql, rows: AuditRow[]): Promise<AuditEvent[]> {
  const subjects = await resolveSubjects(sql, rows.map((r) => ({ type: r.target_type, id: r.target_id })));
  return rows.map((r) => toContract(r, subjects.get(subjectKey(r.target_type, r.target_id))));
}

/**
 * A page of matching events, newest first. Keyset on seq (the org's primary key order): a page
 * costs the same at the first event as at the millionth, and appends never shift it.
 */
export async function listAudit(
  sql: Sql,
  limit: number,
  beforeSeq?: number,
  filter?: AuditFilter,
): Promise<{ events: AuditEvent[]; headSeq: number; nextBeforeSeq: number | null }> {
  const where = filterWhere(filter, 2);
  const rows = await sql.query<AuditRow>(
    `SELECT ${COLUMNS} FROM mc.audit_events e
      WHERE ${where.sql} AND ($2::bigint IS NULL OR e.seq < $2)
      ORDER BY e.seq DESC LIMIT $1`,
    [limit + 1, beforeSeq ?? null, ...where.params],
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const head = await sql.maybeOne<{ seq: number }>('SELECT seq FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
  return { events: await withSubjects(sql, page), headSeq: head?.seq ?? 0, nextBeforeSeq: more ? page.at(-1)!.seq : null };
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
  return withSubjects(sql, rows);
}

const BATCH = 5000;

/** One batch of the chain as verifyAudit read it, with each event's canonical_json(body) (computed once). */
export type OnAuditBatch = (events: ChainedAuditEvent[], canonical: string[]) => void | Promise<void>;

export interface VerifyAuditOptions {
  /** Rows per read (a bundle reads smaller ones: its events carry payloads). */
  batch?: number;
}

/**
 * Recompute the whole chain in batches (memory stays flat however long the chain is) and compare
 * its end with the head the database keeps: a deleted tail shows up as a head that points past
 * the last event. The next batch is asked for before this one is checked, so the database reads
 * while the hashes are computed.
 */
export async function verifyAudit(sql: Sql, orgId: string, onEvents?: OnAuditBatch, opts: VerifyAuditOptions = {}) {
  const batch = opts.batch ?? BATCH;
  const read = (afterSeq: number) =>
    sql.query<AuditRow>(`SELECT ${COLUMNS} FROM mc.audit_events e WHERE e.org_id = mc.current_org_id() AND e.seq > $1 ORDER BY e.seq LIMIT $2`, [afterSeq, batch]);
  let from = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const breaks: { seq: number; description: string }[] = [];
  // A read started ahead is awaited only on the next turn: if the batch's work throws first (a
  // cancelled export), its rejection must not go unhandled (that would end the main process).
  const ahead = (afterSeq: number) => {
    const p = read(afterSeq);
    p.catch(() => undefined);
    return p;
  };
  let pending = ahead(0);
  for (;;) {
    const rows = await pending;
    if (rows.length === 0) break;
    const full = rows.length === batch;
    // Keyset on the last seq read: known now, so the next read need not wait for the hashing.
    if (full) pending = ahead((rows[rows.length - 1] as AuditRow).seq);
    const events = rows.map(chained);
    const canonical = events.map((e) => canonicalJson(bodyOf(e)));
    const verdict = verifyChain(sha256Hex, orgId, events, from, canonical);
    // The anchor reuses this one pass (its Merkle leaves) instead of reading the log again.
    await onEvents?.(events, canonical);
    for (const b of verdict.breaks) breaks.push({ seq: b.seq, description: describeBreak(b) });
    checked += verdict.checked;
    from = { seq: verdict.lastSeq, hash: verdict.lastHash };
    if (!full) break;
  }
  return chainVerdict(sql, from, checked, breaks);
}

/** A recomputed chain's end compared with the head the database keeps: a deleted tail shows as a head past the last event. */
export async function chainVerdict(sql: Sql, from: { seq: number; hash: string }, checked: number, breaks: { seq: number; description: string }[]) {
  const head = await sql.maybeOne<{ seq: number; hash: string }>('SELECT seq, hash FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
  if (head && (head.seq !== from.seq || head.hash !== from.hash)) {
    breaks.push({
      seq: head.seq,
      description: head.seq > from.seq ? `events after #${from.seq} are missing (the head is #${head.seq})` : `the chain head (#${head.seq}) does not match the last event (#${from.seq})`,
    });
  }
  return { ok: breaks.length === 0, checked, headSeq: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH, breaks };
}
