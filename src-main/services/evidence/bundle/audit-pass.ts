import type { ChainedAuditEvent } from '../../../../src-shared/domain/audit-chain';
import { createHash } from 'node:crypto';
import { LeafHashes } from '../../../../src-shared/domain/anchor/merkle';
import type { Sql } from '../../../db';
import { verifyAudit } from '../../audit';
import { auditJsonlLine, subjectText } from '../../audit/export';
import { NO_SUBJECT, resolveSubjects, subjectKey } from '../../audit/subjects';
import { auditScopeWhere, type BundleScope } from './sources';

/**
 * Rows per read of the chain. Audit events carry payloads (an incident's affected grid, a
 * drill's figures): a page of them, parsed, is what an export holds in memory at once, so it is
 * kept small enough that a bundle of 2 000 events and one of 2 000 000 peak at the same size.
 */
export const AUDIT_PASS_BATCH = 500;

/** RFC 6962's leaf prefix (auditLeafOf in src-shared/domain/anchor/audit-tree.ts). */
const LEAF_PREFIX = Buffer.of(0);

/** Seq numbers packed in one growing array (8 bytes each): the scope's events, for their proofs. */
export class SeqList {
  private buf = new Float64Array(1024);
  length = 0;

  push(seq: number): void {
    if (this.length === this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = seq;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) yield this.buf[i] as number;
  }
}

export interface AuditPass {
  chain: Awaited<ReturnType<typeof verifyAudit>>;
  /** Every event's Merkle leaf, in seq order. */
  leaves: LeafHashes;
  /** The seqs of the scope's events, as written. */
  seqs: SeqList;
}

/**
 * One read of the org's whole audit log for a bundle: the hash chain checked, every event's
 * Merkle leaf taken, and the scope's events written as JSONL lines as they go by. Each event's
 * canonical JSON is computed once and serves all three (it was three reads and three
 * canonicalisations per event). Which events the scope holds the database says in the same read
 * (the condition the Audit view's export filters with, as a column), so nothing is read twice.
 */
export async function auditPass(
  sql: Sql,
  orgId: string,
  scope: BundleScope,
  write: (text: string, lines: number) => Promise<void>,
  checkCancel: () => void,
  /** Each event written, with its subject's name (the report's digest). */
  onEvent?: (e: ChainedAuditEvent, subject: string | null) => void,
): Promise<AuditPass> {
  const leaves = new LeafHashes();
  const seqs = new SeqList();
  const onBatch = async (events: ChainedAuditEvent[], canonical: string[], inScope: boolean[]) => {
    checkCancel();
    // auditLeafOf's hash, fed the text directly (no intermediate copies: this runs for every event of the log).
    for (const text of canonical) leaves.push(createHash('sha256').update(LEAF_PREFIX).update(text, 'utf8').digest());
    const picked: number[] = [];
    inScope.forEach((yes, i) => {
      if (yes) picked.push(i);
    });
    if (picked.length === 0) return;
    const subjects = await resolveSubjects(sql, picked.map((i) => (events[i] as ChainedAuditEvent).target));
    let text = '';
    for (const i of picked) {
      const e = events[i] as ChainedAuditEvent;
      const subject = subjects.get(subjectKey(e.target.type, e.target.id)) ?? NO_SUBJECT;
      text += `${auditJsonlLine(e, canonical[i] as string, subject)}\n`;
      onEvent?.(e, subjectText(subject.label, subject.detail));
      seqs.push(e.seq);
    }
    await write(text, picked.length);
  };
  const chain = await verifyAudit(sql, orgId, onBatch, { batch: AUDIT_PASS_BATCH, flag: auditScopeWhere(scope, 2) });
  return { chain, leaves, seqs };
}
