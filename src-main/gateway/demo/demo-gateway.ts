/**
 * Demo mode's data plane: on the embedded database's demo org, simulated runtimes (fakes of vLLM's
 * and Ollama's documented wire formats, on loopback), the real customer gateway in this process as
 * its own mc_gateway login, and a trickle of demo customer traffic through it. Routing, limits,
 * usage and reconciliation are alive on first start; everything the gateway records is marked
 * simulated. Nothing runs against any other profile or org, nor for a reader (it would provision).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WRITER_ROLES } from '../../../src-shared/contract/roles';
import { DEMO_ORG_ID } from '../../agent/demo-agent';
import type { Logger } from '../../core/log';
import { type DatabaseManager, secretAccounts } from '../../db';
import type { Session } from '../../../src-shared/contract/system';
import { type FakeRuntime, startFakeOllama, startFakeVllm } from '../../runtimes/fake';
import { appendAudit } from '../../services/audit';
import { deliveryAccount } from '../../services/credentials';
import type { Vault } from '../../vault';
import { type Gateway, startGateway } from '../inference/server';
import { currentDemoKey, type DemoRuntimePlan, demoCustomerKey, ensureDemoCustomer, planDemoRuntimes, registerDemoRuntime } from './provision';
import { type TrafficRoute, DemoTraffic } from './traffic';

/** Who the demo gateway's audit events name: the app, not the signed-in admin. */
export const DEMO_GATEWAY_ACTOR = { id: null, name: 'Mission Control demo gateway', role: null } as const;

/** The demo vLLM's e2e latency histogram (seconds → cumulative count). */
const DEMO_VLLM_LATENCY: [number, number][] = [
  [0.2, 50],
  [0.3, 85],
  [0.5, 98],
  [1.0, 100],
];

/** The name the demo gateway's request records carry (mc.api_requests.gateway_instance). */
export const DEMO_GATEWAY_INSTANCE = 'demo';

/** A gateway this process runs, as the router's observability.gateway reports it. */
export interface LocalGateway {
  url: string;
  instance: string;
  login: string;
  since: string;
  simulated: boolean;
}

export const DEMO_MODELS = { vllm: 'meta-llama/Llama-3.1-8B-Instruct', ollama: 'llama3.1:8b' } as const;

export interface DemoGatewayOptions {
  /** Mean pause between two demo requests (default 3 s). */
  trafficEveryMs?: number;
  /** Told the gateway's address each time it starts (`npm run serve` prints it). */
  onStarted?: (url: string) => void;
}

interface Running {
  fakes: FakeRuntime[];
  gateway: Gateway | null;
  traffic: DemoTraffic | null;
}

export class DemoGateway {
  private running: Running | null = null;
  private want: string | null = null;
  private generation = 0;
  /** The gateway's address while it runs. */
  url: string | null = null;
  /** What the Observability view shows of it (never the login's password). */
  private started: { url: string; login: string; since: string } | null = null;
  traffic: DemoTraffic | null = null;

  constructor(
    private readonly deps: { db: DatabaseManager; vault: Vault; log: Logger; dataDir: string },
    private readonly opts: DemoGatewayOptions = {},
  ) {}

  async sync(): Promise<void> {
    const { db } = this.deps;
    const session = db.quiescing ? null : db.session;
    const want =
      session && db.activeProfile?.kind === 'embedded' && session.orgId === DEMO_ORG_ID && WRITER_ROLES.includes(session.role) ? `${db.activeProfile.id}:${session.operatorId}` : null;
    if (want === this.want) return;
    await this.stop();
    if (!want || !session) return;
    const mine = ++this.generation;
    this.want = want;
    const run: Running = { fakes: [], gateway: null, traffic: null };
    this.running = run;
    // Overtaken (a stop or another sync while this one waited): what this start made is closed
    // here, since stop() only closed what the run held at that moment.
    const overtaken = async () => {
      if (mine === this.generation) return false;
      await teardown(run);
      return true;
    };
    try {
      const audit = (sql: Parameters<typeof appendAudit>[0]) => (d: Parameters<typeof appendAudit>[2]) =>
        // The app acting on its own: named as such, never as the admin whose session it borrows.
        appendAudit(sql, session, d, { reason: 'demo gateway for the embedded demo org', requestId: null, actor: DEMO_GATEWAY_ACTOR });
      const { plans, secrets } = await db.tx(session, async (sql) => {
        const plans = await planDemoRuntimes(sql);
        // One demo customer per corridor that has a demo runtime (see demoCustomerKey).
        const secrets = new Map<string, string>();
        for (const corridor of new Set(plans.map((p) => p.corridor))) {
          const account = secretAccounts.demoCustomerKey(db.profileStore.instanceId, corridor);
          secrets.set(corridor, (await ensureDemoCustomer(sql, this.deps.vault, account, null, audit(sql), corridor)).secret);
        }
        return { plans, secrets };
      });
      if (await overtaken()) return;
      for (const plan of plans) {
        run.fakes.push(await startFakeFor(plan));
        if (await overtaken()) return;
      }
      await db.tx(session, async (sql) => {
        for (const [i, plan] of plans.entries()) await registerDemoRuntime(sql, this.deps.vault, session, plan, run.fakes[i]!.url, audit(sql));
      });
      if (await overtaken()) return;
      const login = await db.embeddedGatewayLogin(session.orgId);
      const spoolDir = join(this.deps.dataDir, 'demo-gateway', 'spool');
      mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
      run.gateway = await startGateway({
        db: { ...login, connectionTimeoutMillis: 8000, keepAlive: true },
        port: 0,
        spoolDir,
        simulated: true,
        instance: DEMO_GATEWAY_INSTANCE,
        poolSize: 4,
        log: this.deps.log.child({ component: 'demo-gateway' }),
      });
      if (await overtaken()) return;
      this.url = run.gateway.url;
      this.started = { url: run.gateway.url, login: String(login.user ?? ''), since: new Date().toISOString() };
      run.traffic = new DemoTraffic(
        {
          gatewayUrl: run.gateway.url,
          routes: plans.map((p, i) => ({ model: DEMO_MODELS[p.kind], corridor: p.corridor, countries: p.countries, fake: run.fakes[i]!, key: secrets.get(p.corridor)! })),
        },
        {
          everyMs: this.opts.trafficEveryMs ?? 3000,
          onError: (err) => this.deps.log.warn({ err: err.message }, 'demo gateway: a demo request failed'),
          renewKey: (route, refused) => this.renewKey(session, mine, route, refused),
          onStopped: (corridor) => this.stoppedSending(mine, corridor),
        },
      );
      run.traffic.start();
      this.traffic = run.traffic;
      this.deps.log.info({ url: run.gateway.url, runtimes: plans.length }, 'demo gateway: serving simulated traffic');
      this.opts.onStarted?.(run.gateway.url);
    } catch (err) {
      if (mine === this.generation) {
        this.want = null;
        await this.stop();
      } else {
        await teardown(run);
      }
      this.deps.log.warn({ err: (err as Error).message }, 'demo gateway: could not start');
    }
  }

