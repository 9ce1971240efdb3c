import type { Member } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import type { Sql } from '../../db';

export async function listMembers(sql: Sql): Promise<Member[]> {
  return sql.query<Member>(
    `SELECT o.id, o.display_name AS name, o.email, m.role
       FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id
      WHERE m.org_id = mc.current_org_id()
      ORDER BY o.display_name`,
  );
}

export async function memberOf(sql: Sql, operatorId: string): Promise<Member | null> {
  return sql.maybeOne<Member>(
    `SELECT o.id, o.display_name AS name, o.email, m.role
       FROM mc.memberships m JOIN mc.operators o ON o.id = m.operator_id
      WHERE m.org_id = mc.current_org_id() AND o.id = $1`,
    [operatorId],
  );
}

/** "every incident commander", "Dana Ortiz": who an escalation step or gate names, in words. */
export function roleGroup(role: Role): string {
  return `every ${ROLE_LABELS[role].toLowerCase()}`;
}
