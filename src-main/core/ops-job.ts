import { hostname } from 'node:os';
import { WRITER_ROLES } from '../../src-shared/contract/roles';
import type { Session } from '../../src-shared/contract/system';
import { EVALUATION_INTERVAL_MS } from '../../src-shared/domain/alert-rules';
import type { DatabaseManager, Sql } from '../db';
import { ensureOpsDefaults, evaluateAlerts } from '../services/alerts';
import { runEscalation } from '../services/incidents';
import { deliverPending } from '../services/notify';
import { computeMinutes } from '../services/observability';
import { systemRecorder } from '../services/org';
import { builtinRunbooks, ensureRunbooks } from '../services/runbooks';
import { dueRuntimes, probeRuntimes, PROBE_EVERY_MS, recordOutcomes } from '../services/runtimes';
import type { Vault } from '../vault';
import type { Logger } from './log';

/** How far back the per-minute figures are filled in after a workstation connects. */
const BACKFILL_MINUTES = 24 * 60;
const BACKFILL_CHUNK = 30;
/** Recent minutes are recomputed every time: batches arrive late. */
const RECENT_MINUTES = 5;
/**
 * Just after connecting, agents are still sending their backlog (the demo sends an hour of
 * history): the last hour is recomputed each minute for a while, so the whole-grid charts show no
 * hole where the first walk passed before the backlog landed.
 */
const SETTLING_MS = 15 * 60_000;
const SETTLING_RECENT_MINUTES = 60;
const REWALK_AFTER_MS = 10 * 60_000;

/**
 * The operations clock of a connected workstation: installs an org's default rules once, then
 * every few seconds evaluates alert rules and runs escalation, and once a minute computes the
 * per-minute corridor figures. Only a signed-in operator who may write runs it (an auditor's
 * workstation only reads). Several workstations on one database take turns: each step runs under
 * a per-org advisory lock that others skip rather than wait for.
 */
export class OpsJob {
  private timer: NodeJS.Timeout | null = null;
  private runningFor: string | null = null;
  private busy = false;
  private defaultsDone = false;
  private lastMinutesAt = 0;
  /** The oldest minute the backfill has reached (it walks back to 24 hours, one chunk per tick). */
  private backfilledTo: number | null = null;
  /**
   * When to walk back once more: figures that arrived late (an agent sending its backlog, the
   * demo's hour of history) land after the first walk passed their minutes.
   */
  private rewalkAt: number | null = null;
  private startedAt = 0;
  private lastSettleAt = 0;

  constructor(
    private readonly db: DatabaseManager,
    private readonly log: Logger,
    private readonly intervalMs = Number(process.env.MC_OPS_INTERVAL_MS) || EVALUATION_INTERVAL_MS,
    /** Where escalation channels and runtimes keep their secrets; without it nothing leaves the app and runtimes are not probed on this clock. */
    private readonly vault: Vault | null = null,
  ) {}
  private lastProbeAt = 0;

