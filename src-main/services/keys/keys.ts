import type { NodeKey } from '../../../src-shared/contract/grid';
import type { Rejection } from '../../../src-shared/contract/keys';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { type GeneratedKey, generateNodeKey } from './generate';

/**
 * A key's standing, in the same order the ingest function checks it: revoked, rotated out,
 * expired. "grace" is a rotated key still inside its grace period: it still works.
 */
export const STATUS_SQL = `CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                          WHEN k.superseded_by IS NOT NULL AND k.grace_until <= now() THEN 'rotated_out'
                          WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
                          WHEN k.superseded_by IS NOT NULL THEN 'grace'
                          ELSE 'active' END`;

/** Keys a node may use right now. */
export const VALID_KEY_SQL = `(k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
                               AND (k.superseded_by IS NULL OR k.grace_until > now()))`;

/**
 * Keys the app issues on its own (no member made them: created_by is NULL) by the label it gives
 * them, named as the audit log names the same issue, and marked simulated (they are the demo's).
 */
export const APP_KEY_MAKERS: Readonly<Record<string, string>> = {
  'demo agent': 'Mission Control demo agent (simulated)',
  'demo gateway traffic': 'Mission Control demo gateway (simulated)',
};

/** SQL for who made a key: the member's name, or NULL and `by_app` when the app made it. */
export const CREATED_BY_SQL = `o.display_name AS created_by, k.created_by IS NULL AS by_app`;

/** The columns every key kind has (one key module): what keyStanding maps. */
export interface KeyStandingRow {
  id: string;
  prefix: string;
  label: string;
  status: NodeKey['status'];
  created_at: string;
  /** The creating member's display name. */
  created_by: string | null;
  /** No member made it: the app did, on its own. */
  by_app: boolean;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  grace_until: string | null;
  superseded_by: string | null;
  last_used_at: string | null;
  last_used_source: string | null;
  use_count: string | number;
  stale: boolean;
}

interface KeyRow extends KeyStandingRow {
  node_id: string;
  hostname: string;
  rejected_calls: number;
  last_rejected_at: string | null;
}

function selectKeys(where: string): string {
  return `
    SELECT k.id, k.node_id, n.hostname, k.prefix, k.label, ${STATUS_SQL} AS status, k.created_at, ${CREATED_BY_SQL},
           k.expires_at, k.revoked_at, rb.display_name AS revoked_by, k.revoke_reason, k.grace_until, k.superseded_by, k.last_used_at, k.last_used_source,
           k.use_count, (${VALID_KEY_SQL} AND coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $1::int)) AS stale,
           coalesce(r.calls, 0)::int AS rejected_calls, r.last_at AS last_rejected_at
      FROM mc.node_keys k
      JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      LEFT JOIN mc.operators o ON o.id = k.created_by
      LEFT JOIN mc.operators rb ON rb.id = k.revoked_by
      -- Per key through the (org_id, key_id, …) index; see nodes.ts for why not a grouped join.
      LEFT JOIN LATERAL (SELECT sum(x.count) AS calls, max(x.last_seen_at) AS last_at
                           FROM mc.ingest_rejections x WHERE x.org_id = k.org_id AND x.key_id = k.id) r ON true
     ${where}`;
}

export function keyStanding(r: KeyStandingRow) {
  return {
    id: r.id,
    prefix: r.prefix,
    label: r.label,
    status: r.status,
    createdAt: r.created_at,
    createdBy: r.by_app ? (APP_KEY_MAKERS[r.label] ?? 'Mission Control (the app itself)') : r.created_by,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
    graceUntil: r.grace_until,
    supersededBy: r.superseded_by,
    lastUsedAt: r.last_used_at,
    lastUsedSource: r.last_used_source,
    useCount: Number(r.use_count),
    stale: r.stale,
  };
}

function toKey(r: KeyRow): NodeKey {
  return { ...keyStanding(r), nodeId: r.node_id, hostname: r.hostname, rejectedCalls: r.rejected_calls, lastRejectedAt: r.last_rejected_at };
}

