import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEventBody, type ChainedAuditEvent, chainHash, type ChainVerdict, GENESIS_HASH, verifyChain } from '../../src-shared/domain/audit-chain';
import { sha256Hex } from './hash';

export interface LocalAuditDraft {
  actor: string;
  action: string;
  target: { type: string; id: string | null };
  reason: string | null;
  data: Record<string, unknown>;
  requestId: string;
}

/** A torn tail found at start-up (a crash mid-write) and where its bytes were put. */
export interface TornTail {
  file: string;
  bytes: number;
  sha256: string;
}

export class LocalAuditUnavailableError extends Error {}

/**
 * Changes to this workstation's own settings (connection profiles) belong to no org database, so
 * they go to <dataDir>/local-audit.jsonl: the same event body and hash chain as the org chain,
 * with org_id "local". One JSON object per line; never a secret.
 *
 * Crash safety: every record is one write of a whole line followed by fsync. A crash mid-write can
 * still leave a torn last line; prepare() sets those bytes aside in local-audit.torn-<time>.jsonl
 * (never deleting them), cuts the log back to its last whole record and records that it did, so
 * the chain stays verifiable and no earlier record is lost. The router calls prepare() before a
 * local command runs, which also opens the file: a command whose record cannot be written is refused
 * before it changes anything.
 */
export class LocalAuditLog {
  private readonly file: string;
  private head: { seq: number; hash: string } | null = null;
  private fd: number | null = null;
  /** The torn tail set aside by the last prepare(), if any, for whoever wants to report it. */
  lastTornTail: TornTail | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly onTornTail: (t: TornTail) => void = () => undefined,
  ) {
    this.file = join(dataDir, 'local-audit.jsonl');
  }

  get path(): string {
    return this.file;
  }

  /** Whole records in the file, and the byte length they end at. */
  private readRecords(): { records: ChainedAuditEvent[]; goodLength: number; size: number; raw: Buffer } {
    const raw = existsSync(this.file) ? readFileSync(this.file) : Buffer.alloc(0);
    const records: ChainedAuditEvent[] = [];
    let goodLength = 0;
    let start = 0;
    for (let nl = raw.indexOf(10, start); nl !== -1; nl = raw.indexOf(10, start)) {
      const line = raw.subarray(start, nl).toString('utf8');
      start = nl + 1;
      if (line.trim() === '') {
        goodLength = start;
        continue;
      }
      let rec: ChainedAuditEvent;
      try {
        rec = JSON.parse(line) as ChainedAuditEvent;
      } catch {
        break;
      }
      if (typeof rec?.seq !== 'number' || typeof rec.hash !== 'string') break;
      records.push(rec);
      goodLength = start;
    }
    return { records, goodLength, size: raw.length, raw };
  }

  /**
   * Make the log ready to take a record: set a torn tail aside, find the head and open the file.
   * Throws LocalAuditUnavailableError when the log cannot be written.
   */
  prepare(): void {
    // Read afresh each time: local commands are rare, and the file on disk is the only truth.
    this.release();
    try {
      const { records, goodLength, size, raw } = this.readRecords();
      const last = records.at(-1);
      this.head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
      this.fd = openSync(this.file, 'a', 0o600);
      if (goodLength < size) {
        const fragment = raw.subarray(goodLength);
        const aside = join(this.dataDir, `local-audit.torn-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
        writeFileSync(aside, fragment, { mode: 0o600, flag: 'wx' });
        truncateSync(this.file, goodLength);
        const torn: TornTail = { file: aside, bytes: fragment.length, sha256: createHash('sha256').update(fragment).digest('hex') };
        this.lastTornTail = torn;
        this.write({
          actor: 'Mission Control',
          action: 'local_audit.torn_tail_set_aside',
          target: { type: 'file', id: 'local-audit.jsonl' },
          reason: 'The last line was incomplete (the app stopped while writing it); its bytes were kept aside.',
          data: { file: aside, bytes: torn.bytes, sha256: torn.sha256 },
          requestId: randomUUID(),
        });
        this.onTornTail(torn);
      }
    } catch (err) {
      this.release();
      if (err instanceof LocalAuditUnavailableError) throw err;
      throw new LocalAuditUnavailableError(`The workstation's audit log (${this.file}) cannot be written: ${(err as Error).message}`);
    }
  }

  private release(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.head = null;
  }

  private write(e: LocalAuditDraft): void {
    const head = this.head;
    if (!head || this.fd === null) throw new LocalAuditUnavailableError('The local audit log was not prepared.');
    const body: AuditEventBody = {
      org_id: 'local',
      seq: head.seq + 1,
      id: randomUUID(),
      at: new Date().toISOString(),
      actor: { id: null, name: e.actor, role: null },
      action: e.action,
      target: e.target,
      reason: e.reason,
      data: e.data,
      request_id: e.requestId,
    };
    const hash = chainHash(sha256Hex, head.hash, body);
    // One write of the whole line, then fsync: a record is either on disk or (at worst) a torn tail.
    writeSync(this.fd, `${JSON.stringify({ ...body, prev_hash: head.hash, hash })}\n`);
    fsyncSync(this.fd);
    this.head = { seq: body.seq, hash };
  }

  append(e: LocalAuditDraft): void {
    if (this.fd === null) this.prepare();
    try {
      this.write(e);
    } finally {
      this.release();
    }
  }

  /** The whole file checked as a chain (seq order, links and hashes from genesis). */
  verify(): ChainVerdict & { tornTail: boolean } {
    const { records, goodLength, size } = this.readRecords();
    return { ...verifyChain(sha256Hex, 'local', records), tornTail: goodLength < size };
  }

  close(): void {
    this.release();
  }
}
