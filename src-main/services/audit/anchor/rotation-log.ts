import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import type { AuditDraft } from '../append';
import { loadKeyRing, ringKeys } from './checkpoint-key';
import type { CheckpointStore } from './checkpoint-store';

/**
 * A key rotation spans the OS keychain, the key history file and the database, which share no
 * transaction. So its audit trail is two events: "started" (committed before the key changes,
 * naming the key it will retire and the one it will make current) and "rotated" (the handler's
 * own, committed after) or "abandoned". A crash between them leaves a started rotation with no
 * end; the next start of the app on this workstation settles it from what the keychain holds:
 * the new key current (or in the ring) means it happened, anything else that it did not.
 */
export const ROTATION_STARTED = 'audit.checkpoint_key_rotation_started';
export const ROTATED = 'audit.checkpoint_key_rotated';
export const ROTATION_ABANDONED = 'audit.checkpoint_key_rotation_abandoned';

export interface RotationPlan {
  rotationId: string;
  retiredFingerprint: string;
  currentFingerprint: string;
}

/**
 * Rotations started in this org with neither end recorded, oldest first; with `minAgeMs`, only
 * those started at least that long ago (one still in progress in this process has its end about
 * to commit: settling it too would end it twice).
 */
export async function unfinishedRotations(sql: Sql, minAgeMs = 0, rotationId: string | null = null): Promise<RotationPlan[]> {
  const rows = await sql.query<{ data: Partial<RotationPlan> }>(
    `SELECT s.data FROM mc.audit_events s
      WHERE s.org_id = mc.current_org_id() AND s.action = $1 AND s.at <= now() - make_interval(secs => $4::double precision / 1000)
        AND ($5::text IS NULL OR s.data->>'rotationId' = $5)
        AND NOT EXISTS (SELECT 1 FROM mc.audit_events e
                         WHERE e.org_id = s.org_id AND e.action IN ($2, $3) AND e.data->>'rotationId' = s.data->>'rotationId')
      ORDER BY s.seq`,
    [ROTATION_STARTED, ROTATED, ROTATION_ABANDONED, minAgeMs, rotationId],
  );
  return rows.map((r) => r.data).filter((d): d is RotationPlan => typeof d.rotationId === 'string' && typeof d.retiredFingerprint === 'string' && typeof d.currentFingerprint === 'string');
}

/**
 * Ends this workstation's unfinished rotations in the chain (another workstation's are its own
 * to settle: its keys are not in this ring). Loading the ring first finishes a switch that
 * stopped after the key history was written, as every load does.
 */
export async function reconcileRotations(
  sql: Sql,
  orgId: string,
  store: CheckpointStore,
  vault: Vault,
  audit: (d: AuditDraft) => Promise<unknown>,
  minAgeMs = 0,
  /** Only this rotation (the command that started it failed and settles its own at once). */
  rotationId: string | null = null,
): Promise<{ completed: number; abandoned: number }> {
  const pending = await unfinishedRotations(sql, minAgeMs, rotationId);
  if (pending.length === 0) return { completed: 0, abandoned: 0 };
  const ring = await loadKeyRing(vault, store.dir, orgId);
  const mine = new Set(ringKeys(ring).map((k) => k.fingerprint));
  let completed = 0;
  let abandoned = 0;
  for (const p of pending) {
    if (!mine.has(p.retiredFingerprint)) continue;
    if (mine.has(p.currentFingerprint)) {
      await audit({ action: ROTATED, target: { type: 'org', id: orgId }, data: { rotationId: p.rotationId, retiredFingerprint: p.retiredFingerprint, currentFingerprint: p.currentFingerprint, reconciled: true } });
      completed++;
    } else {
      await audit({ action: ROTATION_ABANDONED, target: { type: 'org', id: orgId }, data: { rotationId: p.rotationId, retiredFingerprint: p.retiredFingerprint, plannedFingerprint: p.currentFingerprint, currentFingerprint: ring.current.fingerprint } });
      abandoned++;
    }
  }
  return { completed, abandoned };
}