export async function keysOfNode(sql: Sql, nodeId: string, staleDays = 30): Promise<NodeKey[]> {
  return (await sql.query<KeyRow>(`${selectKeys('WHERE k.node_id = $2')} ORDER BY k.created_at DESC`, [staleDays, nodeId])).map(toKey);
}

export async function getKey(sql: Sql, keyId: string, staleDays = 30): Promise<NodeKey> {
  const row = await sql.maybeOne<KeyRow>(selectKeys('WHERE k.id = $2'), [staleDays, keyId]);
  if (!row) throw new McError('NOT_FOUND', 'That node key does not exist in this org.');
  return toKey(row);
}

/** Refused keys presented within this window count as "still used" for the daily checklist. */
export const STILL_USED_WINDOW_HOURS = 24;

export async function listKeys(sql: Sql, staleDays: number) {
  const keys = (await sql.query<KeyRow>(`${selectKeys('')} ORDER BY n.hostname, k.created_at DESC`, [staleDays])).map(toKey);
  const rejections = await sql.query<{
    key_id: string | null;
    prefix: string | null;
    hostname: string | null;
    reason: string;
    source: string;
    count: number;
    first_seen_at: string;
    last_seen_at: string;
    last_detail: string | null;
  }>(
    `SELECT r.key_id, k.prefix, n.hostname, r.reason, r.source, r.count, r.first_seen_at, r.last_seen_at, r.last_detail
       FROM mc.ingest_rejections r
       LEFT JOIN mc.node_keys k ON k.id = r.key_id
       LEFT JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      ORDER BY r.last_seen_at DESC
      LIMIT 500`,
  );
  const since = new Date(Date.now() - STILL_USED_WINDOW_HOURS * 3600_000).toISOString();
  const unattributed = await sql.query<{ reason: string; calls: number; sources: number; last_seen_at: string }>(
    'SELECT * FROM mc.unattributed_rejections($1)',
    [since],
  );
  const withoutKey = await sql.query<{ node_id: string; hostname: string; lifecycle: string }>(
    // A per-node count through the index, not NOT EXISTS: an anti-join misplanned on fresh
    // statistics took 3.7 s for 10,000 nodes; this takes tens of milliseconds either way.
    `SELECT n.id AS node_id, n.hostname, n.lifecycle FROM mc.nodes n
      WHERE n.lifecycle <> 'retired'
        AND (SELECT count(*) FROM mc.node_keys k WHERE k.org_id = n.org_id AND k.node_id = n.id AND ${VALID_KEY_SQL}) = 0
      ORDER BY n.hostname`,
  );
  // Over every rejection record, not the page shown below it: a flood of other refusals must
  // never push a revoked key out of the count.
  const refusedStillPresented = (
    await sql.one<{ n: number }>(
      `SELECT count(DISTINCT key_id)::int AS n FROM mc.ingest_rejections
        WHERE key_id IS NOT NULL AND reason IN ('key_revoked', 'key_expired', 'key_rotated_out') AND last_seen_at >= $1`,
      [since],
    )
  ).n;
  const staleKeys = keys.filter((k) => k.stale).length;
  const mapped: Rejection[] = rejections.map((r) => ({
    keyId: r.key_id,
    keyPrefix: r.prefix,
    hostname: r.hostname,
    reason: r.reason,
    source: r.source,
    count: r.count,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    lastDetail: r.last_detail,
  }));
  return {
    keys,
    rejections: mapped,
    unattributed: unattributed.map((u) => ({ reason: u.reason, calls: u.calls, sources: u.sources, lastSeenAt: u.last_seen_at })),
    nodesWithoutValidKey: withoutKey.map((n) => ({ nodeId: n.node_id, hostname: n.hostname, lifecycle: n.lifecycle })),
    check: { ok: staleKeys === 0 && refusedStillPresented === 0, staleKeys, refusedKeysStillPresented: refusedStillPresented, since },
  };
}

async function requireLiveNode(sql: Sql, nodeId: string): Promise<{ hostname: string }> {
  const node = await sql.maybeOne<{ hostname: string; lifecycle: string }>('SELECT hostname, lifecycle FROM mc.nodes WHERE id = $1', [nodeId]);
  if (!node) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  if (node.lifecycle === 'retired') throw new McError('CONFLICT', `${node.hostname} is retired; retired nodes get no keys.`);
  return node;
}

