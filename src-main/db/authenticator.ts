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

/**
 * The installation's own node-agent login (the demo agent, the simulator): it inherits mc_ingest,
 * which may call the ingest function and nothing else.
 */
export async function ensureIngestLogin(owner: ClientBase, role: string, password: string): Promise<void> {
  const ident = owner.escapeIdentifier(role);
  const verifier = owner.escapeLiteral(scramVerifier(password));
  const exists = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0) {
    await owner.query(`CREATE ROLE ${ident} LOGIN INHERIT NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${verifier}`);
  } else {
    await owner.query(`ALTER ROLE ${ident} LOGIN INHERIT NOBYPASSRLS PASSWORD ${verifier}`);
  }
  await owner.query(`GRANT mc_ingest TO ${ident}`);
}

export async function ensureAuthenticator(owner: ClientBase, role: string, password: string): Promise<void> {
  const ident = owner.escapeIdentifier(role);
  const verifier = owner.escapeLiteral(scramVerifier(password));
  const exists = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0) {
    await owner.query(`CREATE ROLE ${ident} LOGIN NOINHERIT NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${verifier}`);
  } else {
    await owner.query(`ALTER ROLE ${ident} LOGIN NOINHERIT NOBYPASSRLS PASSWORD ${verifier}`);
  }
  await owner.query(`GRANT mc_app TO ${ident}`);
  // The app may step into the ingest role inside a transaction (SET LOCAL ROLE), so that the
  // telemetry validation record goes through the real ingest function in the same transaction.
  await owner.query(`GRANT mc_ingest TO ${ident}`);
}
