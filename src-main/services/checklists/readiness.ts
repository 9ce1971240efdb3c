import type { ReadinessSubject } from '../../../src-shared/contract/checklists';
import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import { type ItemStatus, progressOf } from '../../../src-shared/domain/checklists';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { memberOf } from '../org';
import { startRun } from './runs';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;
type Readiness = ReadinessSubject['readiness'];

interface SubjectRow {
  id: string;
  name: string;
  detail: string | null;
  tier: ReadinessSubject['tier'];
  readiness: Readiness;
  owner_id: string | null;
  owner_name: string | null;
  run_id: string | null;
  statuses: ItemStatus[] | null;
  open_texts: string[] | null;
  waived_texts: string[] | null;
  blockers: string[] | null;
}

const GATES = (template: string, subject: string) => `
  LEFT JOIN mc.checklist_runs r ON r.org_id = x.org_id AND r.template_key = '${template}' AND r.kind = 'gates' AND r.subject_id = ${subject}
  LEFT JOIN LATERAL (SELECT array_agg(i.status ORDER BY i.position) AS statuses,
                            array_agg(i.text ORDER BY i.position) FILTER (WHERE i.status IN ('open', 'failed')) AS open_texts,
                            array_agg(i.text ORDER BY i.position) FILTER (WHERE i.status = 'skipped') AS waived_texts
                       FROM mc.checklist_items i WHERE i.org_id = r.org_id AND i.run_id = r.id) g ON true`;

const SELECT_CORRIDORS = `
  SELECT x.id, x.name, NULL::text AS detail, NULL::text AS tier, x.readiness, NULL::uuid AS owner_id, NULL::text AS owner_name, r.id AS run_id, g.statuses, g.open_texts,
         g.waived_texts,
         (SELECT array_agg('Site safety checklist of ' || s.name || ': ' || replace(s.safety_checklist, '_', ' ') ORDER BY s.name)
            FROM mc.sites s WHERE s.org_id = x.org_id AND s.corridor_id = x.id AND s.safety_checklist <> 'passed') AS blockers
    FROM mc.corridors x ${GATES('corridor_rollout', 'x.id')}`;

const SELECT_PILOTS = `
  SELECT x.id, x.customer_name AS name, initcap(x.tier) || ' · ' || c.name AS detail, x.tier, x.readiness, x.owner_id, o.display_name AS owner_name,
         r.id AS run_id, g.statuses, g.open_texts, g.waived_texts,
         CASE WHEN c.readiness NOT IN ('ready', 'live') THEN ARRAY['Corridor ' || c.name || ' is ' || c.readiness || ', not ready'] END AS blockers
    FROM mc.pilots x
    JOIN mc.corridors c ON c.org_id = x.org_id AND c.id = x.corridor_id
    LEFT JOIN mc.operators o ON o.id = x.owner_id ${GATES('pilot_acceptance', 'x.id')}`;

function toSubject(type: 'corridor' | 'pilot', r: SubjectRow): ReadinessSubject {
  return {
    subjectType: type,
    id: r.id,
    name: r.name,
    detail: r.detail,
    tier: r.tier,
    readiness: r.readiness,
    owner: r.owner_id ? { id: r.owner_id, name: r.owner_name ?? 'former member' } : null,
    gateRunId: r.run_id,
    progress: r.run_id ? progressOf((r.statuses ?? []).map((status) => ({ status }))) : null,
    openGates: r.open_texts ?? [],
    waivedGates: r.waived_texts ?? [],
    blockers: r.blockers ?? [],
  };
}

export async function readinessOverview(sql: Sql): Promise<{ corridors: ReadinessSubject[]; pilots: ReadinessSubject[] }> {
  const corridors = await sql.query<SubjectRow>(`${SELECT_CORRIDORS} ORDER BY x.name`);
  const pilots = await sql.query<SubjectRow>(`${SELECT_PILOTS} ORDER BY x.customer_name`);
  return { corridors: corridors.map((r) => toSubject('corridor', r)), pilots: pilots.map((r) => toSubject('pilot', r)) };
}

