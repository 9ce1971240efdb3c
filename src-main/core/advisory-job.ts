import { SCAN_EVERY_MS } from '../../src-shared/domain/advisories';
import type { DatabaseManager } from '../db';
import { checkpointKeyAge, lastBackupStatus, runScan } from '../services/advisories';
import type { CheckpointStore } from '../services/audit/anchor';
import type { Logger } from './log';

/**
 * The scheduled advisory scan: the signed-in org of the connected database, shortly after connecting
 * and then every SCAN_EVERY_MS, through the scan's own login. Any role's workstation may run it
 * (the scan acts for no operator and changes nothing but advisories); several workstations on one
 * database are serialised per org by mc.advisories_record, and a second scan only refreshes.
 */
export class AdvisoryJob {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;
  private runningFor: string | null = null;
  private busy = false;

  constructor(
    private readonly db: DatabaseManager,
    private readonly log: Logger,
    /** Where the audit checkpoint key history and checkpoints live (beside the local audit log). */
    private readonly store: CheckpointStore,
    private readonly everyMs = Number(process.env.MC_ADVISORY_SCAN_MS) || SCAN_EVERY_MS,
  ) {}

  sync(): void {
    const session = this.db.state === 'connected' && !this.db.quiescing ? this.db.session : null;
    const key = session ? `${this.db.activeProfile?.id}:${session.orgId}` : null;
    if (key === this.runningFor) return;
    this.stop();
    this.runningFor = key;
    if (!session) return;
    const orgId = session.orgId;
    // Not at once: connecting already runs migrations, upkeep and the demo agent's backlog.
    this.first = setTimeout(() => void this.run(orgId), 60_000);
    this.first.unref();
    this.timer = setInterval(() => void this.run(orgId), this.everyMs);
    this.timer.unref();
  }

  async run(orgId: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await runScan(this.db.advisorPool(), orgId, { trigger: 'scheduled', backupStatus: lastBackupStatus, signingKey: async () => checkpointKeyAge(this.store, orgId) });
      if (r.raised || r.closed) this.log.info({ raised: r.raised, closed: r.closed, refreshed: r.refreshed }, 'advisory scan');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'advisory scan failed; will try again on the next round');
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
    this.timer = null;
    this.first = null;
    this.runningFor = null;
  }
}
