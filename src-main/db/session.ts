import type { Pool } from 'pg';
import type { Session } from '../../src-shared/contract/system';
import { withOrgTx } from './org-tx';

/**
 * Who a member login is in this database, as the database derives it from the login the pool
 * authenticated as (mc.whoami, sql/0017): never looked up by a typed e-mail. Whether that org is
 * simulated is read from the org's own record, so every view can say "simulated" without guessing
 * from a name. Null when the login no longer belongs to a membership.
 */
export async function sessionFor(member: Pool): Promise<Session | null> {
  const rows = await withOrgTx(member, null, (sql) =>
    sql.query<{ operator_id: string; display_name: string; email: string; org_id: string; org_name: string; role: Session['role']; simulated: boolean | null }>(
      'SELECT w.*, g.simulated FROM mc.whoami() w LEFT JOIN mc.orgs g ON g.id = w.org_id',
    ),
  );
  const first = rows[0];
  if (!first) return null;
  return {
    operatorId: first.operator_id,
    operatorName: first.display_name,
    email: first.email,
    orgId: first.org_id,
    orgName: first.org_name,
    orgSimulated: first.simulated ?? false,
    role: first.role,
  };
}
