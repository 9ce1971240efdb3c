import type { ClientBase } from 'pg';

/** What a data-plane login is for (sql/0058, mc.login_orgs.purpose). */
export type LoginPurpose = 'gateway' | 'advisor' | 'ingest';

/**
 * Bind a data-plane login to the orgs it may act for (sql/0058). Only the owner connection that
 * made the login and its grants may write mc.login_orgs, so this takes that connection. Idempotent:
 * an existing binding keeps its first grant's who and when. Nothing is unbound here.
 */
export async function bindLoginOrgs(owner: ClientBase, role: string, purpose: LoginPurpose, orgIds: readonly string[]): Promise<void> {
  if (orgIds.length === 0) return;
  await owner.query(
    `INSERT INTO mc.login_orgs (role_name, org_id, purpose) SELECT $1, o, $3 FROM unnest($2::uuid[]) AS o
     ON CONFLICT (role_name, org_id) DO NOTHING`,
    [role, [...new Set(orgIds)], purpose],
  );
}

/** The org a member login acts for (mc.member_logins), read through the owner connection. */
export async function memberLoginOrg(owner: ClientBase, memberRole: string): Promise<string | null> {
  const r = await owner.query<{ org_id: string }>('SELECT org_id FROM mc.member_logins WHERE role_name = $1', [memberRole]);
  return r.rows[0]?.org_id ?? null;
}

/**
 * Said once when a data-plane process starts (gateway, telemetry door): a login bound to no org
 * has every request refused (sql/0058), which should be found in the first minute of a rollout,
 * not from customers' errors. Never fails the start: the database may be restarting.
 */
export async function warnIfUnbound(pool: { query: ClientBase['query'] }, log: { warn(o: object, msg: string): void }, what: string): Promise<number | null> {
  try {
    const r = await pool.query<{ n: number; dp: boolean; who: string }>('SELECT mc.login_bound_org_count() AS n, mc.data_plane_login() AS dp, session_user::text AS who');
    const row = r.rows[0];
    if (!row) return null;
    if (row.dp && row.n === 0) {
      log.warn(
        { login: row.who },
        `${what}: database login ${row.who} is bound to no org, so every request it serves is refused. The database owner binds it: INSERT INTO mc.login_orgs (role_name, org_id, purpose) VALUES (…) (docs/security.md, "Data-plane logins and their orgs").`,
      );
    }
    return row.n;
  } catch {
    return null;
  }
}
