import type { Session } from '../../src-shared/contract/system';
import type { Sql } from '../db';
import { appendAudit, type SystemActor } from '../services/audit';
import { deriveNodeKey } from '../services/keys';
import type { SimNode } from './simulator';

/**
 * The nodes an agent plays (the running ones: active or draining), with keys derived from a secret seed (kept in the keychain): the same
 * seed gives the same keys after a restart, so nothing secret is ever stored in a file. Keys the
 * database does not know yet are registered (hash only) under one audit event.
 */
export async function fleetWithKeys(
  sql: Sql,
  session: Session,
  seed: string,
  /** `actor`: the app when it issues keys on its own (the demo agent); a person running the simulator is named as themself. */
  opts: { limit: number; label: string; canWrite: boolean; requestId: string | null; actor?: SystemActor },
): Promise<SimNode[]> {
  const nodes = await sql.query<{ id: string; hostname: string; lifecycle: string; longitude: number; gpu_count: number; gpu_memory_gb: number; capacity_tokens_per_s: number }>(
    `SELECT n.id, n.hostname, n.lifecycle, s.longitude, n.gpu_count, n.gpu_memory_gb, n.capacity_tokens_per_s
       FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      WHERE n.lifecycle <> 'retired'
      ORDER BY n.hostname LIMIT $1`,
    [opts.limit],
  );
  const keyed = nodes.map((n) => ({ node: n, key: deriveNodeKey(seed, n.id) }));
  if (opts.canWrite && keyed.length > 0) {
    const added = await sql.query<{ id: string }>(
      `INSERT INTO mc.node_keys (org_id, node_id, key_hash, prefix, label, created_by)
       SELECT mc.current_org_id(), k.node_id, k.hash, k.prefix, $4, $5
         FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS k(node_id, hash, prefix)
       ON CONFLICT (key_hash) DO NOTHING RETURNING id`,
      // The app issuing on its own records no member as their creator (the key list names the app).
      [keyed.map((k) => k.node.id), keyed.map((k) => k.key.hash), keyed.map((k) => k.key.prefix), opts.label, opts.actor ? null : session.operatorId],
    );
    if (added.length > 0) {
      await sql.query('SELECT mc.refresh_grid_statistics()');
      await appendAudit(
        sql,
        session,
        { action: 'keys.issued_batch', target: { type: 'org', id: null }, data: { count: added.length, label: opts.label } },
        { reason: `node keys for the ${opts.label}`, requestId: opts.requestId, ...(opts.actor ? { actor: opts.actor } : {}) },
      );
    }
  }
  // Every node that may run gets a key; only running ones (active, draining) send telemetry.
  return keyed
    .filter(({ node }) => node.lifecycle === 'active' || node.lifecycle === 'draining')
    .map(({ node, key }) => ({
    id: node.id,
    hostname: node.hostname,
    key: key.secret,
    longitude: node.longitude,
    gpuCount: node.gpu_count,
    gpuMemoryGb: node.gpu_memory_gb,
    capacityTokensPerS: node.capacity_tokens_per_s,
  }));
}
