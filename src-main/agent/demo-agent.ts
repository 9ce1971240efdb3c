import { WRITER_ROLES } from '../../src-shared/contract/roles';
import { NODE_KEY_PATTERN } from '../../src-shared/domain/api-key';
import type { Logger } from '../core/log';
import { type DatabaseManager, secretAccounts } from '../db';
import { newSecret } from '../db/authenticator';
import { appendAudit } from '../services/audit';
import { deliveryAccount, heldNodeKeys, revealSecret } from '../services/credentials';
import { DEFAULT_DEMO_NODES, provisionDemoGrid } from '../services/grid';
import { sendBatch } from '../services/telemetry';
import type { Vault } from '../vault';
import { fleetWithKeys } from './fleet';
import { type SimOptions, Simulator } from './simulator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The demo org's id (sql/seed-demo.sql). */
export const DEMO_ORG_ID = '00000000-0000-4000-8000-00000000d3e0';

/**
 * Demo mode: on the embedded database's demo org, make sure the demo grid exists and keep it
 * alive with simulated node agents sending telemetry through the real ingest path, so the app
 * has something true to show on first start. Nothing runs against any other profile or org.
 */
const DEMO_AGENT_ACTOR = { id: null, name: 'Mission Control demo agent', role: null } as const;

/** How often a running demo agent looks for new node keys a rotation run holds for its nodes. */
const DELIVERY_CHECK_MS = 10_000;

export class DemoAgent {
  private sim: Simulator | null = null;
  private deliveryTimer: NodeJS.Timeout | null = null;
  private running: string | null = null;
  /** Every sync and stop takes a new number; a sync that finds a newer one has been overtaken. */
  private generation = 0;

  constructor(
    private readonly deps: { db: DatabaseManager; vault: Vault; log: Logger },
    private readonly opts: { nodes: number; sim: Partial<SimOptions> } = { nodes: DEFAULT_DEMO_NODES, sim: {} },
  ) {}

  get simulator(): Simulator | null {
    return this.sim;
  }

