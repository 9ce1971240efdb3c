import { COMPROMISE_CONFIRMATION, ROTATION_MODES, type RotationItem, type RotationRunDetail } from '../../../src-shared/contract/credentials';
import { McError } from '../../../src-shared/contract/errors';
import type { CredentialDeps } from './deps';
import { collectCredentials, STAGE } from './inventory';
import { getItem, type ItemRow, lockRun, nextItem, readRun, toItem } from './records';
import { deliveryAccount, HELD_OUTSIDE, rotateOne, type RunFacts } from './rotate-one';

export interface StartInput {
  mode: string;
  graceHours?: number;
  confirm?: string;
  reason: string;
}

/** Scheduled mode's default grace: a day for every node and client to switch. */
export const DEFAULT_GRACE_HOURS = 24;

/**
 * Plan a run: every credential of the inventory becomes a row, in the documented order. Refused
 * (nothing stored) for an unknown mode, a compromise run without its typed confirmation, or while
 * another run is unfinished (resume or close that one).
 */
export async function startRun(deps: CredentialDeps, input: StartInput): Promise<RotationRunDetail> {
  if (!(ROTATION_MODES as readonly string[]).includes(input.mode)) {
    throw new McError('VALIDATION', `Unknown rotation mode “${input.mode}”: choose compromise or scheduled.`, { mode: 'compromise or scheduled' });
  }
  const mode = input.mode as (typeof ROTATION_MODES)[number];
  if (mode === 'compromise' && input.confirm !== COMPROMISE_CONFIRMATION) {
    throw new McError('VALIDATION', `Compromise mode stops every old credential at once: type ${COMPROMISE_CONFIRMATION} to confirm.`, { confirm: `Type ${COMPROMISE_CONFIRMATION}.` });
  }
  if (mode === 'compromise' && input.graceHours !== undefined) {
    throw new McError('VALIDATION', 'Compromise mode has no grace: old credentials stop at once.', { graceHours: 'Leave it out in compromise mode.' });
  }
  const graceHours = mode === 'compromise' ? 0 : (input.graceHours ?? DEFAULT_GRACE_HOURS);
  if (!Number.isInteger(graceHours) || graceHours < (mode === 'scheduled' ? 1 : 0) || graceHours > 720) {
    throw new McError('VALIDATION', 'The grace must be 1 to 720 hours.', { graceHours: '1 to 720 hours' });
  }
  // The database's one-open-run index is the only judge, so two starts at once (two admins, a
  // double click) get the same answer as one after the other: one run, the other a conflict.
  const run = await deps.sql
    .one<{ id: string }>(
      `INSERT INTO mc.credential_rotation_runs (org_id, mode, grace_hours, reason, started_by) VALUES (mc.current_org_id(), $1, $2, $3, $4) RETURNING id`,
      [mode, graceHours, input.reason, deps.operatorId],
    )
    .catch((err: { code?: string; constraint?: string }) => {
      if (err.code !== '23505' || err.constraint !== 'credential_rotation_runs_one_open') throw err;
      throw new McError('CONFLICT', 'Another rotation run is unfinished: resume it, or close it, before starting a new one.');
    });
  const entries = (await collectCredentials(deps)).filter((e) => mode === 'compromise' || e.keyStatus !== 'grace');
  const rows = entries.map((e, i) => ({
    position: i + 1,
    stage: STAGE[e.kind],
    kind: e.kind,
    ref: e.ref,
    label: e.label,
    owner: e.owner,
    detail: e.rotatable ? null : HELD_OUTSIDE,
    action: e.rotatable ? null : e.howToRotate,
  }));
  await deps.sql.query(
    `INSERT INTO mc.credential_rotation_items (org_id, run_id, position, stage, kind, ref, label, owner, detail, action)
     SELECT mc.current_org_id(), $1, x.position, x.stage, x.kind, x.ref, left(x.label, 300), left(x.owner, 300), x.detail, x.action
       FROM jsonb_to_recordset($2::jsonb) AS x(position int, stage smallint, kind text, ref text, label text, owner text, detail text, action text)`,
    [run.id, JSON.stringify(rows)],
  );
  const byKind: Record<string, number> = {};
  for (const e of entries) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  await deps.audit({ action: 'credentials.rotation_started', target: { type: 'credential_rotation_run', id: run.id }, data: { mode, graceHours, credentials: entries.length, byKind } });
  return readRun(deps.sql, run.id);
}

