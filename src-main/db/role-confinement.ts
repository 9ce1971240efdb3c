import type { ClientBase } from 'pg';

/** What a role the app logs in as, or switches to, may be: nothing more. */
export interface RoleExpectation {
  role: string;
  /** mc_app, mc_definer and mc_ingest never log in; the per-installation logins do. */
  login: boolean;
  /** The only roles it may be a member of (and so SET ROLE to). */
  memberOf: string[];
}

/**
 * The migrations create mc_app, mc_definer and mc_ingest only when missing, because roles are
 * cluster-wide and several databases share them. A role of that name made earlier by someone
 * else (a shared server, a hand-made Supabase setup) is taken as it is, so RLS holds only if that
 * role is as confined as the one the migrations would have made. This lists every way it is not;
 * the caller refuses to connect while the list is non-empty. Fixing a role takes an
 * administrator (BYPASSRLS and SUPERUSER can only be removed by a superuser), so the messages
 * name the statement to run.
 */
export async function roleConfinementProblems(owner: ClientBase, expected: RoleExpectation[]): Promise<string[]> {
  const { rows } = await owner.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean; member_of: string[] }>(
    `SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcanlogin,
            coalesce(array_agg(g.rolname::text ORDER BY g.rolname) FILTER (WHERE g.rolname IS NOT NULL), '{}'::text[]) AS member_of
       FROM pg_roles r
       LEFT JOIN pg_auth_members m ON m.member = r.oid
       LEFT JOIN pg_roles g ON g.oid = m.roleid
      WHERE r.rolname = ANY($1)
      GROUP BY r.rolname, r.rolsuper, r.rolbypassrls, r.rolcanlogin`,
    [expected.map((e) => e.role)],
  );
  const problems: string[] = [];
  for (const e of expected) {
    const r = rows.find((x) => x.rolname === e.role);
    if (!r) {
      problems.push(`role ${e.role} does not exist`);
      continue;
    }
    if (r.rolsuper) problems.push(`role ${e.role} is a superuser (ALTER ROLE ${e.role} NOSUPERUSER)`);
    if (r.rolbypassrls) problems.push(`role ${e.role} bypasses row-level security (ALTER ROLE ${e.role} NOBYPASSRLS)`);
    if (r.rolcanlogin && !e.login) problems.push(`role ${e.role} can log in (ALTER ROLE ${e.role} NOLOGIN)`);
    for (const g of r.member_of) {
      if (!e.memberOf.includes(g)) problems.push(`role ${e.role} is a member of ${g} (REVOKE ${g} FROM ${e.role})`);
    }
  }
  return problems;
}

/** The roles every connection of the app depends on, for an installation's two logins. */
export function appRoleExpectations(authenticator: string, ingestLogin: string): RoleExpectation[] {
  return [
    { role: 'mc_app', login: false, memberOf: [] },
    { role: 'mc_definer', login: false, memberOf: [] },
    { role: 'mc_ingest', login: false, memberOf: [] },
    { role: authenticator, login: true, memberOf: ['mc_app', 'mc_ingest'] },
    { role: ingestLogin, login: true, memberOf: ['mc_ingest'] },
  ];
}
