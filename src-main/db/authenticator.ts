import { randomBytes } from 'node:crypto';
import type { ClientBase } from 'pg';
import { scramVerifier } from './scram';

/**
 * Each installation logs in to a database through its own role, mc_auth_<instanceId>: LOGIN,
 * NOINHERIT, no privileges of its own, member of mc_app. Every transaction switches to mc_app
 * (SET LOCAL ROLE), so RLS always applies, and a session that resets its role can read nothing.
 * Per-installation roles mean two workstations never rotate each other's password.
 */
export function authenticatorRoleName(instanceId: string): string {
  if (!/^[0-9a-f]{6,32}$/.test(instanceId)) throw new Error('invalid instance id');
  return `mc_auth_${instanceId}`;
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function ingestRoleName(instanceId: string): string {
  if (!/^[0-9a-f]{6,32}$/.test(instanceId)) throw new Error('invalid instance id');
  return `mc_ingest_${instanceId}`;
}

export function gatewayRoleName(instanceId: string): string {
  if (!/^[0-9a-f]{6,32}$/.test(instanceId)) throw new Error('invalid instance id');
  return `mc_gateway_${instanceId}`;
}

/** The installation's advisory-scan login (sql/0054): a member of mc_advisor and nothing more. */
export function advisorRoleName(instanceId: string): string {
  if (!/^[0-9a-f]{6,32}$/.test(instanceId)) throw new Error('invalid instance id');
  return `mc_advisor_${instanceId}`;
}

/** What a login role the app makes must be. */
export interface LoginRoleSpec {
  inherit: boolean;
  memberOf: string[];
}

/**
 * The password handed to ensureLoginRole: `set` changes it on a role that exists; `keep` leaves an
 * existing role's password alone (and is used only to create a missing role). A password change
 * writes a fresh SCRAM verifier into the server's statement log, so it happens only when it must.
 */
export interface LoginPassword {
  password: string;
  mode: 'set' | 'keep';
}

/**
 * Make `role` a LOGIN role as confined as `spec`, touching only what differs: altering an
 * attribute a role already has is not free (BYPASSRLS, even to NOBYPASSRLS, needs a superuser,
 * so a CREATEROLE owner on plain PostgreSQL could never reconnect), and every ALTER lands in
 * statement logs. Returns whether the role was created.
 */
export async function ensureLoginRole(owner: ClientBase, role: string, spec: LoginRoleSpec, pw: LoginPassword): Promise<boolean> {
  const ident = owner.escapeIdentifier(role);
  const { rows } = await owner.query<{ rolcanlogin: boolean; rolinherit: boolean; rolbypassrls: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
    'SELECT rolcanlogin, rolinherit, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const current = rows[0];
  let created = false;
  if (!current) {
    const verifier = owner.escapeLiteral(scramVerifier(pw.password));
    await owner.query(`CREATE ROLE ${ident} LOGIN ${spec.inherit ? 'INHERIT' : 'NOINHERIT'} NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${verifier}`);
    created = true;
  } else {
    const changes: string[] = [];
    if (!current.rolcanlogin) changes.push('LOGIN');
    if (current.rolinherit !== spec.inherit) changes.push(spec.inherit ? 'INHERIT' : 'NOINHERIT');
    if (current.rolbypassrls) changes.push('NOBYPASSRLS');
    if (current.rolcreatedb) changes.push('NOCREATEDB');
    if (current.rolcreaterole) changes.push('NOCREATEROLE');
    if (pw.mode === 'set') changes.push(`PASSWORD ${owner.escapeLiteral(scramVerifier(pw.password))}`);
    if (changes.length > 0) await owner.query(`ALTER ROLE ${ident} ${changes.join(' ')}`);
  }
  const member = await owner.query<{ rolname: string }>(
    `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1`,
    [role],
  );
  const has = new Set(member.rows.map((r) => r.rolname));
  for (const g of spec.memberOf) if (!has.has(g)) await owner.query(`GRANT ${owner.escapeIdentifier(g)} TO ${ident}`);
  return created;
}

/**
 * The installation's own node-agent login (the demo agent, the simulator): it inherits mc_ingest,
 * which may call the ingest function and nothing else.
 */
export const INGEST_LOGIN: LoginRoleSpec = { inherit: true, memberOf: ['mc_ingest'] };

/**
 * The app's login. The app may step into the ingest role inside a transaction (SET LOCAL ROLE), so
 * that the telemetry validation record goes through the real ingest function in the same transaction.
 */
export const AUTHENTICATOR_LOGIN: LoginRoleSpec = { inherit: false, memberOf: ['mc_app', 'mc_ingest'] };

export async function ensureIngestLogin(owner: ClientBase, role: string, password: string, mode: LoginPassword['mode'] = 'set'): Promise<void> {
  await ensureLoginRole(owner, role, INGEST_LOGIN, { password, mode });
}

/**
 * A customer gateway's login (`npm run gateway`): it inherits mc_gateway, which may check customer
 * keys, read one org's routing inputs at a time, store gateway routing decisions and idempotency
 * records, and record metering through mc.gateway_record (sql/0045).
 */
export const GATEWAY_LOGIN: LoginRoleSpec = { inherit: true, memberOf: ['mc_gateway'] };

export async function ensureGatewayLogin(owner: ClientBase, role: string, password: string, mode: LoginPassword['mode'] = 'set'): Promise<void> {
  await ensureLoginRole(owner, role, GATEWAY_LOGIN, { password, mode });
}

export async function ensureAuthenticator(owner: ClientBase, role: string, password: string, mode: LoginPassword['mode'] = 'set'): Promise<void> {
  await ensureLoginRole(owner, role, AUTHENTICATOR_LOGIN, { password, mode });
}

/**
 * The advisory scan's login: it inherits mc_advisor, which may read what the checks need for one
 * org at a time and record findings only through mc.advisories_record (sql/0054). Its own
 * credential, so the scan never runs with an operator's or the app's rights.
 */
export const ADVISOR_LOGIN: LoginRoleSpec = { inherit: true, memberOf: ['mc_advisor'] };

export async function ensureAdvisorLogin(owner: ClientBase, role: string, password: string, mode: LoginPassword['mode'] = 'set'): Promise<void> {
  await ensureLoginRole(owner, role, ADVISOR_LOGIN, { password, mode });
}
