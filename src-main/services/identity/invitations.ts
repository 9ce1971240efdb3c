import { randomBytes } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { Invitation } from '../../../src-shared/contract/identity';
import { McError } from '../../../src-shared/contract/errors';
import type { Role } from '../../../src-shared/contract/roles';
import type { Session } from '../../../src-shared/contract/system';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';
import { auditAsMember, type LinkedMember, type ProvenIdentity } from './sign-in';

// Crockford-style alphabet: no I, L, O or U, so a code read aloud or retyped survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh code: 20 characters of 32 symbols, 100 bits. Shown once; only its hash is stored. */
export function newInvitationCode(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => ALPHABET[b % 32]).join('');
  return `MC-${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10, 15)}-${chars.slice(15, 20)}`;
}

/** The stored form: case, dashes and look-alike letters do not matter to whoever retypes it. */
export function invitationCodeHash(code: string): string {
  const norm = code.toUpperCase().replace(/[^0-9A-Z]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return sha256Hex(`mc-invitation:${norm}`);
}

/** Timestamps arrive as ISO strings or Dates depending on the pool's type parsers; one form on the wire. */
type Stamp = Date | string;
const iso = (v: Stamp): string => new Date(v).toISOString();

interface Row {
  id: string;
  email: string;
  role: Role;
  created_at: Stamp;
  created_by_name: string | null;
  expires_at: Stamp;
  accepted_at: Stamp | null;
  withdrawn_at: Stamp | null;
}

function toInvitation(r: Row, now = new Date()): Invitation {
  const status = r.accepted_at ? 'accepted' : r.withdrawn_at ? 'withdrawn' : new Date(r.expires_at) <= now ? 'expired' : 'outstanding';
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    status,
    createdAt: iso(r.created_at),
    createdBy: r.created_by_name,
    expiresAt: iso(r.expires_at),
    acceptedAt: r.accepted_at ? iso(r.accepted_at) : null,
    withdrawnAt: r.withdrawn_at ? iso(r.withdrawn_at) : null,
  };
}

const SELECT = `SELECT i.id, i.email, i.role, i.created_at, o.display_name AS created_by_name, i.expires_at, i.accepted_at, i.withdrawn_at
                  FROM mc.invitations i LEFT JOIN mc.operators o ON o.id = i.created_by`;

export async function listInvitations(sql: Sql): Promise<Invitation[]> {
  const rows = await sql.query<Row>(`${SELECT} ORDER BY (i.accepted_at IS NULL AND i.withdrawn_at IS NULL AND i.expires_at > now()) DESC, i.created_at DESC LIMIT 500`);
  return rows.map((r) => toInvitation(r));
}

