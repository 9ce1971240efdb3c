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
  orgId: string;
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

/**
 * Working keys are remembered for KEY_CACHE_MS so that a busy key does not rewrite its row on every
 * request (every gateway instance would queue on that one row lock). Revoking or rotating a key
 * notifies (mc_events, topic keys.changed, sql/0043) and empties the cache at once; without a live
 * listener nothing is cached. Expiry is therefore seen within KEY_CACHE_MS, and last use is
 * recorded at most once per KEY_CACHE_MS per key and instance. Refusals are never cached.
 */
export const KEY_CACHE_MS = 5000;

export class GatewayDb {
  private readonly keys = new Map<string, { identity: KeyIdentity; at: number }>();
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private readonly routing = new Map<string, OrgRouting>();
  private readonly terms = new Map<string, { terms: CustomerTerms; at: number }>();

  constructor(
    readonly pool: pg.Pool,
    private readonly listenConfig: pg.ClientConfig,
    private readonly cacheMs = 2000,
  ) {}

  /** Listen for key changes (revocation, rotation); reconnects after a loss, caching nothing meanwhile. */
  async listen(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client(this.listenConfig);
    const lost = () => {
      this.listening = false;
      this.keys.clear();
      c.removeAllListeners();
      c.on('error', () => undefined);
      c.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(), 1000).unref();
    };
    c.on('error', lost);
    c.on('end', () => this.listening && lost());
    c.on('notification', (n) => {
      try {
        const topic = (JSON.parse(n.payload ?? '{}') as { topic?: string }).topic;
        if (topic === 'keys.changed') this.keys.clear();
      } catch {
        this.keys.clear();
      }
    });
    try {
      await c.connect();
      await c.query('LISTEN mc_events');
      this.listener = c;
      this.listening = true;
    } catch {
      lost();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    await this.listener?.end().catch(() => undefined);
  }

  async checkKey(key: string, source: string): Promise<{ status: KeyStatus; identity: KeyIdentity | null }> {
    const hash = createHash('sha256').update(key, 'utf8').digest();
    const cacheKey = hash.toString('hex');
    const hit = this.keys.get(cacheKey);
    if (hit && this.listening && Date.now() - hit.at < KEY_CACHE_MS) return { status: 'ok', identity: hit.identity };
    const r = await this.pool.query<{ status: KeyStatus; org_id: string | null; customer_id: string | null; key_id: string | null; mode: 'live' | 'test' | null }>(
      'SELECT status, org_id, customer_id, key_id, mode FROM mc.customer_key_check($1, $2)',
      [hash, source],
    );
    const row = r.rows[0];
    if (!row || row.status !== 'ok' || !row.org_id || !row.customer_id || !row.key_id || !row.mode) return { status: row?.status ?? 'invalid', identity: null };
    const identity: KeyIdentity = { orgId: row.org_id, customerId: row.customer_id, keyId: row.key_id, mode: row.mode };
    if (this.listening) {
      if (this.keys.size > 100_000) this.keys.clear();
      this.keys.set(cacheKey, { identity, at: Date.now() });
    }
    return { status: 'ok', identity };
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
      runtimes: new Map(rts.map((r) => [r.id, { id: r.id, orgId, kind: r.kind, baseUrl: r.base_url }])),
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

  /** The org's routing inputs and the customer's terms: from the caches, or one read-only transaction. */
  async routingFor(orgId: string, customerId: string): Promise<{ routing: OrgRouting; terms: CustomerTerms }> {
    const r = this.routing.get(orgId);
    const t = this.terms.get(customerId);
    const now = Date.now();
    if (r && t && now - r.loadedAt < this.cacheMs && now - t.at < this.cacheMs) return { routing: r, terms: t.terms };
    return this.inOrg(orgId, async (sql) => ({ routing: await this.orgRouting(sql, orgId), terms: await this.customerTerms(sql, customerId) }));
  }

  async record(batch: MeteringRecord[], instance: string): Promise<DrainResult> {
    const r = await this.pool.query<{ r: DrainResult }>('SELECT mc.gateway_record($1::jsonb, $2) AS r', [JSON.stringify(batch), instance]);
    return r.rows[0]!.r;
  }
}