/** Node and customer keys are rotated up to this many per step (each still its own savepoint and audit event): 400 nodes are 16 calls, not 400. */
export const KEYS_PER_STEP = 25;

/**
 * Rotate the next credential of a running run (the next few, for node and customer keys), or
 * finish the run when none is left. A credential that fails is rolled back to where it was (a
 * savepoint: old-and-working), recorded as failed with why, and the run stops as failed;
 * resuming retries it.
 */
export async function stepRun(deps: CredentialDeps, runId: string): Promise<{ run: RotationRunDetail; item: RotationItem | null }> {
  const run = await lockRun(deps.sql, runId);
  if (run.state !== 'running') throw new McError('CONFLICT', `This run is ${run.state}${run.state === 'cancelled' || run.state === 'failed' ? ': resume it first' : ''}.`);
  let item = await nextItem(deps.sql, runId);
  if (!item) {
    await deps.sql.query(`UPDATE mc.credential_rotation_runs SET state = 'done', ended_at = now() WHERE id = $1`, [runId]);
    const done = await readRun(deps.sql, runId);
    await deps.audit({ action: 'credentials.rotation_finished', target: { type: 'credential_rotation_run', id: runId }, data: { mode: run.mode, ...done.counts } });
    return { run: done, item: null };
  }
  const startedAt = (await deps.sql.one<{ at: string }>('SELECT started_at AS at FROM mc.credential_rotation_runs WHERE id = $1', [runId])).at;
  const facts = { mode: run.mode, graceHours: run.grace_hours, startedAt };
  // Keys are the only items retried on contention: the step's lock waits are short, so a held
  // row costs a few seconds per try, not the session's 10 s (set once: a step rotates one kind).
  if (inDatabase(item)) await deps.sql.query(`SELECT set_config('lock_timeout', $1, true)`, [ITEM_LOCK_TIMEOUT]);
  let last = item;
  for (let n = 0; item && n < KEYS_PER_STEP; n++) {
    last = item;
    const ok = await rotateItem(deps, runId, item, facts);
    if (!ok || (item.kind !== 'node_key' && item.kind !== 'customer_key')) break;
    const next = await nextItem(deps.sql, runId);
    item = next && next.kind === item.kind ? next : null;
  }
  const after = await getItem(deps.sql, last.id);
  return { run: await readRun(deps.sql, runId), item: after ? toItem(after) : null };
}

/**
 * A key row the telemetry queue holds while it records a batch's key use (0035): under load that
 * batch can outlast a lock timeout, which is contention, not a fault of the key. A key (in the
 * database, rolled back whole with the savepoint) is tried again after a pause; only when every
 * try waited in vain does the item fail. Each try waits at most ITEM_LOCK_TIMEOUT.
 */
export const ITEM_TRIES = 4;
export const ITEM_LOCK_TIMEOUT = '3s';
const TRANSIENT = new Set(['55P03', '40P01', '40001']);
const transient = (err: unknown) => TRANSIENT.has((err as { code?: string }).code ?? '');

/** One credential, in its own savepoint; false when it failed (recorded, run stopped). */
async function rotateItem(deps: CredentialDeps, runId: string, item: ItemRow, facts: RunFacts): Promise<boolean> {
  const tries = inDatabase(item) ? ITEM_TRIES : 1;
  for (let n = 1; ; n++) {
    const outcome = await tryItem(deps, runId, item, facts, n < tries);
    if (outcome !== 'again') return outcome;
    await new Promise((r) => setTimeout(r, 250 * n));
  }
}

const inDatabase = (item: ItemRow) => item.kind === 'node_key' || item.kind === 'customer_key';

