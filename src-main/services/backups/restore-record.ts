import type { Session } from '../../../src-shared/contract/system';
import type { DatabaseManager } from '../../db';
import { appendAudit } from '../audit';
import { writeTimelineRow } from '../incidents/timeline';
import type { Recorder } from '../org/recorder';
import type { DrillResult } from './drill';
import type { BackupRow } from './records';
import type { LiveRestoreDeps, LiveRestoreResult, RestoreStep } from './restore';

/** The live org's newest audit events, read once writes are stopped: what a restore will take away. */
export interface LiveTail {
  head: number;
  events: Array<{ seq: number; action: string; at: string }>;
}

/** At most this many recent events are named by action; the count of lost events is exact either way. */
const TAIL_LIMIT = 20_000;

export async function readLiveTail(db: DatabaseManager, session: Session, backup: BackupRow): Promise<LiveTail> {
  // The backup's snapshot was taken before its record was written (createdAt) by up to its duration.
  const since = new Date(new Date(backup.createdAt).getTime() - backup.durationMs - 10 * 60_000).toISOString();
  return db.tx(
    session,
    async (sql) => {
      const head = await sql.one<{ n: number }>('SELECT coalesce(max(seq), 0)::int AS n FROM mc.audit_events WHERE org_id = mc.current_org_id()');
      const events = await sql.query<{ seq: number; action: string; at: Date | string }>(
        `SELECT seq::int AS seq, action, at FROM mc.audit_events WHERE org_id = mc.current_org_id() AND at >= $1 ORDER BY seq DESC LIMIT ${TAIL_LIMIT}`,
        [since],
      );
      return { head: head.n, events: events.map((e) => ({ seq: e.seq, action: e.action, at: e.at instanceof Date ? e.at.toISOString() : String(e.at) })) };
    },
    { readOnly: true, snapshot: true },
  );
}

/** The events after the restored head: counted exactly from the live head, named from the tail read. */
export function lostSince(tail: LiveTail, restoredHead: number): LiveRestoreResult['lost'] {
  const gone = tail.events.filter((e) => e.seq > restoredHead).sort((a, b) => a.seq - b.seq);
  const byAction = new Map<string, number>();
  for (const e of gone) byAction.set(e.action, (byAction.get(e.action) ?? 0) + 1);
  return {
    events: Math.max(0, tail.head - restoredHead),
    from: gone[0]?.at ?? null,
    to: gone.at(-1)?.at ?? null,
    actions: [...byAction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([action, count]) => ({ action, count })),
  };
}

const STEP_LABEL: Record<RestoreStep['step'], string> = {
  stop_writes: 'stop writes',
  check: 'check the backup',
  restore: 'restore',
  verify: 'verify',
  resume: 'resume',
  rollback: 'put the previous database back',
};

type Outcome =
  | { steps: RestoreStep[]; failed: string }
  | {
      steps: RestoreStep[];
      previousCluster: string;
      lost: LiveRestoreResult['lost'];
      verified: { tables: DrillResult['tables']; countsOk: boolean; chainOk: boolean; chainMessage: string };
    };

/**
 * The restore in the database the app is connected to now (the restored one, or the previous one
 * after a rollback), as the admin who ran it: one audit event per step (as it happened, with its
 * time on this workstation), then what was restored and lost (or why it failed). With an incident
 * id, each event is also an entry on that incident's timeline, when the incident exists there.
 */
