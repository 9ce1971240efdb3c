/**
 * Idempotency-Key on non-streaming requests, kept in mc.idempotency_keys (sql/0045) so that every
 * gateway instance on the database agrees. The first request claims the key (a row with no
 * status); the same key + customer + body within 24 hours then answers the stored response, a
 * different body is a conflict, and a claim still in flight is a conflict too (the client retried
 * too early). A request that failed upstream gives its claim back, so a retry may serve.
 */
import { createHash } from 'node:crypto';
import type { Sql } from '../../db/sql';

export const IDEMPOTENCY_WINDOW_H = 24;
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** A claim with no answer after this long belongs to a request no gateway is serving any more. */
export const ABANDONED_CLAIM_S = 600;
/** The largest answer kept for replay (the column's CHECK); a larger one gives its claim back. */
export const MAX_STORED_ANSWER = 4 * 1024 * 1024;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string; requestId: string }
  | { kind: 'conflict'; message: string };

export const bodyHash = (raw: string): Buffer => createHash('sha256').update(raw, 'utf8').digest();

export async function claim(sql: Sql, orgId: string, customerId: string, key: string, hash: Buffer, requestId: string): Promise<Claim> {
  // An expired record is replaced, so the key may be used again after the window; so is a claim
  // still in flight long after any request could last (its gateway died between claim and answer),
  // or the client would get 409 for a day.
  await sql.query(
    `DELETE FROM mc.idempotency_keys WHERE org_id = $1 AND customer_id = $2 AND idem_key = $3
        AND (created_at < now() - make_interval(hours => $4) OR (status IS NULL AND created_at < now() - make_interval(secs => $5)))`,
    [orgId, customerId, key, IDEMPOTENCY_WINDOW_H, ABANDONED_CLAIM_S],
  );
  const ins = await sql.query(
    `INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, customer_id, idem_key) DO NOTHING RETURNING 1`,
    [orgId, customerId, key, hash, requestId],
  );
  if (ins.length === 1) return { kind: 'claimed' };
  const row = await sql.maybeOne<{ body_sha256: Buffer; status: number | null; response: string | null; request_id: string }>(
    `SELECT body_sha256, status, response, request_id FROM mc.idempotency_keys WHERE org_id = $1 AND customer_id = $2 AND idem_key = $3`,
    [orgId, customerId, key],
  );
  if (!row) return { kind: 'conflict', message: 'A request with this Idempotency-Key was just given up; retry it.' };
  if (!row.body_sha256.equals(hash)) {
    return { kind: 'conflict', message: 'This Idempotency-Key was already used with a different request body in the last 24 hours. Use a new key for a new request.' };
  }
  if (row.status === null || row.response === null) {
    return { kind: 'conflict', message: 'A request with this Idempotency-Key is still being served. Retry after it finished.' };
  }
  return { kind: 'replay', status: row.status, body: row.response, requestId: row.request_id };
}

export async function complete(sql: Sql, orgId: string, customerId: string, key: string, status: number, body: string): Promise<void> {
  // Too large to keep: the claim is given back, so a retry serves again instead of a 409.
  if (body.length > MAX_STORED_ANSWER) return release(sql, orgId, customerId, key);
  await sql.query(
    `UPDATE mc.idempotency_keys SET status = $4, response = $5, completed_at = now() WHERE org_id = $1 AND customer_id = $2 AND idem_key = $3`,
    [orgId, customerId, key, status, body],
  );
}

export async function release(sql: Sql, orgId: string, customerId: string, key: string): Promise<void> {
  await sql.query(`DELETE FROM mc.idempotency_keys WHERE org_id = $1 AND customer_id = $2 AND idem_key = $3 AND status IS NULL`, [orgId, customerId, key]);
}