/** One try: true when rotated, false when it failed (recorded, run stopped), 'again' on contention with tries left. */
async function tryItem(deps: CredentialDeps, runId: string, item: ItemRow, facts: RunFacts, mayRetry: boolean): Promise<boolean | 'again'> {
  await deps.sql.query('SAVEPOINT credential_item');
  try {
    const out = await rotateOne(deps, item, facts);
    if (out.secret !== undefined) await deps.vault.set(deliveryAccount(deps.orgId, item.id), out.secret);
    await deps.sql.query(
      `UPDATE mc.credential_rotation_items SET state = $2, detail = $3, action = $4, old_ref = $5, new_ref = $6, finished_at = now(),
              verified_at = CASE WHEN $2 = 'rotated' THEN now() END, delivery = $7
        WHERE id = $1`,
      [item.id, out.state, out.detail, out.action, out.oldRef, out.newRef, out.secret !== undefined ? 'held' : 'none'],
    );
    await deps.sql.query('RELEASE SAVEPOINT credential_item');
    return true;
  } catch (err) {
    await deps.sql.query('ROLLBACK TO SAVEPOINT credential_item');
    if (mayRetry && transient(err)) return 'again';
    const why = err instanceof McError ? err.message : (err as Error).message;
    // Keys live in the database and roll back with the savepoint. A password, a keychain entry or a
    // key file changes outside it: each of those steps puts the old one back on its own failures,
    // but a check failing after the change (e.g. the old password still logs in) leaves the new one.
    const detail = (
      inDatabase(item)
        ? `Not rotated: ${why}. The old credential was left as it was and still works; resume to try again.`
        : `Not completed: ${why}. Its change outside the database (password, keychain or key file) may already have been made; the inventory shows what is in force now. Resume to try again.`
    ).slice(0, 2000);
    await deps.sql.query(`UPDATE mc.credential_rotation_items SET state = 'failed', detail = $2, finished_at = now() WHERE id = $1`, [item.id, detail]);
    await deps.sql.query(`UPDATE mc.credential_rotation_runs SET state = 'failed', stop_reason = $2 WHERE id = $1`, [runId, `${item.label} (${item.owner}): ${why}`.slice(0, 2000)]);
    await deps.audit({ action: 'credentials.rotation_failed', target: { type: 'credential_rotation_run', id: runId }, data: { kind: item.kind, ref: item.ref, label: item.label, why } });
    return false;
  }
}

export async function cancelRun(deps: CredentialDeps, runId: string): Promise<RotationRunDetail> {
  const run = await lockRun(deps.sql, runId);
  if (run.state !== 'running') throw new McError('CONFLICT', `Only a running run can be cancelled; this one is ${run.state}.`);
  await deps.sql.query(`UPDATE mc.credential_rotation_runs SET state = 'cancelled', stop_reason = 'Cancelled by an operator between two credentials.' WHERE id = $1`, [runId]);
  await deps.audit({ action: 'credentials.rotation_cancelled', target: { type: 'credential_rotation_run', id: runId } });
  return readRun(deps.sql, runId);
}

export async function resumeRun(deps: CredentialDeps, runId: string): Promise<RotationRunDetail> {
  const run = await lockRun(deps.sql, runId);
  if (run.state !== 'cancelled' && run.state !== 'failed') throw new McError('CONFLICT', `Only a cancelled or failed run can be resumed; this one is ${run.state}.`);
  await deps.sql.query(`UPDATE mc.credential_rotation_runs SET state = 'running', stop_reason = NULL WHERE id = $1`, [runId]);
  await deps.audit({ action: 'credentials.rotation_resumed', target: { type: 'credential_rotation_run', id: runId }, data: { was: run.state } });
  return readRun(deps.sql, runId);
}

export async function closeRun(deps: CredentialDeps, runId: string, reason: string): Promise<RotationRunDetail> {
  const run = await lockRun(deps.sql, runId);
  if (run.state !== 'cancelled' && run.state !== 'failed') throw new McError('CONFLICT', `Only a cancelled or failed run can be closed; this one is ${run.state}.`);
  await deps.sql.query(`UPDATE mc.credential_rotation_runs SET state = 'closed', ended_at = now(), stop_reason = $2 WHERE id = $1`, [runId, reason]);
  const closed = await readRun(deps.sql, runId);
  await deps.audit({ action: 'credentials.rotation_closed', target: { type: 'credential_rotation_run', id: runId }, data: { was: run.state, ...closed.counts } });
  return closed;
}

/**
 * The new secret of a node or customer key a run made, once: it leaves this workstation's
 * keychain as it is shown. Elsewhere (another workstation, a reset keychain) it is gone: the
 * answer says so and the key can be rotated again from Node keys.
 */
