/**
 * Everything the gateway asks Postgres, as a member of mc_gateway (sql/0045). The key check runs
 * with no org selected; everything after it runs in a transaction that selects the key's org
 * (`mc.org_id`), so RLS holds the gateway to that one org.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { buildIndex } from '../../../src-shared/domain/routing';
import type { SnapshotIndex } from '../../../src-shared/domain/routing/snapshot-index';
import type { RoutingSnapshot } from '../../../src-shared/domain/routing/types';
import { type Sql, sqlOf } from '../../db/sql';
import { customerTerms, loadSnapshot } from '../../services/routing';
import type { CustomerTerms } from '../../services/routing/snapshot';
import type { DrainResult, MeteringRecord } from './spool';

export type KeyStatus = 'ok' | 'invalid' | 'revoked' | 'expired' | 'rotated_out';

export interface KeyIdentity {
  orgId: string;
  customerId: string;
  keyId: string;
  mode: 'live' | 'test';
}

export interface RuntimeTarget {
  id: string;
  kind: 'vllm' | 'ollama' | 'tgi' | 'openai';
  baseUrl: string;
}

/** One org's routing inputs, cached for a short while (the snapshot changes at probe pace). */
export interface OrgRouting {
  snapshot: RoutingSnapshot;
  index: SnapshotIndex;
  runtimes: Map<string, RuntimeTarget>;
  /** Models this org serves (enabled runtimes) and the tiers a catalog entry allows (null = every tier). */
  models: { id: string; allowedTiers: string[] | null; ownedBy: string }[];
  loadedAt: number;
}

export class GatewayDb {
  private readonly routing = new Map<string, OrgRouting>();
  private readonly terms = new Map<string, { terms: CustomerTerms; at: number }>();

  constructor(
    readonly pool: pg.Pool,
    private readonly cacheMs = 2000,
  ) {}

  async checkKey(key: string, source: string): Promise<{ status: KeyStatus; identity: KeyIdentity | null }> {
    const hash = createHash('sha256').update(key, 'utf8').digest();
    const r = await this.pool.query<{ status: KeyStatus; org_id: string | null; customer_id: string | null; key_id: string | null; mode: 'live' | 'test' | null }>(
      'SELECT status, org_id, customer_id, key_id, mode FROM mc.customer_key_check($1, $2)',
      [hash, source],
    );
    const row = r.rows[0];
    if (!row || row.status !== 'ok' || !row.org_id || !row.customer_id || !row.key_id || !row.mode) return { status: row?.status ?? 'invalid', identity: null };
    return { status: 'ok', identity: { orgId: row.org_id, customerId: row.customer_id, keyId: row.key_id, mode: row.mode } };
  }

  /** Run fn in a transaction with the org selected. */
  async inOrg<T>(orgId: string, fn: (sql: Sql, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('mc.org_id', $1, true)`, [orgId]);
      const out = await fn(sqlOf(c), c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async orgRouting(sql: Sql, orgId: string): Promise<OrgRouting> {
    const hit = this.routing.get(orgId);
    if (hit && Date.now() - hit.loadedAt < this.cacheMs) return hit;
    const snapshot = await loadSnapshot(sql);
    const rts = await sql.query<{ id: string; kind: RuntimeTarget['kind']; base_url: string }>('SELECT id, kind, base_url FROM mc.runtimes WHERE enabled');
    const models = await sql.query<{ model_id: string; allowed_tiers: string[] | null; owned_by: string }>(
      `SELECT m.model_id, k.allowed_tiers, min(r.kind) AS owned_by
         FROM mc.runtime_models m JOIN mc.runtimes r ON r.org_id = m.org_id AND r.id = m.runtime_id AND r.enabled
         LEFT JOIN mc.model_catalog k ON k.org_id = m.org_id AND k.model_id = m.model_id
        GROUP BY m.model_id, k.allowed_tiers ORDER BY m.model_id`,
    );
    const out: OrgRouting = {
      snapshot,
      index: buildIndex(snapshot),
      runtimes: new Map(rts.map((r) => [r.id, { id: r.id, kind: r.kind, baseUrl: r.base_url }])),
      models: models.map((m) => ({ id: m.model_id, allowedTiers: m.allowed_tiers, ownedBy: m.owned_by })),
      loadedAt: Date.now(),
    };
    this.routing.set(orgId, out);
    return out;
  }

  async customerTerms(sql: Sql, customerId: string): Promise<CustomerTerms> {
    const hit = this.terms.get(customerId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.terms;
    const terms = await customerTerms(sql, customerId);
    this.terms.set(customerId, { terms, at: Date.now() });
    return terms;
  }

  async record(batch: MeteringRecord[], instance: string): Promise<DrainResult> {
    const r = await this.pool.query<{ r: DrainResult }>('SELECT mc.gateway_record($1::jsonb, $2) AS r', [JSON.stringify(batch), instance]);
    return r.rows[0]!.r;
  }
}
