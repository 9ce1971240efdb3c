import type { RotationItem, RotationRun, RotationRunDetail } from '../../../src-shared/contract/credentials';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';

/** Rotation runs and their items as stored (sql/0051), mapped to the contract. */
interface RunRow {
  id: string;
  mode: RotationRun['mode'];
  grace_hours: number;
  state: RotationRun['state'];
  reason: string | null;
  stop_reason: string | null;
  started_by: string | null;
  started_at: string;
  ended_at: string | null;
  total: number;
  pending: number;
  rotated: number;
  failed: number;
  manual: number;
  skipped: number;
}

export interface ItemRow {
  id: string;
  position: number;
  stage: number;
  kind: RotationItem['kind'];
  ref: string;
  label: string;
  owner: string;
  old_ref: string | null;
  new_ref: string | null;
  state: RotationItem['state'];
  detail: string | null;
  action: string | null;
  verified_at: string | null;
  finished_at: string | null;
  delivery: RotationItem['delivery'];
}

const RUN_SELECT = `
  SELECT r.id, r.mode, r.grace_hours, r.state, r.reason, r.stop_reason, o.display_name AS started_by, r.started_at, r.ended_at,
         c.total, c.pending, c.rotated, c.failed, c.manual, c.skipped
    FROM mc.credential_rotation_runs r
    LEFT JOIN mc.operators o ON o.id = r.started_by
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS total, count(*) FILTER (WHERE i.state = 'pending')::int AS pending,
             count(*) FILTER (WHERE i.state = 'rotated')::int AS rotated, count(*) FILTER (WHERE i.state = 'failed')::int AS failed,
             count(*) FILTER (WHERE i.state = 'manual')::int AS manual, count(*) FILTER (WHERE i.state = 'skipped')::int AS skipped
        FROM mc.credential_rotation_items i WHERE i.org_id = r.org_id AND i.run_id = r.id) c`;

const ITEM_COLUMNS = 'id, position, stage, kind, ref, label, owner, old_ref, new_ref, state, detail, action, verified_at, finished_at, delivery';

function toRun(r: RunRow): RotationRun {
  return {
    id: r.id,
    mode: r.mode,
    graceHours: r.grace_hours,
    state: r.state,
    reason: r.reason,
    stopReason: r.stop_reason,
    startedBy: r.started_by,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    counts: { total: r.total, pending: r.pending, rotated: r.rotated, failed: r.failed, manual: r.manual, skipped: r.skipped },
  };
}

export function toItem(r: ItemRow): RotationItem {
  return {
    id: r.id,
    position: r.position,
    stage: r.stage,
    kind: r.kind,
    ref: r.ref,
    label: r.label,
    owner: r.owner,
    oldRef: r.old_ref,
    newRef: r.new_ref,
    state: r.state,
    detail: r.detail,
    action: r.action,
    verifiedAt: r.verified_at,
    finishedAt: r.finished_at,
    delivery: r.delivery,
  };
}

export async function listRuns(sql: Sql, limit = 20): Promise<RotationRun[]> {
  return (await sql.query<RunRow>(`${RUN_SELECT} ORDER BY r.started_at DESC LIMIT $1`, [limit])).map(toRun);
}

export async function openRunId(sql: Sql): Promise<string | null> {
  return (await sql.maybeOne<{ id: string }>(`SELECT id FROM mc.credential_rotation_runs WHERE state IN ('running', 'cancelled', 'failed')`))?.id ?? null;
}

export async function readRun(sql: Sql, runId: string): Promise<RotationRunDetail> {
  const run = await sql.maybeOne<RunRow>(`${RUN_SELECT} WHERE r.id = $1`, [runId]);
  if (!run) throw new McError('NOT_FOUND', 'That rotation run does not exist in this org.');
  const items = await sql.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM mc.credential_rotation_items WHERE run_id = $1 ORDER BY position`, [runId]);
  return { ...toRun(run), items: items.map(toItem) };
}

export async function lockRun(sql: Sql, runId: string): Promise<{ id: string; mode: RotationRun['mode']; grace_hours: number; state: RotationRun['state'] }> {
  const run = await sql.maybeOne<{ id: string; mode: RotationRun['mode']; grace_hours: number; state: RotationRun['state'] }>(
    'SELECT id, mode, grace_hours, state FROM mc.credential_rotation_runs WHERE id = $1 FOR UPDATE',
    [runId],
  );
  if (!run) throw new McError('NOT_FOUND', 'That rotation run does not exist in this org.');
  return run;
}

export async function nextItem(sql: Sql, runId: string): Promise<ItemRow | null> {
  return sql.maybeOne<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM mc.credential_rotation_items WHERE run_id = $1 AND state IN ('pending', 'failed') ORDER BY position LIMIT 1 FOR UPDATE`,
    [runId],
  );
}

export async function getItem(sql: Sql, itemId: string): Promise<ItemRow | null> {
  return sql.maybeOne<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM mc.credential_rotation_items WHERE id = $1 FOR UPDATE`, [itemId]);
}

/** Per node: a run's new key that its node has not presented yet (its old key may still be). */
export async function pendingSwitch(sql: Sql) {
  const rows = await sql.query<{ node_id: string; hostname: string; new_prefix: string; old_prefix: string; old_still_works: boolean; old_last_used_at: string | null }>(
    `SELECT n.id AS node_id, n.hostname, nk.prefix AS new_prefix, ok.prefix AS old_prefix,
            (ok.revoked_at IS NULL AND ok.grace_until > now()) AS old_still_works, ok.last_used_at AS old_last_used_at
       FROM mc.credential_rotation_items i
       JOIN mc.node_keys ok ON ok.org_id = i.org_id AND ok.id::text = i.ref
       JOIN mc.node_keys nk ON nk.org_id = ok.org_id AND nk.id = ok.superseded_by
       JOIN mc.nodes n ON n.org_id = nk.org_id AND n.id = nk.node_id
      WHERE i.kind = 'node_key' AND i.state = 'rotated' AND nk.last_used_at IS NULL AND nk.revoked_at IS NULL AND nk.superseded_by IS NULL
        AND n.lifecycle <> 'retired'
      ORDER BY n.hostname
      LIMIT 1000`,
  );
  return rows.map((r) => ({ nodeId: r.node_id, hostname: r.hostname, newPrefix: r.new_prefix, oldPrefix: r.old_prefix, oldStillWorks: r.old_still_works, oldLastUsedAt: r.old_last_used_at }));
}
