import type { ClientBase } from 'pg';

const LOGIN = /^mc_m_[0-9a-f]{24}$/;

/** The login roles a membership has, read as the owner (members see only their own mapping). */
export async function loginsOf(owner: ClientBase, orgId: string, operatorId: string): Promise<string[]> {
  const r = await owner.query<{ role_name: string }>('SELECT role_name FROM mc.member_logins WHERE org_id = $1 AND operator_id = $2 ORDER BY role_name', [orgId, operatorId]);
  return r.rows.map((x) => x.role_name).filter((n) => LOGIN.test(n));
}

/**
 * End logins whose membership is gone: close their open connections and drop the roles. Only
 * roles with no mapping left are touched, so a membership that still exists (a removal rolled
 * back, a login re-made meanwhile) keeps its logins. Closing connections needs the owner to be
 * allowed to signal them; where it is not, the database already shows those sessions nothing.
 */
export async function endOrphanLogins(owner: ClientBase, roles: readonly string[]): Promise<number> {
  let ended = 0;
  for (const role of roles) {
    if (!LOGIN.test(role)) continue;
    const mapped = await owner.query('SELECT 1 FROM mc.member_logins WHERE role_name = $1', [role]);
    if ((mapped.rowCount ?? 0) > 0) continue;
    await owner.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [role]).catch(() => undefined);
    await owner.query(`DROP ROLE IF EXISTS ${owner.escapeIdentifier(role)}`);
    ended++;
  }
  return ended;
}
