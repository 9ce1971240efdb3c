import type { Advisory } from '../../../src-shared/contract/advisories';
import { McError } from '../../../src-shared/contract/errors';
import type { AffectedKind } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import { createIncident } from '../incidents';
import type { Recorder } from '../org';
import { getAdvisory } from './read';

const subject = (id: string) => ({ type: 'advisory', id });

/** The advisory row, locked, for a change: refused when it is closed (its condition cleared). */
async function lockOpen(sql: Sql, id: string): Promise<Advisory> {
  const locked = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.advisories WHERE id = $1 FOR UPDATE', [id]);
  if (!locked) throw new McError('NOT_FOUND', 'No such advisory in this org: run a scan or refresh Advisories for the current list.');
  const a = await getAdvisory(sql, id);
  if (a.state === 'closed') throw new McError('CONFLICT', `This advisory closed at ${a.closedAt?.slice(0, 16).replace('T', ' ')} UTC (${a.closedReason}); nothing to do.`);
  return a;
}

/** Acknowledged: someone knows and says why it may stay open; the next scans still refresh it and close it when it clears. */
export async function acknowledgeAdvisory(sql: Sql, rec: Recorder, input: { advisoryId: string; reason: string }): Promise<Advisory> {
  const a = await lockOpen(sql, input.advisoryId);
  if (a.state === 'acknowledged') throw new McError('CONFLICT', `${a.acknowledgedBy ?? 'Someone'} already acknowledged this advisory: “${a.ackReason}”.`);
  const proof = await rec.audit({ action: 'advisories.acknowledged', target: subject(a.id), data: { check: a.check, subject: a.subjectLabel, severity: a.severity, reason: input.reason } });
  await sql.query('UPDATE mc.advisories SET acknowledged_at = $2, acknowledged_by = $3, acknowledged_by_name = $4, ack_reason = $5 WHERE id = $1', [
    a.id,
    proof.at,
    rec.actor.id,
    rec.actor.name,
    input.reason,
  ]);
  return getAdvisory(sql, a.id);
}

const INCIDENT_SEVERITY = { critical: 'critical', high: 'high', medium: 'medium', low: 'low' } as const;

/** What the incident touches, when the advisory's subject is on the map. */
async function affectedOf(sql: Sql, a: Advisory): Promise<{ kind: AffectedKind; id: string }[]> {
  const [kind, id] = a.subjectKey.split(':', 2);
  if (kind === 'node' && id) return [{ kind: 'node', id }];
  if (kind === 'node_key' && id) {
    const k = await sql.maybeOne<{ node_id: string }>('SELECT node_id FROM mc.node_keys WHERE id = $1', [id]);
    return k ? [{ kind: 'node', id: k.node_id }] : [];
  }
  return [];
}

/** An incident from the advisory: the advisory names the incident, the incident's summary and timeline name the advisory. */
export async function openIncidentFromAdvisory(sql: Sql, rec: Recorder, advisoryId: string): Promise<Advisory> {
  const a = await lockOpen(sql, advisoryId);
  if (a.incidentId) throw new McError('CONFLICT', `This advisory already has incident ${a.incidentRef}: open it from Incidents.`);
  const { incident } = await createIncident(sql, rec, {
    title: `${a.checkLabel}: ${a.subjectLabel}`.slice(0, 200),
    severity: INCIDENT_SEVERITY[a.severity],
    summary: `From advisory ${a.id} (${a.checkLabel}). Evidence: ${a.evidence} Fix: ${a.fix}`.slice(0, 4000),
    drill: false,
    affected: await affectedOf(sql, a),
  });
  await rec.audit({ action: 'advisories.incident_opened', target: subject(a.id), data: { check: a.check, subject: a.subjectLabel, incidentId: incident.id, incident: incident.ref } });
  await sql.query('UPDATE mc.advisories SET incident_id = $2 WHERE id = $1', [a.id, incident.id]);
  return getAdvisory(sql, a.id);
}
