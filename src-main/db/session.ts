import type { Pool } from 'pg';
import type { Session } from '../../src-shared/contract/system';
import { withOrgTx } from './org-tx';

/**
 * Who an e-mail address is in this database (its first org), and whether that org is simulated:
 * read from the org's own record, so every view can say "simulated" without guessing from a name.
 * Null when the address is a member of no org.
 */
export async function sessionFor(pool: Pool, email: string): Promise<Session | null> {
  const rows = await withOrgTx(pool, null, (sql) =>
    sql.query<{ operator_id: string; display_name: string; email: string; org_id: string; org_name: string; role: Session['role'] }>('SELECT * FROM mc.resolve_operator($1)', [email]),
  );
  const first = rows[0];
  if (!first) return null;
  const scope = { orgId: first.org_id, operatorId: first.operator_id, role: first.role };
  const org = await withOrgTx(pool, scope, (sql) => sql.maybeOne<{ simulated: boolean }>('SELECT simulated FROM mc.orgs WHERE id = mc.current_org_id()'));
  return {
    operatorId: first.operator_id,
    operatorName: first.display_name,
    email: first.email,
    orgId: first.org_id,
    orgName: first.org_name,
    orgSimulated: org?.simulated ?? false,
    role: first.role,
  };
}