export async function readinessSubject(sql: Sql, type: 'corridor' | 'pilot', id: string): Promise<ReadinessSubject> {
  const r = await sql.maybeOne<SubjectRow>(`${type === 'corridor' ? SELECT_CORRIDORS : SELECT_PILOTS} WHERE x.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', `That ${type} does not exist in this org.`);
  return toSubject(type, r);
}

export async function createPilot(
  sql: Sql,
  session: Session,
  input: { customerName: string; tier: 'pilot' | 'enterprise' | 'sovereign'; corridorId: string; ownerId: string | null },
  now: Date,
  audit: Audit,
): Promise<ReadinessSubject> {
  const corridor = await sql.maybeOne<{ name: string }>('SELECT name FROM mc.corridors WHERE id = $1', [input.corridorId]);
  if (!corridor) throw new McError('VALIDATION', 'That corridor does not exist in this org.', { corridorId: 'Choose a corridor.' });
  if (input.ownerId && !(await memberOf(sql, input.ownerId))) throw new McError('VALIDATION', 'That person is not a member of this org.', { ownerId: 'Choose a member.' });
  const clash = await sql.maybeOne('SELECT 1 FROM mc.pilots WHERE lower(customer_name) = lower($1)', [input.customerName]);
  if (clash) throw new McError('CONFLICT', `There is a pilot for “${input.customerName}” already.`, { customerName: 'This customer has a pilot.' });
  const id = (
    await sql.one<{ id: string }>(
      `INSERT INTO mc.pilots (org_id, customer_name, tier, corridor_id, owner_id, created_by) VALUES (mc.current_org_id(), $1, $2, $3, $4, $5) RETURNING id`,
      [input.customerName, input.tier, input.corridorId, input.ownerId, session.operatorId],
    )
  ).id;
  await audit({ action: 'readiness.pilot_created', target: { type: 'pilot', id }, data: { customer: input.customerName, tier: input.tier, corridor: corridor.name } });
  await startRun(sql, session, { templateKey: 'pilot_acceptance', subjectId: id }, now, audit);
  return readinessSubject(sql, 'pilot', id);
}

export async function prepareGates(sql: Sql, session: Session, input: { subjectType: 'corridor' | 'pilot'; subjectId: string }, now: Date, audit: Audit, unchanged: () => void): Promise<ReadinessSubject> {
  const { created } = await startRun(sql, session, { templateKey: input.subjectType === 'corridor' ? 'corridor_rollout' : 'pilot_acceptance', subjectId: input.subjectId }, now, audit);
  if (!created) unchanged();
  return readinessSubject(sql, input.subjectType, input.subjectId);
}

/**
 * Preparing, ready, live. Ready and live need every gate passed or waived: refused here with the
 * open gates named, and refused again by the database if anything slips past.
 */
export async function setReadiness(
  sql: Sql,
  input: { subjectType: 'corridor' | 'pilot'; subjectId: string; readiness: Readiness },
  audit: Audit,
): Promise<ReadinessSubject> {
  const table = input.subjectType === 'corridor' ? 'mc.corridors' : 'mc.pilots';
  const locked = await sql.maybeOne<{ id: string }>(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [input.subjectId]);
  if (!locked) throw new McError('NOT_FOUND', `That ${input.subjectType} does not exist in this org.`);
  const before = await readinessSubject(sql, input.subjectType, input.subjectId);
  if (before.readiness === input.readiness) throw new McError('VALIDATION', `${before.name} is ${input.readiness} already.`, { readiness: 'Choose another state.' });
  if (input.readiness !== 'preparing') {
    if (!before.gateRunId) throw new McError('CONFLICT', `${before.name} has no go-live gates yet: set them up first, then pass them.`);
    if (before.openGates.length > 0) {
      throw new McError('CONFLICT', `${before.name} cannot be marked ${input.readiness} while ${before.openGates.length === 1 ? 'a gate is' : `${before.openGates.length} gates are`} open or failed: ${before.openGates.join(' ')}`);
    }
    // A corridor is ready only when its sites passed their safety checklists; a pilot goes live
    // only in a ready corridor. The database holds both rules too (migration 0031).
    if (input.subjectType === 'corridor' || input.readiness === 'live') {
      if (before.blockers.length > 0) throw new McError('CONFLICT', `${before.name} cannot be marked ${input.readiness}: ${before.blockers.join('; ')}.`);
    }
  } else if (input.subjectType === 'corridor') {
    const live = await sql.query<{ customer_name: string }>(`SELECT customer_name FROM mc.pilots WHERE corridor_id = $1 AND readiness = 'live' ORDER BY customer_name`, [input.subjectId]);
    if (live.length > 0) throw new McError('CONFLICT', `${before.name} cannot go back to preparing while pilots are live in it: ${live.map((p) => p.customer_name).join(', ')}. Take them out of live first.`);
  }
  await sql.query(`UPDATE ${table} SET readiness = $2 WHERE id = $1`, [input.subjectId, input.readiness]);
  await audit({ action: 'readiness.set', target: { type: input.subjectType, id: input.subjectId }, data: { name: before.name, from: before.readiness, to: input.readiness } });
  return readinessSubject(sql, input.subjectType, input.subjectId);
}