  /** Why a corridor's demo customer stopped, for its one log line (set by renewKey). */
  private readonly stopWhy = new Map<string, string>();

  /**
   * The gateway refused a demo customer's key: the key it sends from now on, as a well-behaved
   * client would (see currentDemoKey), or null to stop that customer's traffic. Never logs a key.
   */
  private async renewKey(session: Session, generation: number, route: TrafficRoute, refused: string): Promise<string | null> {
    const { db, vault } = this.deps;
    if (generation !== this.generation || db.quiescing) throw new Error('the demo gateway stopped while renewing a key');
    const account = secretAccounts.demoCustomerKey(db.profileStore.instanceId, route.corridor);
    // The app acting on its own: named as such, never as the admin whose session it borrows.
    const audit = (sql: Parameters<typeof appendAudit>[0]) => (d: Parameters<typeof appendAudit>[2]) =>
      appendAudit(sql, session, d, { reason: 'delivered to the demo gateway’s simulated customer', requestId: null, actor: DEMO_GATEWAY_ACTOR });
    const r = await db.tx(session, (sql) => currentDemoKey(sql, vault, session.orgId, account, route.corridor, refused, audit(sql)));
    // The delivery copy goes once the reveal committed (a rollback loses nothing).
    if (r.deliveredItemId) await vault.delete(deliveryAccount(session.orgId, r.deliveredItemId)).catch(() => undefined);
    const customer = demoCustomerKey(route.corridor);
    if (r.secret) {
      this.deps.log.info({ customer, delivered: r.deliveredItemId !== null }, 'demo gateway: a demo customer’s key was refused; it sends its current key from now on');
      return r.secret;
    }
    this.stopWhy.set(
      route.corridor,
      r.workingKeys > 0
        ? `its key was refused and its ${r.workingKeys} working key(s) were issued to a person, not to the demo`
        : 'its key was refused and it has no working key',
    );
    return null;
  }

  private stoppedSending(generation: number, corridor: string): void {
    if (generation !== this.generation) return;
    this.deps.log.warn(
      { customer: demoCustomerKey(corridor), why: this.stopWhy.get(corridor) ?? 'its key was refused' },
      'demo gateway: a demo customer stopped sending simulated traffic (its refusals stay recorded); sign out and in again, or restart, and the demo issues itself a new key',
    );
  }

  /** The running gateway's address, instance name and login name; null when none runs. */
  status(): LocalGateway | null {
    return this.started ? { ...this.started, instance: DEMO_GATEWAY_INSTANCE, simulated: true } : null;
  }

  async stop(): Promise<void> {
    this.generation++;
    this.want = null;
    this.url = null;
    this.started = null;
    this.traffic = null;
    this.stopWhy.clear();
    const run = this.running;
    this.running = null;
    if (run) await teardown(run);
  }
}

/** Close what a run holds, once: traffic first, then the gateway, then the runtimes it calls. */
async function teardown(run: Running): Promise<void> {
  const { traffic, gateway, fakes } = run;
  run.traffic = null;
  run.gateway = null;
  run.fakes = [];
  await traffic?.stop();
  await gateway?.close().catch(() => undefined);
  await Promise.all(fakes.map((f) => f.close().catch(() => undefined)));
}

/** A fake for the plan's kind, on the port its runtime was registered with when that port is free. */
async function startFakeFor(plan: DemoRuntimePlan): Promise<FakeRuntime> {
  const start = (port: number) =>
    plan.kind === 'vllm'
      ? startFakeVllm(
          // An 8B model answering in about 120 ms: p95 near 0.45 s, inside the enterprise SLA (the
          // fake's default histogram puts p95 at 0.8 s, which routing rightly refused).
          { models: [{ id: DEMO_MODELS.vllm, maxModelLen: 131072 }], generatedTokens: 0, promptTokens: 0, latencyBuckets: DEMO_VLLM_LATENCY },
          { callLimit: 200, latencyMs: 120 },
          port,
        )
      : startFakeOllama({}, { callLimit: 200, latencyMs: 150 }, port);
  if (plan.existing?.port) {
    try {
      return await start(plan.existing.port);
    } catch {
      /* taken by something else since: a new port and a new runtime */
    }
  }
  return start(0);
}