export async function insertKey(
  sql: Sql,
  input: { nodeId: string; label: string; expiresInDays: number | null; operatorId: string | null; generated?: GeneratedKey },
): Promise<{ id: string; generated: GeneratedKey; expiresAt: string | null }> {
  const generated = input.generated ?? generateNodeKey();
  const row = await sql.one<{ id: string; expires_at: string | null }>(
    `INSERT INTO mc.node_keys (org_id, node_id, key_hash, prefix, label, created_by, expires_at)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(days => $6::int) END)
     RETURNING id, expires_at`,
    [input.nodeId, generated.hash, generated.prefix, input.label, input.operatorId, input.expiresInDays],
  );
  return { id: row.id, generated, expiresAt: row.expires_at };
}

export async function issueKey(
  sql: Sql,
  input: { nodeId: string; label: string; expiresInDays: number | null; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<{ key: NodeKey; secret: string }> {
  const node = await requireLiveNode(sql, input.nodeId);
  const { id, generated, expiresAt } = await insertKey(sql, input);
  await audit({
    action: 'keys.issued',
    target: { type: 'node_key', id },
    data: { nodeId: input.nodeId, hostname: node.hostname, prefix: generated.prefix, label: input.label, expiresAt },
  });
  return { key: await getKey(sql, id), secret: generated.secret };
}

export async function rotateKey(
  sql: Sql,
  input: { keyId: string; graceHours: number; expiresInDays: number | null; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<{ key: NodeKey; secret: string; previous: NodeKey }> {
  const old = await sql.maybeOne<{ node_id: string; prefix: string; label: string; status: NodeKey['status'] }>(
    `SELECT k.node_id, k.prefix, k.label, ${STATUS_SQL} AS status FROM mc.node_keys k WHERE k.id = $1 FOR UPDATE`,
    [input.keyId],
  );
  if (!old) throw new McError('NOT_FOUND', 'That node key does not exist in this org.');
  if (old.status !== 'active') throw new McError('CONFLICT', `Only an active key can be rotated; ${old.prefix}… is ${old.status.replace('_', ' ')}.`);
  const node = await requireLiveNode(sql, old.node_id);
  const fresh = await insertKey(sql, { nodeId: old.node_id, label: old.label, expiresInDays: input.expiresInDays, operatorId: input.operatorId });
  const grace = await sql.one<{ grace_until: string }>(
    `UPDATE mc.node_keys SET superseded_by = $2, grace_until = now() + make_interval(hours => $3::int) WHERE id = $1 RETURNING grace_until`,
    [input.keyId, fresh.id, input.graceHours],
  );
  await audit({
    action: 'keys.rotated',
    target: { type: 'node_key', id: input.keyId },
    data: { nodeId: old.node_id, hostname: node.hostname, previousPrefix: old.prefix, newKeyId: fresh.id, newPrefix: fresh.generated.prefix, graceUntil: grace.grace_until },
  });
  return { key: await getKey(sql, fresh.id), secret: fresh.generated.secret, previous: await getKey(sql, input.keyId) };
}

export async function revokeKey(
  sql: Sql,
  input: { keyId: string; reason: string; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<NodeKey> {
  const key = await sql.maybeOne<{ node_id: string; prefix: string; revoked_at: string | null }>(
    'SELECT node_id, prefix, revoked_at FROM mc.node_keys WHERE id = $1 FOR UPDATE',
    [input.keyId],
  );
  if (!key) throw new McError('NOT_FOUND', 'That node key does not exist in this org.');
  if (key.revoked_at) throw new McError('CONFLICT', `${key.prefix}… was already revoked.`);
  await sql.query('UPDATE mc.node_keys SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE id = $1', [input.keyId, input.operatorId, input.reason]);
  await audit({ action: 'keys.revoked', target: { type: 'node_key', id: input.keyId }, data: { nodeId: key.node_id, prefix: key.prefix } });
  return getKey(sql, input.keyId);
}
