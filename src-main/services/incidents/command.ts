import { McError } from '../../../src-shared/contract/errors';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import type { Session } from '../../../src-shared/contract/system';
import { canCommand, INCIDENT_STATE_LABELS, incidentRef, isOpen } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import { memberOf, type Recorder } from '../org';
import { type IncidentRow, lockIncident, summaryOf } from './rows';
import { appendTimeline } from './timeline';

function mustBeOpen(r: IncidentRow): void {
  if (!isOpen(r.state)) throw new McError('CONFLICT', `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()}; command ends with the incident.`);
}

/**
 * One commander at a time. An incident commander (or admin) takes command of an incident nobody
 * commands; taking it from someone else is an admin's override, recorded as such. Everyone else
 * asks the commander to hand over.
 */
export async function takeCommand(sql: Sql, rec: Recorder, session: Session, input: { incidentId: string }): Promise<IncidentSummary> {
  if (!canCommand(session.role)) {
    throw new McError('FORBIDDEN', `Your role (${ROLE_LABELS[session.role]}) cannot command incidents: incident commanders and admins can.`);
  }
  const r = await lockIncident(sql, input.incidentId);
  mustBeOpen(r);
  if (r.commander_id === session.operatorId) throw new McError('VALIDATION', `You command ${incidentRef(r.number)} already.`);
  const previous = r.commander_id ? { id: r.commander_id, name: r.commander_name ?? 'a former member' } : null;
  if (previous && session.role !== 'admin') {
    throw new McError('CONFLICT', `${previous.name} commands ${incidentRef(r.number)}. Ask them to hand over (an admin can take over).`);
  }
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: previous ? 'commander_handover' : 'commander_assigned',
    action: previous ? 'incidents.command_taken_over' : 'incidents.command_taken',
    body: previous ? `Took over command from ${previous.name}.` : 'Took command.',
    data: { from: previous, to: { id: session.operatorId, name: session.operatorName }, override: previous !== null },
  });
  await sql.query('UPDATE mc.incidents SET commander_id = $2, updated_at = $3, version = version + 1 WHERE id = $1', [r.id, session.operatorId, entry.at]);
  return summaryOf(sql, r.id);
}

export async function handOver(sql: Sql, rec: Recorder, session: Session, input: { incidentId: string; toOperatorId: string; note?: string | undefined }): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  mustBeOpen(r);
  if (r.commander_id !== session.operatorId && session.role !== 'admin') {
    throw new McError('FORBIDDEN', r.commander_id ? `Only the commander (${r.commander_name ?? 'a former member'}) or an admin can hand over command.` : `Nobody commands ${incidentRef(r.number)}: take command instead.`);
  }
  if (input.toOperatorId === r.commander_id) throw new McError('VALIDATION', 'They command it already.', { toOperatorId: 'Choose someone else.' });
  const to = await memberOf(sql, input.toOperatorId);
  if (!to) throw new McError('VALIDATION', 'That person is not a member of this org.', { toOperatorId: 'Not a member of this org.' });
  if (!canCommand(to.role)) {
    throw new McError('VALIDATION', `${to.name} is ${ROLE_LABELS[to.role].toLowerCase()}; command goes to incident commanders and admins.`, { toOperatorId: 'Choose an incident commander or an admin.' });
  }
  const from = r.commander_id ? { id: r.commander_id, name: r.commander_name ?? 'a former member' } : null;
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: 'commander_handover',
    action: 'incidents.command_handed_over',
    body: input.note || `Handed command to ${to.name}.`,
    data: { from, to: { id: to.id, name: to.name }, override: r.commander_id !== session.operatorId },
  });
  await sql.query('UPDATE mc.incidents SET commander_id = $2, updated_at = $3, version = version + 1 WHERE id = $1', [r.id, to.id, entry.at]);
  return summaryOf(sql, r.id);
}
