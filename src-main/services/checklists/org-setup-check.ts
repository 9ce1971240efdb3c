import type { CheckAnswer } from '../../../src-shared/domain/checklists';
import type { Sql } from '../../db';

/**
 * The pilot gate "Organization setup works", answered from records: the org was created through
 * the app (its chain holds the org.created event, credited to the person who became its first
 * admin) and it has an active admin now.
 * An org loaded by SQL (the demo seed, a hand-written script) has no such event: the gate says so
 * rather than pass on the strength of rows anyone with the owner's password could write.
 */
export async function orgSetupAnswer(sql: Sql): Promise<CheckAnswer> {
  const r = await sql.one<{ created_seq: number | null; created_at: string | null; created_by: string | null; admins: number; suspended_admins: number; members: number }>(
    `SELECT (SELECT e.seq FROM mc.audit_events e WHERE e.org_id = mc.current_org_id() AND e.action = 'org.created' ORDER BY e.seq LIMIT 1) AS created_seq,
            (SELECT e.at FROM mc.audit_events e WHERE e.org_id = mc.current_org_id() AND e.action = 'org.created' ORDER BY e.seq LIMIT 1) AS created_at,
            (SELECT e.actor_name FROM mc.audit_events e WHERE e.org_id = mc.current_org_id() AND e.action = 'org.created' ORDER BY e.seq LIMIT 1) AS created_by,
            (SELECT count(*)::int FROM mc.memberships m WHERE m.org_id = mc.current_org_id() AND m.role = 'admin' AND m.suspended_at IS NULL) AS admins,
            (SELECT count(*)::int FROM mc.memberships m WHERE m.org_id = mc.current_org_id() AND m.role = 'admin' AND m.suspended_at IS NOT NULL) AS suspended_admins,
            (SELECT count(*)::int FROM mc.memberships m WHERE m.org_id = mc.current_org_id()) AS members`,
  );
  const members = { type: 'view', id: 'members', label: 'Members' };
  if (r.admins === 0) {
    return { ok: false, summary: `The org has no active admin${r.suspended_admins ? ` (${r.suspended_admins} suspended)` : ''}: nobody can manage its members.`, record: members };
  }
  if (r.created_seq === null) {
    return {
      ok: false,
      summary: `No org.created record in this org's audit chain: it was loaded by SQL (e.g. the demo seed), not created in the app. Create the organisation from Connections on a fresh database to prove setup works.`,
      record: members,
    };
  }
  const admins = `${r.admins} active admin${r.admins === 1 ? '' : 's'}, ${r.members} member${r.members === 1 ? '' : 's'}`;
  return {
    ok: true,
    summary: `Created in the app by ${r.created_by ?? 'its first admin'} on ${r.created_at?.slice(0, 10) ?? '?'} (audit #${r.created_seq}); ${admins}.`,
    record: { type: 'audit', id: String(r.created_seq), label: `org.created, audit #${r.created_seq}` },
  };
}
