import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync } from 'node:fs';
import { DatabaseManager, DataDirLock, loadMigrations, ProfileStore } from '../db';
import type { ServerBinaries } from '../db/embedded-server';
import { isRoot } from '../db/run-as';
import { createRouter, handlers, type Router, topicHandlers } from '../ipc';
import { DataFolderFallbackVault, KeyringVault, type Vault } from '../vault';
import { DemoAgent } from '../agent/demo-agent';
import { DemoGateway, type DemoGatewayOptions } from '../gateway/demo/demo-gateway';
import { AdvisoryJob } from './advisory-job';
import { AnchorJob } from './anchor-job';
import { checkpointStoreBeside } from '../services/audit/anchor';
import { settleKeyRotations } from './settle-rotations';
import { LocalAuditLog } from './local-audit';
import { MaintenanceJob } from './maintenance-job';
import { BackupScheduleJob } from '../services/backups/scheduled';
import { checkpointBeforeBackup } from '../services/backups/checkpoint-first';
import { OpsJob } from './ops-job';
import { SessionClock } from './session-clock';
import { createLogger, type Logger } from './log';
import { appVersion, sqlDir } from './paths';

export interface AppCoreOptions {
  dataDir: string;
  log?: Logger;
  vault?: Vault;
  seedDemo?: boolean;
  validateResponses?: boolean;
  embeddedBinaries?: ServerBinaries;
  /** Demo mode on the embedded demo org: demo grid plus simulated node agents (default on). */
  demoAgent?: boolean;
  /**
   * Demo mode's data plane on the embedded demo org: simulated runtimes, the customer gateway and a
   * trickle of demo traffic (default on; MC_DEMO_GATEWAY=0 turns it off).
   */
  demoGateway?: boolean | DemoGatewayOptions;
  /** Alert evaluation, escalation and per-minute figures in the background (default on). */
  opsJob?: boolean;
  /** The 10-minute anchored audit verify (default on; MC_ANCHOR_JOB=0 turns it off). */
  anchorJob?: boolean;
  /** The scheduled advisory scan (default on; MC_ADVISORY_JOB=0 turns it off). */
  advisoryJob?: boolean;
  /**
   * The operator's session clock: idle lock, expiry, handover (default on). Off for a read-only
   * wall display, which changes nothing and must stay up unattended.
   */
  sessionClock?: boolean;
}

export interface Health {
  status: 'ok' | 'degraded' | 'down';
  database: { reachable: boolean; state: string; live: boolean };
  migrations: { current: boolean; applied: number; total: number; pending: number; drift: number } | null;
  keychain: boolean;
}

/**
 * Everything privileged, composed once: the Electron shell and the browser host both start one of
 * these and put their transport in front of its router.
 */
