import { WRITER_ROLES } from '../../src-shared/contract/roles';
import type { Logger } from '../core/log';
import { type DatabaseManager, secretAccounts } from '../db';
import { newSecret } from '../db/authenticator';
import { appendAudit } from '../services/audit';
import { DEFAULT_DEMO_NODES, provisionDemoGrid } from '../services/grid';
import { sendBatch } from '../services/telemetry';
import type { Vault } from '../vault';
import { fleetWithKeys } from './fleet';
import { type SimOptions, Simulator } from './simulator';

/** The demo org's id (sql/seed-demo.sql). */
export const DEMO_ORG_ID = '00000000-0000-4000-8000-00000000d3e0';

/**
 * Demo mode: on the embedded database's demo org, make sure the demo grid exists and keep it
 * alive with simulated node agents sending telemetry through the real ingest path, so the app
 * has something true to show on first start. Nothing runs against any other profile or org.
 */
export class DemoAgent {
  private sim: Simulator | null = null;
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
          const added = await provisionDemoGrid(sql, this.opts.nodes, (d) => appendAudit(sql, session, d, { reason: 'demo grid for the embedded demo org', requestId: null }));
          fresh = added.nodes > 0;
          if (fresh) this.deps.log.info(added, 'demo agent: provisioned the demo grid');
        }
        return fleetWithKeys(sql, session, seed, { limit: this.opts.nodes, label: 'demo agent', canWrite, requestId: null });
      });
      if (mine !== this.generation) return;
      // Bound to this connection's pool: after a switch its batches fail, they never reach the next database.
      const pool = db.ingestPool();
      const sim = new Simulator(nodes, (b) => sendBatch(pool, b), { agent: 'demo agent', ...this.opts.sim }, (err) =>
        this.deps.log.warn({ err: err.message }, 'demo agent: a batch failed'),
      );
      sim.start();
      this.sim = sim;
      // A new demo grid gets its last hour of history, so charts are not empty on first start.
      if (fresh) void sim.backfill(60).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'demo agent: backfill failed'));
      this.deps.log.info({ nodes: nodes.length }, 'demo agent: sending telemetry');
    } catch (err) {
      if (mine === this.generation) this.running = null;
      this.deps.log.warn({ err: (err as Error).message }, 'demo agent: could not start');
    }
  }

  async stop(): Promise<void> {
    this.generation++;
    this.running = null;
    const sim = this.sim;
    this.sim = null;
    await sim?.stop();
  }
}