  /** Start, stop or restart for whatever the database manager is connected to now. */
  async sync(): Promise<void> {
    const { db } = this.deps;
    const session = db.quiescing ? null : db.session;
    const want = session && db.activeProfile?.kind === 'embedded' && session.orgId === DEMO_ORG_ID ? `${db.activeProfile.id}:${session.operatorId}` : null;
    if (want === this.running) return;
    await this.stop();
    if (!want || !session) return;
    const mine = ++this.generation;
    this.running = want;
    try {
      const account = secretAccounts.demoAgent(db.profileStore.instanceId);
      let seed = await this.deps.vault.get(account);
      if (!seed) {
        seed = newSecret();
        await this.deps.vault.set(account, seed);
      }
      const canWrite = WRITER_ROLES.includes(session.role);
      let fresh = false;
      const nodes = await db.tx(session, async (sql) => {
        if (canWrite) {
          const added = await provisionDemoGrid(sql, this.opts.nodes, (d) => appendAudit(sql, session, d, { reason: 'demo grid for the embedded demo org', requestId: null, actor: DEMO_AGENT_ACTOR }));
          fresh = added.nodes > 0;
          if (fresh) this.deps.log.info(added, 'demo agent: provisioned the demo grid');
        }
        return fleetWithKeys(sql, session, seed, { limit: this.opts.nodes, label: 'demo agent', canWrite, requestId: null, actor: DEMO_AGENT_ACTOR });
      });
      // Keys a rotation run delivered replace the derived ones (which that run retired).
      const delivered = await this.delivered();
      for (const [i, n] of nodes.entries()) if (delivered[n.id]) nodes[i] = { ...n, key: delivered[n.id]! };
      if (mine !== this.generation) return;
      // Bound to this connection: after a switch its batches fail, they never reach the next
      // database; a rotated ingest password (a new pool) is followed.
      const pool = db.boundIngestPool();
      const sim = new Simulator(nodes, (b) => sendBatch(pool(), b), { agent: 'demo agent', ...this.opts.sim }, (err) =>
        this.deps.log.warn({ err: err.message }, 'demo agent: a batch failed'),
      );
      sim.start();
      this.sim = sim;
      if (canWrite) {
        this.deliveryTimer = setInterval(() => void this.takeDeliveries(mine), DELIVERY_CHECK_MS);
        this.deliveryTimer.unref();
        void this.takeDeliveries(mine);
      }
      // A new demo grid gets its last hour of history, so charts are not empty on first start.
      if (fresh) void sim.backfill(60).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'demo agent: backfill failed'));
      this.deps.log.info({ nodes: nodes.length }, 'demo agent: sending telemetry');
    } catch (err) {
      if (mine === this.generation) this.running = null;
      this.deps.log.warn({ err: (err as Error).message }, 'demo agent: could not start');
    }
  }

  /**
   * Node id → key, as rotation runs delivered them to the simulated nodes. Each entry is checked
   * (a node id, a key in the node-key format): one that is not is left out and said in the log,
   * naming the node but never the value, so the node falls back to its seed key and its refused
   * batches show where to look, rather than a garbled key being sent as a node's.
   */
  private async delivered(): Promise<Record<string, string>> {
    const raw = await this.deps.vault.get(secretAccounts.demoAgentDelivered(this.deps.db.profileStore.instanceId));
    if (!raw) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.deps.log.warn('demo agent: the delivered node keys in the keychain are not JSON; the simulated nodes use their seed keys');
      return {};
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.deps.log.warn('demo agent: the delivered node keys in the keychain are not a map of node ids to keys; the simulated nodes use their seed keys');
      return {};
    }
    const keys: Record<string, string> = {};
    for (const [nodeId, key] of Object.entries(parsed)) {
      if (UUID.test(nodeId) && typeof key === 'string' && NODE_KEY_PATTERN.test(key)) keys[nodeId] = key;
      else this.deps.log.warn({ nodeId: UUID.test(nodeId) ? nodeId : '(not a node id)' }, 'demo agent: a delivered node key in the keychain is not a node key; that node uses its seed key');
    }
    return keys;
  }

  /**
   * A rotation run holds each new node key in this keychain until it is delivered. The demo's
   * nodes are simulated on this workstation, so the demo agent takes delivery itself: each key is
   * revealed through the same step as an admin's Reveal (audited, gone from the keychain after),
   * kept for the next start, and used from the node's next batch. Real nodes still need a person.
   */
  async takeDeliveries(generation = this.generation): Promise<number> {
    const { db, vault, log } = this.deps;
    const session = db.session;
    const sim = this.sim;
    if (!session || !sim || generation !== this.generation || db.quiescing || session.orgId !== DEMO_ORG_ID) return 0;
    // The app acting on its own is named as such, never as the operator whose session it runs in.
    const audit = (sql: Parameters<typeof appendAudit>[0]) => (d: Parameters<typeof appendAudit>[2]) =>
      appendAudit(sql, session, d, { reason: 'delivered to the demo agent’s simulated node', requestId: null, actor: DEMO_AGENT_ACTOR });
    try {
      const got = await db.tx(session, async (sql) => {
        const out: { itemId: string; nodeId: string; secret: string }[] = [];
        for (const h of await heldNodeKeys(sql, sim.nodeIds)) {
          // A key this keychain does not hold (made on another workstation) stays held, for a person.
          const held = await vault.get(deliveryAccount(session.orgId, h.itemId));
          if (!held) continue;
          const r = await revealSecret({ sql, vault, orgId: session.orgId, audit: audit(sql) }, h.itemId, { keepInKeychain: true });
          out.push({ itemId: h.itemId, nodeId: h.nodeId, secret: r.secret });
        }
        // Kept before the reveals commit: a keychain that refuses the write rolls them back, and
        // the delivery copies are dropped only after the commit, so nothing is lost either way.
        if (out.length > 0) {
          const keys = await this.delivered();
          for (const g of out) keys[g.nodeId] = g.secret;
          await vault.set(secretAccounts.demoAgentDelivered(db.profileStore.instanceId), JSON.stringify(keys));
        }
        return out;
      });
      if (got.length === 0) return 0;
      for (const g of got) await vault.delete(deliveryAccount(session.orgId, g.itemId)).catch(() => undefined);
      for (const g of got) sim.setKey(g.nodeId, g.secret);
      log.info({ nodes: got.length }, 'demo agent: took delivery of rotated node keys for its simulated nodes');
      return got.length;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'demo agent: could not take delivery of rotated node keys');
      return 0;
    }
  }

  async stop(): Promise<void> {
    if (this.deliveryTimer) clearInterval(this.deliveryTimer);
    this.deliveryTimer = null;
    this.generation++;
    this.running = null;
    const sim = this.sim;
    this.sim = null;
    await sim?.stop();
  }
}
