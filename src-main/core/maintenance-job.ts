import type { Logger } from './log';
import type { DatabaseManager, Sql } from '../db';
import { maintainOps } from '../services/org';
import { maintainTelemetry } from '../services/telemetry';
import { maintainRouting } from '../services/routing';
import { maintainIdempotency, maintainLimits } from '../services/limits';
import { UPKEEP_EVERY_MS } from '../../src-shared/domain/retention';

/** One upkeep pass, recorded (mc.upkeep_done) in the same transaction as what it purged. */
export async function runUpkeep(sql: Sql): Promise<Record<string, number>> {
  const result = { ...(await maintainTelemetry(sql)), ...(await maintainOps(sql)), ...(await maintainRouting(sql)), ...(await maintainLimits(sql)), ...(await maintainIdempotency(sql)) };
  await sql.one('SELECT mc.upkeep_done() AS at');
  return result;
}

/**
 * Upkeep of the connected database: day partitions ahead of time, expired ones dropped, rollups,
 * batch ids, alert transitions and corridor minutes trimmed. Once on connect, then hourly. Several instances on one
 * database may all run it: the SQL is idempotent and serialises partition creation.
 */
export class MaintenanceJob {
  private timer: NodeJS.Timeout | null = null;
  private connectedTo: string | null = null;

  constructor(
    private readonly db: DatabaseManager,
    private readonly log: Logger,
  ) {}

  sync(): void {
    const profile = this.db.state === 'connected' && !this.db.quiescing ? (this.db.activeProfile?.id ?? null) : null;
    if (profile === this.connectedTo) return;
    this.stop();
    this.connectedTo = profile;
    if (!profile) return;
    void this.run();
    this.timer = setInterval(() => void this.run(), UPKEEP_EVERY_MS);
    this.timer.unref();
  }

  async run(): Promise<void> {
    try {
      const result = await this.db.systemTx(async (sql) => runUpkeep(sql));
      this.log.info(result, 'telemetry maintenance');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'telemetry maintenance failed; will retry in an hour');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.connectedTo = null;
  }
}