export async function revealSecret(
  deps: Pick<CredentialDeps, 'sql' | 'vault' | 'orgId' | 'audit'>,
  itemId: string,
  /** Leave the keychain copy for the caller to delete once its transaction commits (a rollback then loses nothing). */
  opts: { keepInKeychain?: boolean } = {},
): Promise<{ secret: string; prefix: string; deliverTo: string }> {
  const item = await getItem(deps.sql, itemId);
  if (!item) throw new McError('NOT_FOUND', 'That credential of a rotation run does not exist in this org.');
  if (item.delivery !== 'held') {
    throw new McError('CONFLICT', item.delivery === 'none' ? 'This credential has no new secret to deliver.' : `The new key ${item.new_ref ?? ''}… was ${item.delivery} already: rotate it again from Node keys or Customer API keys if it did not arrive.`);
  }
  const secret = await deps.vault.get(deliveryAccount(deps.orgId, item.id));
  if (!secret) {
    throw new McError('NOT_FOUND', `This workstation’s keychain does not hold the new key ${item.new_ref ?? ''}… (it was made on another workstation, or the keychain was reset): rotate that key again.`);
  }
  await deps.sql.query(`UPDATE mc.credential_rotation_items SET delivery = 'revealed' WHERE id = $1`, [item.id]);
  await deps.audit({ action: 'credentials.secret_revealed', target: { type: item.kind, id: item.ref }, data: { newPrefix: item.new_ref, deliverTo: item.owner } });
  if (!opts.keepInKeychain) await deps.vault.delete(deliveryAccount(deps.orgId, item.id));
  return { secret, prefix: item.new_ref ?? '', deliverTo: item.owner };
}

/**
 * New node keys that rotation runs hold for delivery for the given nodes, with the node each is
 * for (the demo agent takes delivery for the simulated nodes it runs; any other node's key stays
 * held for an admin to reveal).
 */
export async function heldNodeKeys(sql: CredentialDeps['sql'], nodeIds: readonly string[]): Promise<{ itemId: string; nodeId: string }[]> {
  const rows = await sql.query<{ item_id: string; node_id: string }>(
    `SELECT i.id AS item_id, nk.node_id
       FROM mc.credential_rotation_items i
       JOIN mc.node_keys ok ON ok.org_id = i.org_id AND ok.id::text = i.ref
       JOIN mc.node_keys nk ON nk.org_id = ok.org_id AND nk.id = ok.superseded_by
      WHERE i.kind = 'node_key' AND i.delivery = 'held' AND nk.revoked_at IS NULL AND nk.node_id = ANY ($1::uuid[])
      ORDER BY i.finished_at, i.position
      LIMIT 5000`,
    [nodeIds],
  );
  return rows.map((r) => ({ itemId: r.item_id, nodeId: r.node_id }));
}

/**
 * New customer keys that rotation runs hold for delivery for the given customers, newest first,
 * with the customer each is for (the demo gateway takes delivery for its simulated customers, as
 * the demo agent does for its nodes; any other customer's key stays held for an admin to reveal).
 */
export async function heldCustomerKeys(sql: CredentialDeps['sql'], customerIds: readonly string[]): Promise<{ itemId: string; customerId: string }[]> {
  const rows = await sql.query<{ item_id: string; customer_id: string }>(
    `SELECT i.id AS item_id, nk.customer_id
       FROM mc.credential_rotation_items i
       JOIN mc.customer_keys ok ON ok.org_id = i.org_id AND ok.id::text = i.ref
       JOIN mc.customer_keys nk ON nk.org_id = ok.org_id AND nk.id = ok.superseded_by
      WHERE i.kind = 'customer_key' AND i.delivery = 'held' AND nk.revoked_at IS NULL AND nk.customer_id = ANY ($1::uuid[])
      ORDER BY i.finished_at DESC, i.position DESC
      LIMIT 100`,
    [customerIds],
  );
  return rows.map((r) => ({ itemId: r.item_id, customerId: r.customer_id }));
}

/**
 * The seam for others (runbooks): plan a run and rotate every credential, one transaction per
 * credential through `tx`, until the run finishes, fails or `shouldStop` says to cancel.
 */
export async function rotateAll(
  tx: <T>(fn: (deps: CredentialDeps) => Promise<T>) => Promise<T>,
  input: StartInput,
  opts: { onItem?: (item: RotationItem, run: RotationRunDetail) => void; shouldStop?: () => boolean } = {},
): Promise<RotationRunDetail> {
  const planned = await tx((d) => startRun(d, input));
  for (;;) {
    if (opts.shouldStop?.()) return tx((d) => cancelRun(d, planned.id));
    const { run, item } = await tx((d) => stepRun(d, planned.id));
    if (item) opts.onItem?.(item, run);
    if (run.state !== 'running') return run;
  }
}
