import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEventBody, chainHash, GENESIS_HASH } from '../../src-shared/domain/audit-chain';
import { sha256Hex } from './hash';

/**
 * Changes to this workstation's own settings (connection profiles) belong to no org database, so
 * they go to <dataDir>/local-audit.jsonl: the same event body and hash chain as the org chain,
 * with org_id "local". One JSON object per line; never a secret.
 */
export class LocalAuditLog {
  private readonly file: string;
  private head: { seq: number; hash: string } | null = null;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'local-audit.jsonl');
  }

  get path(): string {
    return this.file;
  }

  private readHead(): { seq: number; hash: string } {
    if (this.head) return this.head;
    if (!existsSync(this.file)) return (this.head = { seq: 0, hash: GENESIS_HASH });
    const lines = readFileSync(this.file, 'utf8').trimEnd().split('\n').filter(Boolean);
    const last = lines.length ? (JSON.parse(lines[lines.length - 1] as string) as { seq: number; hash: string }) : null;
    return (this.head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH });
  }

  append(e: { actor: string; action: string; target: { type: string; id: string | null }; reason: string | null; data: Record<string, unknown>; requestId: string }): void {
    const head = this.readHead();
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
    appendFileSync(this.file, `${JSON.stringify({ ...body, prev_hash: head.hash, hash })}\n`, { mode: 0o600 });
    this.head = { seq: body.seq, hash };
  }
}
