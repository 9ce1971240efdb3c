import type { AuditFilter } from '../../../src-shared/contract/audit';
import { bodyOf } from '../../../src-shared/domain/audit-chain';
import { canonicalJson } from '../../../src-shared/domain/canonical-json';
import type { Sql } from '../../db';
import { type AlsoCondition, filterWhere } from './filter';
import { type AuditRow, chained, COLUMNS } from './read';
import { NO_SUBJECT, resolveSubjects, subjectKey } from './subjects';

/**
 * The CSV columns, in order (docs/formats.md). `canonical` is the exact text the hash covers, so
 * `sha256(prev_hash + canonical) = hash` can be checked with any tool; the columns before it are
 * the same fields spread out for reading, and `subject` (the record's name at export time) is the
 * only column the hash does not cover.
 */
export const CSV_COLUMNS = [
  'seq', 'at', 'actor_name', 'actor_role', 'actor_id', 'action', 'target_type', 'target_id', 'subject',
  'reason', 'data', 'request_id', 'org_id', 'id', 'prev_hash', 'hash', 'canonical',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. Values are never altered. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function subjectText(label: string | null, detail: string | null): string | null {
  if (label === null) return null;
  return detail ? `${label} — ${detail}` : label;
}

/**
 * One JSONL line of an audit export or bundle (docs/formats.md): `canonical` is the hashed text
 * itself; `event` the same fields as an object, for reading (that same text, which is JSON: the
 * body is not serialised a second time); `subject` the record's name now.
 */
export function auditJsonlLine(r: { seq: number; prev_hash: string; hash: string }, canonical: string, subject: { label: string | null; detail: string | null }): string {
  return auditJsonlParts(r, canonical, subject).join('');
}

/**
 * The same line in parts, with no newline, for a writer that encodes each part as it comes (a
 * bundle writes one line per event of the log): no part is a copy of another, and the line is
 * never built as one string.
 */
export function auditJsonlParts(r: { seq: number; prev_hash: string; hash: string }, canonical: string, subject: { label: string | null; detail: string | null }): string[] {
  const head = JSON.stringify({ seq: r.seq, prev_hash: r.prev_hash, hash: r.hash, canonical });
  return [head.slice(0, -1), ',"event":', canonical, `,"subject":${JSON.stringify(subjectText(subject.label, subject.detail))}}`];
}

export interface ExportPage {
  text: string;
  rows: number;
  /** The seq of each row, in order (bundles pair each with its proof without parsing the text again). */
  seqs: number[];
  untilSeq: number;
  nextAfterSeq: number | null;
}

/**
 * One page of an export, oldest first (the chain's own order, so consecutive rows can be linked).
 * Pages are keyset on seq and capped at the head when the export began; the caller concatenates
 * the pages into the file, so memory stays bounded by one page on each side.
 */
export async function exportAuditPage(
  sql: Sql,
  input: { format: 'csv' | 'jsonl'; filter?: AuditFilter | undefined; also?: AlsoCondition | undefined; afterSeq: number; untilSeq?: number; limit: number },
): Promise<ExportPage> {
  const head = await sql.maybeOne<{ seq: number }>('SELECT seq FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
  const untilSeq = input.untilSeq ?? head?.seq ?? 0;
  const where = filterWhere(input.filter, 3, input.also);
  const rows = await sql.query<AuditRow>(
    `SELECT ${COLUMNS} FROM mc.audit_events e
      WHERE ${where.sql} AND e.seq > $1 AND e.seq <= $2
      ORDER BY e.seq LIMIT $3`,
    [input.afterSeq, untilSeq, input.limit + 1, ...where.params],
  );
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  const subjects = await resolveSubjects(sql, page.map((r) => ({ type: r.target_type, id: r.target_id })));
  const lines: string[] = [];
  if (input.format === 'csv' && input.afterSeq === 0) lines.push(CSV_COLUMNS.join(','));
  for (const r of page) {
    const body = bodyOf(chained(r));
    const s = subjects.get(subjectKey(r.target_type, r.target_id)) ?? NO_SUBJECT;
    if (input.format === 'jsonl') {
      lines.push(auditJsonlLine(r, canonicalJson(body), s));
    } else {
      const values: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
        seq: r.seq,
        at: body.at,
        actor_name: body.actor.name,
        actor_role: body.actor.role,
        actor_id: body.actor.id,
        action: body.action,
        target_type: body.target.type,
        target_id: body.target.id,
        subject: subjectText(s.label, s.detail),
        reason: body.reason,
        data: canonicalJson(body.data),
        request_id: body.request_id,
        org_id: body.org_id,
        id: body.id,
        prev_hash: r.prev_hash,
        hash: r.hash,
        canonical: canonicalJson(body),
      };
      lines.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
    }
  }
  return {
    // CSV lines end in CRLF (RFC 4180), JSONL lines in LF; a line break inside a CSV field is quoted.
    text: lines.map((l) => l + (input.format === 'csv' ? '\r\n' : '\n')).join(''),
    rows: page.length,
    seqs: page.map((r) => r.seq),
    untilSeq,
    nextAfterSeq: more ? page.at(-1)!.seq : null,
  };
}
