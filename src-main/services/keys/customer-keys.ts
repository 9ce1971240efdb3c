import type { CustomerKey } from '../../../src-shared/contract/customer-keys';
import { McError } from '../../../src-shared/contract/errors';
import type { CustomerKeyMode } from '../../../src-shared/domain/api-key';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { generateKey } from './generate';
import { CREATED_BY_SQL, keyStanding, type KeyStandingRow, STATUS_SQL, STILL_USED_WINDOW_HOURS, VALID_KEY_SQL } from './keys';

/**
 * Customer API keys (issue 13's customer API-key record): the node keys' module, another kind.
 * Same standing rules (revoked, rotated out, expired, grace), same show-once secret, same audit
 * shape; issue and rotate are an admin's (billed traffic), revoke any writer's (a leak must stop
 * at once). The gateway checks a presented key with mc.customer_key_check (sql/0043).
 */
interface Row extends KeyStandingRow {
  customer_id: string;
  customer_name: string;
  mode: CustomerKey['mode'];
  refused_count: string | number;
  last_refused_at: string | null;
  last_refused_source: string | null;
}

const SELECT = `
  SELECT k.id, k.customer_id, c.name AS customer_name, k.mode, k.prefix, k.label, ${STATUS_SQL} AS status, k.created_at,
         ${CREATED_BY_SQL}, k.expires_at, k.revoked_at, rb.display_name AS revoked_by, k.revoke_reason, k.grace_until, k.superseded_by,
         k.last_used_at, k.last_used_source, k.use_count,
         (${VALID_KEY_SQL} AND coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $1::int)) AS stale,
         k.refused_count, k.last_refused_at, k.last_refused_source
    FROM mc.customer_keys k
    JOIN mc.customers c ON c.org_id = k.org_id AND c.id = k.customer_id
    LEFT JOIN mc.operators o ON o.id = k.created_by
    LEFT JOIN mc.operators rb ON rb.id = k.revoked_by`;

const toKey = (r: Row): CustomerKey => ({
  ...keyStanding(r),
  customerId: r.customer_id,
  customerName: r.customer_name,
  mode: r.mode,
  refusedCount: Number(r.refused_count),
  lastRefusedAt: r.last_refused_at,
  lastRefusedSource: r.last_refused_source,
});

const NOT_FOUND = 'That customer API key does not exist in this org.';

async function getCustomerKey(sql: Sql, id: string, staleDays = 30): Promise<CustomerKey> {
  const row = await sql.maybeOne<Row>(`${SELECT} WHERE k.id = $2`, [staleDays, id]);
  if (!row) throw new McError('NOT_FOUND', NOT_FOUND);
  return toKey(row);
}

export async function listCustomerKeys(sql: Sql, staleDays: number) {
  const keys = (await sql.query<Row>(`${SELECT} ORDER BY c.name, k.created_at DESC`, [staleDays])).map(toKey);
  const customers = await sql.query<{ id: string; name: string; tier: string }>('SELECT id, name, tier FROM mc.customers ORDER BY name');
  const since = new Date(Date.now() - STILL_USED_WINDOW_HOURS * 3600_000).toISOString();
  return {
    keys,
    customers,
    flags: {
      stale: keys.filter((k) => k.stale).length,
      refusedStillPresented: keys.filter((k) => k.lastRefusedAt !== null && k.lastRefusedAt >= since).length,
      since,
    },
  };
}

async function insertCustomerKey(sql: Sql, input: { customerId: string; mode: CustomerKeyMode; label: string; expiresInDays: number | null; operatorId: string | null }) {
  const generated = generateKey(input.mode);
  const row = await sql.one<{ id: string; expires_at: string | null }>(
    `INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix, label, created_by, expires_at)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(days => $7::int) END)
     RETURNING id, expires_at`,
    [input.customerId, input.mode, generated.hash, generated.prefix, input.label, input.operatorId, input.expiresInDays],
  );
  return { id: row.id, generated, expiresAt: row.expires_at };
}

export async function issueCustomerKey(
  sql: Sql,
  /** `operatorId` null: the app issues it on its own (the demo gateway), not a member. */
  input: { customerId: string; mode: CustomerKeyMode; label: string; expiresInDays: number | null; operatorId: string | null },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<{ key: CustomerKey; secret: string }> {
  const customer = await sql.maybeOne<{ name: string }>('SELECT name FROM mc.customers WHERE id = $1', [input.customerId]);
  if (!customer) throw new McError('NOT_FOUND', 'That customer does not exist in this org: add it in SLA (New customer) first.');
  const { id, generated, expiresAt } = await insertCustomerKey(sql, input);
  await audit({
    action: 'customer_keys.issued',
    target: { type: 'customer_key', id },
    data: { customerId: input.customerId, customer: customer.name, mode: input.mode, prefix: generated.prefix, label: input.label, expiresAt },
  });
  return { key: await getCustomerKey(sql, id), secret: generated.secret };
}

export async function rotateCustomerKey(
  sql: Sql,
  input: { keyId: string; graceHours: number; expiresInDays: number | null; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<{ key: CustomerKey; secret: string; previous: CustomerKey }> {
  const old = await sql.maybeOne<{ customer_id: string; mode: CustomerKeyMode; prefix: string; label: string; status: CustomerKey['status'] }>(
    `SELECT k.customer_id, k.mode, k.prefix, k.label, ${STATUS_SQL} AS status FROM mc.customer_keys k WHERE k.id = $1 FOR UPDATE`,
    [input.keyId],
  );
  if (!old) throw new McError('NOT_FOUND', NOT_FOUND);
  if (old.status !== 'active') throw new McError('CONFLICT', `Only an active key can be rotated; ${old.prefix}… is ${old.status.replace('_', ' ')}.`);
  const fresh = await insertCustomerKey(sql, { customerId: old.customer_id, mode: old.mode, label: old.label, expiresInDays: input.expiresInDays, operatorId: input.operatorId });
  // A grace of 0 ends the old key now (the compromise case); otherwise clients have until then to switch.
  const grace = await sql.one<{ grace_until: string }>(
    'UPDATE mc.customer_keys SET superseded_by = $2, grace_until = now() + make_interval(hours => $3::int) WHERE id = $1 RETURNING grace_until',
    [input.keyId, fresh.id, input.graceHours],
  );
  await audit({
    action: 'customer_keys.rotated',
    target: { type: 'customer_key', id: input.keyId },
    data: { customerId: old.customer_id, previousPrefix: old.prefix, newKeyId: fresh.id, newPrefix: fresh.generated.prefix, graceUntil: grace.grace_until },
  });
  return { key: await getCustomerKey(sql, fresh.id), secret: fresh.generated.secret, previous: await getCustomerKey(sql, input.keyId) };
}

export async function revokeCustomerKey(
  sql: Sql,
  input: { keyId: string; reason: string; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<CustomerKey> {
  const key = await sql.maybeOne<{ customer_id: string; prefix: string; revoked_at: string | null }>(
    'SELECT customer_id, prefix, revoked_at FROM mc.customer_keys WHERE id = $1 FOR UPDATE',
    [input.keyId],
  );
  if (!key) throw new McError('NOT_FOUND', NOT_FOUND);
  if (key.revoked_at) throw new McError('CONFLICT', `${key.prefix}… was already revoked.`);
  await sql.query('UPDATE mc.customer_keys SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE id = $1', [input.keyId, input.operatorId, input.reason]);
  await audit({ action: 'customer_keys.revoked', target: { type: 'customer_key', id: input.keyId }, data: { customerId: key.customer_id, prefix: key.prefix } });
  return getCustomerKey(sql, input.keyId);
}