export interface AppCore {
  dataDir: string;
  log: Logger;
  vault: Vault;
  db: DatabaseManager;
  router: Router;
  /** The desktop shell emits 'action' here (menu items); the renderer receives them as shell.action. */
  shell: EventEmitter;
  /** Demo mode's simulated agents, when running (tests look at it). */
  demo: DemoAgent | null;
  /** Demo mode's gateway with simulated runtimes and traffic, when enabled. */
  demoGateway: DemoGateway | null;
  /** The operations clock (alerts, escalation, figures), when enabled. */
  ops: OpsJob | null;
  /** The operator's session clock, when enabled (not on a read-only display). */
  sessions: SessionClock | null;
  /** Connects the active profile; never throws (a failure is the database state). */
  start(): Promise<void>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

export function createAppCore(opts: AppCoreOptions): AppCore {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // As root, the embedded server runs as "postgres" and must be able to pass through the data folder.
  if (isRoot()) chmodSync(opts.dataDir, 0o711);
  // The lock first: a second app on this folder must be refused before it opens (and races for) the log files.
  const lock = new DataDirLock(opts.dataDir);
  lock.acquire();
  try {
    const log = opts.log ?? createLogger({ dataDir: opts.dataDir });
    // Without a keychain, only the embedded database's own credentials fall back to the data folder.
    const vault = new DataFolderFallbackVault(opts.vault ?? new KeyringVault(), opts.dataDir);
    const store = new ProfileStore(opts.dataDir);
    const db = new DatabaseManager({
      dataDir: opts.dataDir,
      store,
      vault,
      log,
      sqlDir: sqlDir(),
      migrations: loadMigrations(sqlDir()),
      ...(opts.seedDemo !== undefined ? { seedDemo: opts.seedDemo } : {}),
      ...(opts.embeddedBinaries ? { embeddedBinaries: opts.embeddedBinaries } : {}),
    });
    const shell = new EventEmitter();
    const demo = opts.demoAgent ?? process.env.MC_DEMO_AGENT !== '0' ? new DemoAgent({ db, vault, log }) : null;
    const gatewayOpt = opts.demoGateway ?? process.env.MC_DEMO_GATEWAY !== '0';
    const demoGateway = gatewayOpt ? new DemoGateway({ db, vault, log, dataDir: opts.dataDir }, typeof gatewayOpt === 'object' ? gatewayOpt : {}) : null;
    const maintenance = new MaintenanceJob(db, log);
    const ops = opts.opsJob ?? process.env.MC_OPS_JOB !== '0' ? new OpsJob(db, log, undefined, vault) : null;
    // Follow the connection: demo agent, maintenance and the ops clock start, stop or move with the active profile.
    // …and stop, with what they had in flight, before a switch makes another database active.
    db.beforeSwitch(async () => {
      await ops?.stopAndWait();
      await demo?.stop();
      await demoGateway?.stop();
    });
    const localAudit = new LocalAuditLog(opts.dataDir, (t) => log.warn({ file: t.file, bytes: t.bytes }, 'local audit log: an incomplete last line was set aside'));
    // A restore the app was killed in is undone on start (db/restore-marker.ts): on record like its other steps.
    db.on('restore-recovered', (message: string) => {
      try {
        localAudit.append({ actor: 'Mission Control', action: 'backup.restore_step', target: { type: 'backup', id: null }, reason: null, data: { step: 'rollback', outcome: 'done', message }, requestId: randomUUID() });
      } catch (err) {
        log.error({ err: (err as Error).message }, 'local audit log: the undone restore could not be recorded');
      }
    });
    const advisories = opts.advisoryJob ?? process.env.MC_ADVISORY_JOB !== '0' ? new AdvisoryJob(db, log, checkpointStoreBeside(localAudit.path)) : null;
    db.on('changed', () => {
      // The gateway after the agent: its runtimes go on demo nodes the agent provisions.
      void (async () => {
        await demo?.sync();
        await demoGateway?.sync();
      })();
      maintenance.sync();
      ops?.sync();
      advisories?.sync();
      // A key rotation a crash cut short gets its end in the chain at the next start (rotation-log.ts).
      void settleKeyRotations(db, vault, checkpointStoreBeside(localAudit.path), log);
    });
    const minuteMs = Number(process.env.MC_SESSION_MINUTE_MS ?? '');
    const sessions =
      opts.sessionClock ?? true
        ? new SessionClock({ db, localAudit, log, ...(Number.isInteger(minuteMs) && minuteMs >= 100 && minuteMs <= 3_600_000 ? { minuteMs } : {}) })
        : null;
    const router = createRouter(
      { log, db, vault, shell, localAudit, appVersion: appVersion(), validateResponses: opts.validateResponses ?? true, ...(sessions ? { sessions } : {}), ...(demoGateway ? { localGateway: demoGateway } : {}) },
      handlers,
      topicHandlers,
    );
    const anchorJob = opts.anchorJob ?? process.env.MC_ANCHOR_JOB !== '0' ? new AnchorJob(router, log) : null;
    anchorJob?.start();
    const backupSchedule =
      process.env.MC_BACKUP_SCHEDULE !== '0'
        ? new BackupScheduleJob(db, log, undefined, (session) => checkpointBeforeBackup({ db, vault, store: checkpointStoreBeside(localAudit.path), log }, session))
        : null;
    backupSchedule?.start();
    let closed = false;
    let healthCache: { at: number; value: Promise<Health> } | null = null;
    const computeHealth = async (): Promise<Health> => {
      const keychain = (await vault.status()).available;
      const s = await db.activeStatus().catch(() => null);
      const migrations = s
        ? {
            current: s.migrations.pending.length === 0 && s.migrations.drift.length === 0,
            applied: s.migrations.applied,
            total: s.migrations.total,
            pending: s.migrations.pending.length,
            drift: s.migrations.drift.length,
          }
        : null;
      const reachable = s !== null;
      const status = !reachable ? 'down' : migrations?.current && s.live ? 'ok' : 'degraded';
      return { status, database: { reachable, state: db.state, live: s?.live ?? false }, migrations, keychain };
    };
    return {
      dataDir: opts.dataDir,
      log,
      vault,
      db,
      router,
      shell,
      demo,
      demoGateway,
      ops,
      sessions,
      start: () => db.start(),
      health() {
        // /healthz needs no token; one database round per second at most, however often it is asked.
        if (healthCache && Date.now() - healthCache.at < 1000) return healthCache.value;
        const value = computeHealth();
        healthCache = { at: Date.now(), value };
        return value;
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          maintenance.stop();
          sessions?.stop();
          ops?.stop();
          advisories?.stop();
          anchorJob?.stop();
          backupSchedule?.stop();
          await demo?.stop();
          await demoGateway?.stop();
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
