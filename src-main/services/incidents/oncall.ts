import { McError } from '../../../src-shared/contract/errors';
import { type EscalationTarget, onCallAt, type Shift, shiftProblems, type Unreachable, upcomingShifts } from '../../../src-shared/domain/escalation';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

/**
 * The on-call schedule: who holds incident command per time window (mc.oncall_shifts, one rota
 * per org, shifts never overlap). Admins and incident commanders add and remove shifts; everyone
 * reads. An escalation step `{ kind: 'on_call' }` resolves here, at the moment it fires.
 */
export interface ShiftView {
  id: string;
  operatorId: string;
  name: string;
  startsAt: string;
  endsAt: string;
}

interface ShiftRow {
  id: string;
  operator_id: string;
  name: string | null;
  starts_at: string;
  ends_at: string;
}

const SELECT = `SELECT s.id, s.operator_id, o.display_name AS name, s.starts_at, s.ends_at
                  FROM mc.oncall_shifts s LEFT JOIN mc.operators o ON o.id = s.operator_id`;

const toShift = (r: ShiftRow): Shift => ({ id: r.id, operatorId: r.operator_id, startsAt: new Date(r.starts_at), endsAt: new Date(r.ends_at) });
const toView = (r: ShiftRow): ShiftView => ({
  id: r.id,
  operatorId: r.operator_id,
  name: r.name ?? 'a former member',
  startsAt: new Date(r.starts_at).toISOString(),
  endsAt: new Date(r.ends_at).toISOString(),
});

/** Shifts not yet ended at `now`, soonest first (at most `limit`). */
export async function listShifts(sql: Sql, now: Date, limit = 50): Promise<ShiftView[]> {
  const rows = await sql.query<ShiftRow>(`${SELECT} WHERE s.ends_at > $1 ORDER BY s.starts_at LIMIT $2`, [now.toISOString(), limit]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return upcomingShifts(rows.map(toShift), now, limit).map((s) => toView(byId.get(s.id)!));
}

/** Who holds incident command at `at`, or null when nobody is on call. */
export async function onCallNow(sql: Sql, at: Date): Promise<ShiftView | null> {
  const rows = await sql.query<ShiftRow>(`${SELECT} WHERE s.starts_at <= $1 AND s.ends_at > $1 ORDER BY s.starts_at LIMIT 2`, [at.toISOString()]);
  const shift = onCallAt(rows.map(toShift), at);
  return shift ? toView(rows.find((r) => r.id === shift.id)!) : null;
}

export interface ShiftInput {
  operatorId: string;
  startsAt: string;
  endsAt: string;
}

export async function addShift(sql: Sql, input: ShiftInput, audit: (d: AuditDraft) => Promise<AuditRecord>, now: Date = new Date()): Promise<ShiftView> {
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  const member = await sql.maybeOne<{ role: string }>('SELECT role FROM mc.memberships WHERE org_id = mc.current_org_id() AND operator_id = $1', [input.operatorId]);
  if (!member) throw new McError('VALIDATION', 'An on-call shift names someone who is not a member of this org.', { operatorId: 'Pick one of the org’s incident commanders.' });
  if (member.role !== 'incident_commander') {
    throw new McError('VALIDATION', 'Only an incident commander can hold incident command on call; give the person that role first (Members) or pick a commander.', {
      operatorId: 'Pick one of the org’s incident commanders.',
    });
  }
  // The checks here give the words; the trigger (under an advisory lock) is what holds.
  const near = await sql.query<ShiftRow>(`${SELECT} WHERE s.starts_at < $2 AND s.ends_at > $1`, [startsAt.toISOString(), endsAt.toISOString()]);
  const problems = shiftProblems({ operatorId: input.operatorId, startsAt, endsAt }, near.map(toShift), now);
  if (Object.keys(problems).length > 0) throw new McError(problems.startsAt?.startsWith('Overlaps') ? 'CONFLICT' : 'VALIDATION', Object.values(problems)[0]!, problems);
  let row: { id: string };
  try {
    row = await sql.one<{ id: string }>(
      `INSERT INTO mc.oncall_shifts (org_id, operator_id, starts_at, ends_at, created_by)
       VALUES (mc.current_org_id(), $1, $2, $3, mc.current_operator_id()) RETURNING id`,
      [input.operatorId, startsAt.toISOString(), endsAt.toISOString()],
    );
  } catch (e) {
    if ((e as { code?: string }).code === '23P01') throw new McError('CONFLICT', 'Someone added an overlapping shift just now. Reload the schedule and pick another window.');
    throw e;
  }
  await audit({ action: 'oncall.shift_added', target: { type: 'oncall_shift', id: row.id }, data: { operatorId: input.operatorId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() } });
  return toView((await sql.one<ShiftRow>(`${SELECT} WHERE s.id = $1`, [row.id])));
}

export async function removeShift(sql: Sql, id: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<void> {
  const row = await sql.maybeOne<{ operator_id: string; starts_at: string; ends_at: string }>('DELETE FROM mc.oncall_shifts WHERE id = $1 RETURNING operator_id, starts_at, ends_at', [id]);
  if (!row) throw new McError('NOT_FOUND', 'That on-call shift does not exist in this org (someone may have removed it).');
  await audit({ action: 'oncall.shift_removed', target: { type: 'oncall_shift', id }, data: { operatorId: row.operator_id, startsAt: new Date(row.starts_at).toISOString(), endsAt: new Date(row.ends_at).toISOString() } });
}

/** Whom a step reaches at the moment it fires: the member it resolved to (on-call), or why nobody. */
export async function resolveStep(sql: Sql, target: EscalationTarget, at: Date): Promise<{ operatorId: string | null; unreachable: Unreachable | null }> {
  switch (target.kind) {
    case 'on_call': {
      const shift = await onCallNow(sql, at);
      if (!shift) return { operatorId: null, unreachable: 'nobody_on_call' };
      // The shift was checked when added; the role may have changed since (Members), so ask again.
      const m = await sql.maybeOne<{ role: string }>('SELECT role FROM mc.memberships WHERE org_id = mc.current_org_id() AND operator_id = $1', [shift.operatorId]);
      const unreachable = !m ? 'not_a_member' : m.role !== 'incident_commander' ? 'not_a_commander' : null;
      return { operatorId: shift.operatorId, unreachable };
    }
    case 'role': {
      const any = await sql.maybeOne('SELECT 1 FROM mc.memberships WHERE org_id = mc.current_org_id() AND role = $1 LIMIT 1', [target.role]);
      return { operatorId: null, unreachable: any ? null : 'no_member_in_role' };
    }
    case 'operator': {
      const still = await sql.maybeOne('SELECT 1 FROM mc.memberships WHERE org_id = mc.current_org_id() AND operator_id = $1', [target.operatorId]);
      return { operatorId: target.operatorId, unreachable: still ? null : 'not_a_member' };
    }
  }
}