export async function recordRestoreInDatabase(
  db: DatabaseManager,
  deps: Pick<LiveRestoreDeps, 'session' | 'reason' | 'requestId' | 'incidentId'>,
  backup: BackupRow,
  outcome: Outcome,
): Promise<{ ok: boolean; message: string; incident: LiveRestoreResult['incident'] }> {
  const session = db.session;
  if (!session || session.operatorId !== deps.session.operatorId || session.orgId !== deps.session.orgId) {
    const message = `The database the app reconnected to does not sign in ${deps.session.operatorName} to ${deps.session.orgName}, so the restore is recorded in the workstation's audit log only.`;
    return { ok: false, message, incident: deps.incidentId ? { id: deps.incidentId, recorded: false, message } : null };
  }
  return db.tx(session, async (sql) => {
    const rec: Recorder = { actor: { id: session.operatorId, name: session.operatorName }, audit: (d) => appendAudit(sql, session, d, { reason: deps.reason, requestId: deps.requestId }) };
    let incident: LiveRestoreResult['incident'] = null;
    let onTimeline = false;
    if (deps.incidentId) {
      const found = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.incidents WHERE id = $1', [deps.incidentId]);
      onTimeline = found !== null;
      incident = onTimeline
        ? { id: deps.incidentId, recorded: true, message: 'Each step is on the incident’s timeline.' }
        : {
            id: deps.incidentId,
            recorded: false,
            message: 'That incident is not in the restored database (it was opened after the backup, or in another org): the steps are in the audit log only. Open a new incident and link this restore from it.',
          };
    }
    const backupRef = { id: backup.id, createdAt: backup.createdAt, file: backup.path, sha256: backup.sha256 };
    for (const s of outcome.steps) {
      const proof = await rec.audit({ action: 'backup.restore_step', target: { type: 'backup', id: backup.id }, data: { step: s.step, outcome: s.outcome, at: s.at, message: s.message, backup: backupRef } });
      if (onTimeline) await writeTimelineRow(sql, rec, deps.incidentId!, { kind: 'note', body: `Restore — ${STEP_LABEL[s.step]}: ${s.outcome}. ${s.message}`, data: { restoreStep: s.step, outcome: s.outcome, backupId: backup.id } }, proof);
    }
    if ('failed' in outcome) {
      const proof = await rec.audit({ action: 'backup.restore_failed', target: { type: 'backup', id: backup.id }, data: { backup: backupRef, message: outcome.failed } });
      if (onTimeline) await writeTimelineRow(sql, rec, deps.incidentId!, { kind: 'note', body: outcome.failed, data: { restore: 'failed', backupId: backup.id } }, proof);
      return { ok: true, message: 'The failed restore is recorded in the previous database, which is back.', incident };
    }
    const { lost, verified } = outcome;
    const summary = `Restored the backup of ${backup.createdAt.slice(0, 16).replace('T', ' ')} UTC over the live database; ${lost.events} audit event${lost.events === 1 ? '' : 's'} made after it ${lost.events === 1 ? 'was' : 'were'} lost${lost.from ? ` (${lost.from.slice(0, 16).replace('T', ' ')} to ${lost.to!.slice(0, 16).replace('T', ' ')} UTC)` : ''}. The replaced cluster is kept at ${outcome.previousCluster}.`;
    const proof = await rec.audit({
      action: 'backup.restored',
      target: { type: 'backup', id: backup.id },
      data: {
        backup: backupRef,
        previousCluster: outcome.previousCluster,
        lost,
        tables: verified.tables.length,
        countsOk: verified.countsOk,
        chainOk: verified.chainOk,
        chainMessage: verified.chainMessage,
      },
    });
    if (onTimeline) await writeTimelineRow(sql, rec, deps.incidentId!, { kind: 'note', body: summary, data: { restore: 'done', backupId: backup.id, lostEvents: lost.events } }, proof);
    // The backup's own record was written just after its file, so the restored database does not
    // have it: written again (same id, time and figures, proof: the restore's event), so Backups,
    // the runbooks' last-backup fact and the advisory scan know the backup this database came from.
    await sql.query(
      `INSERT INTO mc.backups (id, org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq, created_by, created_at)
       SELECT $1, mc.current_org_id(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
              -- The record names its maker by display name: the member of this org with that name, when exactly one.
              (SELECT CASE WHEN count(*) = 1 THEN min(o.id::text)::uuid END FROM mc.operators o
                 JOIN mc.memberships m ON m.operator_id = o.id AND m.org_id = mc.current_org_id() WHERE o.display_name = $14), $15
        WHERE NOT EXISTS (SELECT 1 FROM mc.backups WHERE id = $1)`,
      [backup.id, backup.format, backup.formatReason, backup.path, backup.sizeBytes, backup.sha256, backup.serverVersion, backup.migrationLevel, JSON.stringify(backup.tables), backup.auditEvents, backup.trigger, backup.durationMs, proof.seq, backup.createdBy, backup.createdAt],
    );
    return { ok: true, message: summary, incident };
  });
}
