import type { ClientBase } from 'pg';
import { McError } from '../../../src-shared/contract/errors';
import type { Role } from '../../../src-shared/contract/roles';
import type { Session } from '../../../src-shared/contract/system';
import { sqlOf } from '../../db/sql';
import { appendAudit } from '../audit/append';

/** An identity the provider (or the OS, on the embedded database) vouched for. */
export interface ProvenIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
}

export interface LinkedMember {
  orgId: string;
  orgName: string;
  orgSimulated: boolean;
  operatorId: string;
  email: string;
  displayName: string;
  role: Role;
}

/** The membership an identity is linked to (the first by org name), read on the owner connection. */
export async function linkedMembership(owner: ClientBase, who: { issuer: string; subject: string }): Promise<LinkedMember | null> {
  const r = await owner.query<{ org_id: string; org_name: string; simulated: boolean; operator_id: string; email: string; display_name: string; role: Role }>(
    `SELECT l.org_id, g.name AS org_name, g.simulated, l.operator_id, o.email, o.display_name, m.role
       FROM mc.identity_links l
       JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
       JOIN mc.operators o ON o.id = l.operator_id
       JOIN mc.orgs g ON g.id = l.org_id
      WHERE l.issuer = $1 AND l.subject = $2
      ORDER BY g.name, g.id
      LIMIT 1`,
    [who.issuer, who.subject],
  );
  const row = r.rows[0];
  return row
    ? { orgId: row.org_id, orgName: row.org_name, orgSimulated: row.simulated, operatorId: row.operator_id, email: row.email, displayName: row.display_name, role: row.role }
    : null;
}

/**
 * Write an event into the member's org chain from the owner connection, inside its transaction:
 * the settings name the member for this transaction only, and the audit policy still checks that
 * the actor is that member under their own name and role.
 */
export async function auditAsMember(owner: ClientBase, m: LinkedMember, draft: { action: string; target: { type: string; id: string | null }; data: Record<string, unknown> }): Promise<void> {
  await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.operator_id', $2, true), set_config('mc.role', $3, true)`, [m.orgId, m.operatorId, m.role]);
  const session: Session = { operatorId: m.operatorId, operatorName: m.displayName, email: m.email, orgId: m.orgId, orgName: m.orgName, orgSimulated: m.orgSimulated, role: m.role };
  await appendAudit(sqlOf(owner), session, draft, { reason: null, requestId: null });
}

/**
 * The owner-connection step of a sign-in: the identity must be linked to a membership; the
 * sign-in is counted on the link and recorded in that org's chain. Runs inside the transaction
 * that also makes the member login (DatabaseManager.signInWith), so either all of it lands or none.
 */
export async function recordSignIn(owner: ClientBase, who: ProvenIdentity, method: 'oidc' | 'os-user'): Promise<LinkedMember> {
  const member = await linkedMembership(owner, who);
  if (!member) {
    throw new McError(
      'FORBIDDEN',
      `The identity provider signed you in${who.email ? ` as ${who.email}` : ''}, but that identity is not linked to any membership in this database. Ask an admin of your organisation for an invitation, then accept it with its code.`,
    );
  }
  await owner.query(
    `UPDATE mc.identity_links SET last_sign_in_at = now(), sign_in_count = sign_in_count + 1
      WHERE org_id = $1 AND issuer = $2 AND subject = $3`,
    [member.orgId, who.issuer, who.subject],
  );
  await auditAsMember(owner, member, { action: 'identity.signed_in', target: { type: 'operator', id: member.operatorId }, data: { method, issuer: who.issuer } });
  return member;
}