/** Issue an invitation as the signed-in admin (RLS insists on that too). */
export async function createInvitation(sql: Sql, session: Session, input: { email: string; role: Role; expiresInMinutes: number }): Promise<{ invitation: Invitation; code: string }> {
  const code = newInvitationCode();
  const member = await sql.maybeOne<{ n: number }>(
    `SELECT 1 AS n FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id WHERE m.org_id = $1 AND lower(o.email) = lower($2)`,
    [session.orgId, input.email],
  );
  if (member) throw new McError('CONFLICT', `${input.email} is already a member of ${session.orgName}.`, { email: 'Invite someone who is not a member yet.' });
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.invitations (org_id, email, role, code_hash, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6)) RETURNING id`,
    [session.orgId, input.email.trim(), input.role, invitationCodeHash(code), session.operatorId, input.expiresInMinutes],
  );
  const invitation = toInvitation(await sql.one<Row>(`${SELECT} WHERE i.id = $1`, [row.id]));
  return { invitation, code };
}

export async function withdrawInvitation(sql: Sql, session: Session, id: string): Promise<Invitation> {
  // No FOR UPDATE on the read: the withdraw policy hides rows already spent from a locking read,
  // which would make "already withdrawn" look like "no such invitation". The guarded UPDATE decides.
  const current = await sql.maybeOne<Row>(`${SELECT} WHERE i.id = $1`, [id]);
  if (!current) throw new McError('NOT_FOUND', 'There is no such invitation in this org.');
  const inv = toInvitation(current);
  if (inv.status !== 'outstanding') throw new McError('CONFLICT', `That invitation is already ${inv.status}; only an outstanding one can be withdrawn.`);
  const done = await sql.query('UPDATE mc.invitations SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1 AND accepted_at IS NULL AND withdrawn_at IS NULL RETURNING id', [id, session.operatorId]);
  if (done.length === 0) throw new McError('CONFLICT', 'That invitation was accepted or withdrawn meanwhile.');
  return toInvitation(await sql.one<Row>(`${SELECT} WHERE i.id = $1`, [id]));
}

/**
 * Accept an invitation on the owner connection, inside the transaction that also makes the
 * invitee's member login: the code must be known, outstanding, unexpired, for an org that still
 * exists, and (when the identity provider vouches for an e-mail) for that e-mail. The identity is
 * then linked to a new membership with the invited role, the invitation is spent, and the org's
 * chain records both who accepted and that they signed in.
 */
export async function acceptInvitation(owner: ClientBase, code: string, who: ProvenIdentity, method: 'oidc' | 'os-user'): Promise<LinkedMember> {
  const r = await owner.query<{ id: string; org_id: string; email: string; role: Role; expires_at: Stamp; accepted_at: Stamp | null; withdrawn_at: Stamp | null; expired: boolean; org_name: string | null; simulated: boolean | null }>(
    `SELECT i.id, i.org_id, i.email, i.role, i.expires_at, i.accepted_at, i.withdrawn_at, i.expires_at <= now() AS expired, g.name AS org_name, g.simulated
       FROM mc.invitations i LEFT JOIN mc.orgs g ON g.id = i.org_id
      WHERE i.code_hash = $1 FOR UPDATE OF i`,
    [invitationCodeHash(code)],
  );
  const inv = r.rows[0];
  if (!inv) throw new McError('NOT_FOUND', 'That invitation code is not known in this database. Check it was typed exactly as given, and that this is the organisation’s database.', { code: 'Type the code exactly as the admin gave it.' });
  if (inv.org_name === null) throw new McError('CONFLICT', 'The organisation this invitation was for has been removed. Nothing was joined.');
  if (inv.accepted_at) throw new McError('CONFLICT', 'That invitation was already used: a code works once. Ask an admin for a new invitation if you still need one.');
  if (inv.withdrawn_at) throw new McError('CONFLICT', 'That invitation was withdrawn by an admin. Ask them for a new one.');
  if (inv.expired) throw new McError('CONFLICT', `That invitation expired at ${iso(inv.expires_at).replace('T', ' ').slice(0, 16)} UTC. Ask an admin for a new one.`);
  if (who.email && who.email.toLowerCase() !== inv.email.toLowerCase()) {
    throw new McError('FORBIDDEN', `That invitation is for ${inv.email}, but the identity provider signed you in as ${who.email}. Sign in with the invited account, or ask the admin to invite ${who.email}.`);
  }
  // Inserts under the org's admin-only policies: the owner acts for this transaction as that org.
  await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [inv.org_id]);
  const clash = await owner.query('SELECT 1 FROM mc.identity_links WHERE org_id = $1 AND issuer = $2 AND subject = $3', [inv.org_id, who.issuer, who.subject]);
  if (clash.rowCount) throw new McError('CONFLICT', `This identity already signs in as a member of ${inv.org_name}. Sign in instead of accepting an invitation.`);
  const existing = await owner.query<{ id: string; display_name: string; email: string }>('SELECT id, display_name, email FROM mc.operators WHERE lower(email) = lower($1)', [inv.email]);
  let person = existing.rows[0];
  if (person) {
    const already = await owner.query('SELECT 1 FROM mc.memberships WHERE org_id = $1 AND operator_id = $2', [inv.org_id, person.id]);
    if (already.rowCount) throw new McError('CONFLICT', `${inv.email} is already a member of ${inv.org_name}. Sign in instead.`);
  } else {
    const displayName = (who.name ?? inv.email.split('@')[0] ?? inv.email).slice(0, 200);
    const made = await owner.query<{ id: string; display_name: string; email: string }>('INSERT INTO mc.operators (email, display_name) VALUES ($1, $2) RETURNING id, display_name, email', [inv.email, displayName]);
    person = made.rows[0];
  }
  if (!person) throw new Error('operator row missing');
  await owner.query('INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, $3)', [inv.org_id, person.id, inv.role]);
  await owner.query(
    `INSERT INTO mc.identity_links (org_id, operator_id, issuer, subject, last_sign_in_at, sign_in_count) VALUES ($1, $2, $3, $4, now(), 1)`,
    [inv.org_id, person.id, who.issuer, who.subject],
  );
  await owner.query(
    'UPDATE mc.invitations SET accepted_at = now(), accepted_by = $2, accepted_issuer = $3, accepted_subject = $4 WHERE id = $1',
    [inv.id, person.id, who.issuer, who.subject],
  );
  const member: LinkedMember = { orgId: inv.org_id, orgName: inv.org_name, orgSimulated: inv.simulated ?? false, operatorId: person.id, email: person.email, displayName: person.display_name, role: inv.role };
  await auditAsMember(owner, member, { action: 'invitation.accepted', target: { type: 'invitation', id: inv.id }, data: { email: inv.email, role: inv.role, method, issuer: who.issuer } });
  await auditAsMember(owner, member, { action: 'identity.signed_in', target: { type: 'operator', id: member.operatorId }, data: { method, issuer: who.issuer } });
  return member;
}