  sync(): void {
    const session = this.db.state === 'connected' && !this.db.quiescing ? this.db.session : null;
    const key = session && WRITER_ROLES.includes(session.role) ? `${this.db.activeProfile?.id}:${session.orgId}:${session.operatorId}` : null;
    if (key === this.runningFor) return;
    this.stop();
    this.runningFor = key;
    if (!key) return;
    this.defaultsDone = false;
    this.lastMinutesAt = 0;
    this.backfilledTo = null;
    this.rewalkAt = null;
    this.startedAt = Date.now();
    this.lastSettleAt = 0;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Whether this workstation runs the clock for its current session (writers only). */
  get running(): boolean {
    return this.runningFor !== null;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.runningFor = null;
  }

  /** Stop, and wait for a round under way to finish (on the connection it started on). */
  async stopAndWait(): Promise<void> {
    this.stop();
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
  }

  /** One round; also called by tests. Never throws: a failed step is logged and tried next round. */
  async tick(now = new Date()): Promise<void> {
    const session = this.db.session;
    if (this.busy || !session || !WRITER_ROLES.includes(session.role)) return;
    this.busy = true;
    try {
      if (!this.defaultsDone) {
        await this.step('install defaults', session, async (sql) => {
          if (await ensureOpsDefaults(sql, session)) this.log.info('ops: installed the default alert rules and escalation policy');
        }, false);
        // Apart from the defaults above: an org that had those before runbooks existed gets these too.
        await this.step('install runbooks', session, async (sql) => {
          const installed = await ensureRunbooks(sql, systemRecorder(sql, session, 'Mission Control'), builtinRunbooks());
          if (installed.length) this.log.info({ runbooks: installed }, 'ops: installed the built-in runbooks');
        }, false);
        this.defaultsDone = true;
      }
      await this.step('alerts and escalation', session, async (sql) => {
        const evaluator = `${hostname()} (${session.operatorName})`;
        const r = await evaluateAlerts(sql, session, now, evaluator);
        const e = await runEscalation(sql, systemRecorder(sql, session, 'Escalation'), now);
        if (r.transitions.length || r.opened.length || e.notified || e.expired) {
          this.log.info({ transitions: r.transitions.length, opened: r.opened, notified: e.notified, ackExpired: e.expired }, 'ops: alerts and escalation');
        }
      });
      if (this.vault) {
        const vault = this.vault;
        // Its own step: deliveries wait on the network (bounded by timeouts), not the alert round.
        await this.step('notifications', session, async (sql) => {
          const d = await deliverPending(sql, vault, session.orgId, systemRecorder(sql, session, 'Escalation'), now);
          if (d.delivered || d.failed) this.log.info(d, 'ops: escalation deliveries');
        });
      }
      const horizon = now.getTime() - BACKFILL_MINUTES * 60_000;
      if (this.backfilledTo !== null && this.backfilledTo <= horizon) {
        // The first walk is done: one more, ten minutes later, then none.
        if (this.rewalkAt === null) this.rewalkAt = now.getTime() + REWALK_AFTER_MS;
        else if (this.rewalkAt > 0 && now.getTime() >= this.rewalkAt) {
          this.backfilledTo = null;
          this.rewalkAt = 0;
        }
      }
      const backfilling = this.backfilledTo === null || this.backfilledTo > horizon;
      if (backfilling || now.getTime() - this.lastMinutesAt >= 60_000) {
        await this.step('corridor minutes', session, async (sql) => {
          // The wider window once a minute at most, not on every backfill round (which also sets
          // lastMinutesAt, so it has a clock of its own).
          const settling = now.getTime() - this.startedAt < SETTLING_MS && now.getTime() - this.lastSettleAt >= 60_000;
          await computeMinutes(sql, now, settling ? SETTLING_RECENT_MINUTES : RECENT_MINUTES);
          if (settling) this.lastSettleAt = now.getTime();
          const end = this.backfilledTo ?? Math.floor(now.getTime() / 60_000) * 60_000 - RECENT_MINUTES * 60_000;
          if (end > now.getTime() - BACKFILL_MINUTES * 60_000) {
            await computeMinutes(sql, new Date(end), BACKFILL_CHUNK);
            this.backfilledTo = end - BACKFILL_CHUNK * 60_000;
          }
        });
        this.lastMinutesAt = now.getTime();
      }
      if (this.vault && now.getTime() - this.lastProbeAt >= PROBE_EVERY_MS) {
        this.lastProbeAt = now.getTime();
        await this.probeRuntimes(session, now);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runtimes due a probe: listed in one transaction, probed outside any, recorded in another. */
  private async probeRuntimes(session: Session, now: Date): Promise<void> {
    let due: Awaited<ReturnType<typeof dueRuntimes>> = [];
    await this.step('runtime probes', session, async (sql) => {
      due = await dueRuntimes(sql, now);
    });
    if (!due.length || !this.vault) return;
    const outcomes = await probeRuntimes(due, this.vault, session.orgId);
    await this.step('runtime probe results', session, (sql) => recordOutcomes(sql, outcomes), false);
  }

  private async step(what: string, session: Session, fn: (sql: Sql) => Promise<void>, exclusive = true): Promise<void> {
    try {
      await this.db.tx(
        session,
        async (sql) => {
          if (exclusive) {
            const lock = await sql.one<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`mc.ops:${what}:${session.orgId}`]);
            // Another workstation is doing this right now; it will be done either way.
            if (!lock.ok) return;
          }
          await fn(sql);
        },
        { statementTimeout: '60s' },
      );
    } catch (err) {
      this.log.warn({ err: (err as Error).message, step: what }, 'ops: a step failed; it runs again next round');
    }
  }
}
