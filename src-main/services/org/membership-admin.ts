import type { AccessReviewRow, ManagedMember } from '../../../src-shared/contract/members';
import { McError } from '../../../src-shared/contract/errors';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

/**
 * An admin's changes to who may act in the org. The database is the judge (sql/0029: only an
 * active admin may change memberships, and the org keeps one active admin); the checks here say
 * the same thing first, in words, without a round trip to a refused statement.
 */
type Audit = (draft: AuditDraft) => Promise<AuditRecord>;

interface Row {
  id: string;
  name: string;
  email: string;
  role: Role;
  suspended_at: string | null;
  created_at: string;
}

const SELECT = `SELECT o.id, o.display_name AS name, o.email, m.role, m.suspended_at, m.created_at
                  FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id
                 WHERE m.org_id = mc.current_org_id()`;

export const LAST_ADMIN = (step: 'remove' | 'change') => `This is the org's last active admin: make another member admin first, then ${step} this one.`;

function toMember(r: Row, session: Session): ManagedMember {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    status: r.suspended_at ? 'suspended' : 'active',
    suspendedAt: r.suspended_at,
    memberSince: r.created_at,
    self: r.id === session.operatorId,
  };
}

export async function listManagedMembers(sql: Sql, session: Session): Promise<ManagedMember[]> {
  const rows = await sql.query<Row>(`${SELECT} ORDER BY o.display_name, o.id`);
  return rows.map((r) => toMember(r, session));
}

/** The member, locked for this change; a former or unknown member is NOT_FOUND. */
async function lockMember(sql: Sql, operatorId: string): Promise<Row> {
  const r = await sql.maybeOne<Row>(`${SELECT} AND m.operator_id = $1 FOR UPDATE OF m`, [operatorId]);
  if (!r) throw new McError('NOT_FOUND', 'That person is not a member of this org (removed already?). Reload the list.');
  return r;
}

/** Would the org still have an active admin if this member stopped being one? */
async function refuseLastAdmin(sql: Sql, member: Row, step: 'remove' | 'change'): Promise<void> {
  if (member.role !== 'admin' || member.suspended_at) return;
  const others = await sql.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM mc.memberships WHERE org_id = mc.current_org_id() AND role = 'admin' AND suspended_at IS NULL AND operator_id <> $1`,
    [member.id],
  );
  if (others.n === 0) throw new McError('CONFLICT', LAST_ADMIN(step));
}

const who = (m: Row) => ({ name: m.name, email: m.email });

export async function setMemberRole(sql: Sql, session: Session, input: { operatorId: string; role: Role }, audit: Audit, unchanged: () => void): Promise<ManagedMember> {
  const m = await lockMember(sql, input.operatorId);
  if (m.role === input.role) {
    unchanged();
    return toMember(m, session);
  }
  if (input.role !== 'admin') await refuseLastAdmin(sql, m, 'change');
  // Recorded before the change: an admin stepping down is no longer admin once it is made, and the
  // database checks the event's role against the membership as it is at that moment.
  await audit({ action: 'member.role_changed', target: { type: 'operator', id: m.id }, data: { ...who(m), from: m.role, to: input.role, fromLabel: ROLE_LABELS[m.role], toLabel: ROLE_LABELS[input.role] } });
  const r = await sql.one<Row>(
    `WITH u AS (UPDATE mc.memberships SET role = $2 WHERE org_id = mc.current_org_id() AND operator_id = $1 RETURNING *)
     SELECT o.id, o.display_name AS name, o.email, u.role, u.suspended_at, u.created_at FROM u JOIN mc.operators o ON o.id = u.operator_id`,
    [m.id, input.role],
  );
  return toMember(r, session);
}

export async function setMemberSuspended(sql: Sql, session: Session, input: { operatorId: string; suspended: boolean }, audit: Audit): Promise<ManagedMember> {
  const m = await lockMember(sql, input.operatorId);
  if (Boolean(m.suspended_at) === input.suspended) {
    throw new McError('CONFLICT', input.suspended ? `${m.name} is suspended already.` : `${m.name} is not suspended.`);
  }
  if (input.suspended) await refuseLastAdmin(sql, m, 'change');
  // Recorded first, for the same reason as a role change (an admin may suspend themselves).
  await audit({ action: input.suspended ? 'member.suspended' : 'member.reinstated', target: { type: 'operator', id: m.id }, data: { ...who(m), role: m.role } });
  const r = await sql.one<Row>(
    `WITH u AS (UPDATE mc.memberships SET suspended_at = CASE WHEN $2 THEN now() END WHERE org_id = mc.current_org_id() AND operator_id = $1 RETURNING *)
     SELECT o.id, o.display_name AS name, o.email, u.role, u.suspended_at, u.created_at FROM u JOIN mc.operators o ON o.id = u.operator_id`,
    [m.id, input.suspended],
  );
  return toMember(r, session);
}

export async function removeMember(sql: Sql, input: { operatorId: string }, audit: Audit): Promise<void> {
  const m = await lockMember(sql, input.operatorId);
  await refuseLastAdmin(sql, m, 'remove');
  await audit({ action: 'member.removed', target: { type: 'operator', id: m.id }, data: { ...who(m), role: m.role, wasSuspended: Boolean(m.suspended_at) } });
  // The membership's login mappings go with it (ON DELETE CASCADE): its logins see nothing from here on.
  await sql.query('DELETE FROM mc.memberships WHERE org_id = mc.current_org_id() AND operator_id = $1', [m.id]);
}

/**
 * The monthly access review: every member, their role and status, when they last signed in (the
 * newest login made for them) and their newest act in the audit chain.
 */
export async function accessReview(sql: Sql, session: Session): Promise<{ generatedAt: string; orgName: string; rows: AccessReviewRow[] }> {
  if (session.role !== 'admin' && session.role !== 'auditor') {
    throw new McError('FORBIDDEN', `Your role (${ROLE_LABELS[session.role]}) cannot review access. Ask an admin or an auditor.`);
  }
  const rows = await sql.query<Row & { last_sign_in: string | null; last_at: string | null; last_action: string | null }>(
    `SELECT o.id, o.display_name AS name, o.email, m.role, m.suspended_at, m.created_at,
            s.last_sign_in, a.at AS last_at, a.action AS last_action
       FROM mc.memberships m
       JOIN mc.operators o ON o.id = m.operator_id
       LEFT JOIN mc.member_last_sign_in() s ON s.operator_id = m.operator_id
       LEFT JOIN LATERAL (SELECT e.at, e.action FROM mc.audit_events e
                           WHERE e.org_id = m.org_id AND e.actor_id = m.operator_id ORDER BY e.seq DESC LIMIT 1) a ON true
      WHERE m.org_id = mc.current_org_id()
      ORDER BY o.display_name, o.id`,
  );
  const now = await sql.one<{ now: string }>('SELECT now() AS now');
  return {
    generatedAt: now.now,
    orgName: session.orgName,
    rows: rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      status: r.suspended_at ? 'suspended' : 'active',
      memberSince: r.created_at,
      lastSignIn: r.last_sign_in,
      lastAction: r.last_at && r.last_action ? { at: r.last_at, action: r.last_action } : null,
    })),
  };
}
