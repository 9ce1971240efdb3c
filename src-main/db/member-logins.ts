import { randomBytes } from 'node:crypto';
import type { ClientBase } from 'pg';
import { ensureLoginRole, type LoginRoleSpec, newSecret } from './authenticator';

/**
 * A signed-in membership's own way into the database: a login role mc_m_<24 hex>, mapped to one
 * (org, operator) in mc.member_logins. The database derives the acting org, operator and role
 * from session_user through that mapping (sql/0017), so nothing the workstation sets per
 * transaction or sends in a payload can make it act as someone else. Its password is random and
 * lives only in the keychain of the workstation that signed in.
 */
export interface MemberLogin {
  role: string;
  password: string;
  /** Whose login it is, as the membership said when it was made (the database stays the judge). */
  email: string;
}

/** Same confinement as the installation's authenticator: NOINHERIT, steps into mc_app per transaction. */
export const MEMBER_LOGIN: LoginRoleSpec = { inherit: false, memberOf: ['mc_app', 'mc_ingest'] };

export function memberLoginName(): string {
  return `mc_m_${randomBytes(12).toString('hex')}`;
}

/** The keychain value: role and password together, so one never outlives the other. */
export function encodeMemberLogin(l: MemberLogin): string {
  return JSON.stringify({ role: l.role, password: l.password, email: l.email });
}

export function decodeMemberLogin(value: string | null): MemberLogin | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as Partial<MemberLogin>;
    if (typeof v.role === 'string' && /^mc_m_[0-9a-f]{24}$/.test(v.role) && typeof v.password === 'string' && v.password.length >= 32 && typeof v.email === 'string') {
      return { role: v.role, password: v.password, email: v.email };
    }
  } catch {
    // A damaged entry is no credential.
  }
  return null;
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The membership an e-mail has in this database (the first by org name), asked through the definer function. */
export async function membershipOf(owner: ClientBase, email: string): Promise<{ orgId: string; operatorId: string; email: string } | null> {
  const r = await owner.query<{ org_id: string; operator_id: string; email: string }>('SELECT org_id, operator_id, email FROM mc.resolve_operator($1) LIMIT 1', [email]);
  const row = r.rows[0];
  return row ? { orgId: row.org_id, operatorId: row.operator_id, email: row.email } : null;
}

/**
 * Make a new login for one membership, as the database's owner (it needs CREATEROLE). Called
 * where a person has just proven who they are: the embedded database's first start (the OS user
 * is the operator), creating an org, accepting an invitation, signing in with the identity
 * provider. Never from a typed e-mail alone.
 */
export async function createMemberLogin(owner: ClientBase, member: { orgId: string; operatorId: string; email: string }): Promise<MemberLogin> {
  const { orgId, operatorId } = member;
  const login: MemberLogin = { role: memberLoginName(), password: newSecret(), email: member.email };
  await ensureLoginRole(owner, login.role, MEMBER_LOGIN, { password: login.password, mode: 'set' });
  try {
    await owner.query('INSERT INTO mc.member_logins (role_name, org_id, operator_id) VALUES ($1, $2, $3)', [login.role, orgId, operatorId]);
  } catch (err) {
    await owner.query(`DROP ROLE IF EXISTS ${owner.escapeIdentifier(login.role)}`).catch(() => undefined);
    throw err;
  }
  return login;
}

/** End a login: its mapping first (its next statement sees nothing), then the role. */
export async function dropMemberLogin(owner: ClientBase, role: string): Promise<void> {
  if (!/^mc_m_[0-9a-f]{24}$/.test(role)) throw new Error('not a member login');
  await owner.query('DELETE FROM mc.member_logins WHERE role_name = $1', [role]);
  await owner.query(`DROP ROLE IF EXISTS ${owner.escapeIdentifier(role)}`);
}
