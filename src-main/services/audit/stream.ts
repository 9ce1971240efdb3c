import type { AuditSubject } from '../../../src-shared/contract/audit';
import { bodyOf, type ChainedAuditEvent, describeBreak, GENESIS_HASH, verifyChain } from '../../../src-shared/domain/audit-chain';
import { canonicalJson } from '../../../src-shared/domain/canonical-json';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';
import { type AuditRow, COLUMNS, chainVerdict, chained } from './read';
import { NO_SUBJECT, SUBJECT_LATERAL, subjectOf, subjectUuid } from './subjects';

/** An event of the log as a streamed pass hands it on: checked, canonicalised, flagged and named. */
export interface StreamedAuditEvent {
  event: ChainedAuditEvent;
  /** canonical_json(body): the chain's and the Merkle leaf's input. */
  canonical: string;
  /** Whether the event meets the pass's `flag` condition. */
  flag: boolean;
  /** The event's subject named now (flagged events only; the others get NO_SUBJECT). */
  subject: AuditSubject;
}

export interface StreamAuditOptions {
  /** Rows per statement: the most the pass waits for before `afterPage` runs. */
  batch: number;
  /** A condition over alias e, its parameters numbered from $3, evaluated for every event read. */
  flag: { sql: string; params: unknown[] };
  /** Each event as it is read, synchronously: what it keeps of it is all that is kept. */
  onEvent: (e: StreamedAuditEvent) => void;
  /** After each statement: where the caller waits for its writes, and may throw to stop. */
  afterPage?: () => Promise<void>;
}

/**
 * The org's whole audit chain recomputed row by row, the way verifyAudit does it in batches, for a
 * pass that uses each event once (an evidence bundle's). Each row is checked and handed on as it
 * is read, and nothing of a page is held: a page kept whole lives long enough for V8 to allocate
 * its rows straight in the old generation, and a large bundle then peaked at ~1.5× the memory of
 * a small one, all of it garbage. Subjects are named in the same statement (a lateral lookup on
 * flagged events only), so no event waits for a second query. The verdict is verifyAudit's.
 */
export async function streamAuditChain(sql: Sql, orgId: string, opts: StreamAuditOptions) {
  const statement = `
    SELECT x.*, r.label AS subject_label, r.detail AS subject_detail
      FROM (SELECT ${COLUMNS}, (${opts.flag.sql}) AS flag FROM mc.audit_events e
             WHERE e.org_id = mc.current_org_id() AND e.seq > $1 ORDER BY e.seq LIMIT $2) x
     CROSS JOIN LATERAL (SELECT CASE WHEN x.flag THEN x.target_type END AS type, x.target_id AS id, ${subjectUuid('x.target_id')} AS uid) t
     ${SUBJECT_LATERAL}
     ORDER BY x.seq`;
  let from = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const breaks: { seq: number; description: string }[] = [];
  for (;;) {
    const rows = await sql.each<AuditRow & { flag: boolean | null; subject_label: string | null; subject_detail: string | null }>(statement, [from.seq, opts.batch, ...opts.flag.params], (row) => {
      const event = chained(row);
      const canonical = canonicalJson(bodyOf(event));
      const verdict = verifyChain(sha256Hex, orgId, [event], from, [canonical]);
      for (const b of verdict.breaks) breaks.push({ seq: b.seq, description: describeBreak(b) });
      checked += verdict.checked;
      from = { seq: verdict.lastSeq, hash: verdict.lastHash };
      const flag = row.flag === true;
      const subject = flag && row.target_id !== null ? subjectOf({ type: row.target_type, id: row.target_id, label: row.subject_label, detail: row.subject_detail }) : NO_SUBJECT;
      opts.onEvent({ event, canonical, flag, subject });
    });
    await opts.afterPage?.();
    if (rows < opts.batch) break;
  }
  return chainVerdict(sql, from, checked, breaks);
}
