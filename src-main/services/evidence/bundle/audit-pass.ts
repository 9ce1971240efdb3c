import type { ChainedAuditEvent } from '../../../../src-shared/domain/audit-chain';
import { hash } from 'node:crypto';
import { LeafHashes } from '../../../../src-shared/domain/anchor/merkle';
import type { Sql } from '../../../db';
import { streamAuditChain } from '../../audit/stream';
import { auditJsonlParts, subjectText } from '../../audit/export';
import { auditScopeWhere, type BundleScope } from './sources';

/**
 * Rows per statement of the pass. No page is held (each row is used as it is read), so this bounds
 * only what waits at a page's end: the deflate buffers its lines filled, and the cancel check.
 */
export const AUDIT_PASS_BATCH = 500;

/**
 * RFC 6962's leaf prefix, 0x00 (auditLeafOf in src-shared/domain/anchor/audit-tree.ts), as the
 * character U+0000, whose UTF-8 is that one byte: the leaf's input is then one string, hashed in
 * one call.
 */
const LEAF_PREFIX = '\u0000';

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
  chain: Awaited<ReturnType<typeof streamAuditChain>>;
  /** Every event's Merkle leaf, in seq order. */
  leaves: LeafHashes;
  /** The seqs of the scope's events, as written. */
  seqs: SeqList;
}

/** Where the pass writes the scope's events: synchronously, line by line; `drain` after each page. */
export interface LineSink {
  /** Part of a line. */
  put(text: string): void;
  /** The rest of a line, its newline included. */
  putLine(text: string): void;
  drain(): Promise<void>;
}

/**
 * One read of the org's whole audit log for a bundle: the hash chain checked, every event's
 * Merkle leaf taken, and the scope's events written as JSONL lines as they go by. Each event's
 * canonical JSON is computed once and serves all three (it was three reads and three
 * canonicalisations per event). Which events the scope holds, and their subjects' names, the
 * database says in the same read, so nothing is read twice and each event is done with as soon
 * as its row arrives (audit/stream.ts says why that matters for memory).
 */
export async function auditPass(
  sql: Sql,
  orgId: string,
  scope: BundleScope,
  out: LineSink,
  checkCancel: () => void,
  /** Each event written, with its subject's name (the report's digest). */
  onEvent?: (e: ChainedAuditEvent, subject: string | null) => void,
): Promise<AuditPass> {
  const leaves = new LeafHashes();
  const seqs = new SeqList();
  const chain = await streamAuditChain(sql, orgId, {
    batch: AUDIT_PASS_BATCH,
    flag: auditScopeWhere(scope, 2),
    onEvent: ({ event, canonical, flag, subject }) => {
      // auditLeafOf's hash, of the text itself (this runs for every event of the log).
      leaves.push(hash('sha256', LEAF_PREFIX + canonical, 'buffer'));
      if (!flag) return;
      for (const part of auditJsonlParts(event, canonical, subject)) out.put(part);
      out.putLine('\n');
      onEvent?.(event, subjectText(subject.label, subject.detail));
      seqs.push(event.seq);
    },
    afterPage: async () => {
      checkCancel();
      await out.drain();
    },
  });
  return { chain, leaves, seqs };
}
