import type { Response } from '../../../src-shared/contract';
import { McError } from '../../../src-shared/contract/errors';
import { INCIDENT_STATE_LABELS, incidentRef, isOpen } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { Recorder } from '../org';
import { incidentRow, type IncidentRow, lockIncident, summaryOf } from './rows';
import { appendTimeline } from './timeline';

/**
 * The most nodes one drain from an incident takes out of service (one transaction, one audit event
 * per node). An incident naming more is refused: name the sites or nodes that matter, or run a
 * failover drill of the corridor.
 */
export const MAX_INCIDENT_DRAIN = 500;
/** Hostnames a timeline entry lists; its data keeps every node id, and each node has its own audit event. */
const ENTRY_HOSTNAMES = 50;

type DrainNode = Response<'incidents.drainPlan'>['drainable'][number];

const NODE_COLUMNS = `n.id, n.hostname, s.name AS "siteName", n.lifecycle`;

/** How many corridors an incident names (never drained whole from it). */
async function namedCorridors(sql: Sql, incidentId: string): Promise<number> {
  return (await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM mc.incident_affected WHERE incident_id = $1 AND kind = 'corridor'`, [incidentId])).n;
}

/** The nodes an incident names: directly, or as every node of a site it names. Corridors are not widened. */
async function namedNodes(sql: Sql, incidentId: string): Promise<DrainNode[]> {
  return sql.query<DrainNode>(
    `SELECT DISTINCT ${NODE_COLUMNS}
       FROM mc.incident_affected a
       JOIN mc.nodes n ON n.org_id = a.org_id AND ((a.kind = 'node' AND n.id = a.target_id) OR (a.kind = 'site' AND n.site_id = a.target_id))
       JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      WHERE a.incident_id = $1
      ORDER BY n.hostname`,
    [incidentId],
  );
}

type ListedNode = DrainNode & { ours: boolean; movedSince: boolean };

/**
 * Every node this incident's drain entries list, and where each stands: still draining because
 * of it (its latest lifecycle change is this incident's drain: `ours`), or moved since by someone
 * else, under Nodes or by a drill (`movedSince`), which is theirs to put back and is left as it is.
 * A node this incident already put back is neither.
 */
async function listedNodes(sql: Sql, incidentId: string): Promise<ListedNode[]> {
  const rows = await sql.query<DrainNode & { last_incident: string | null; last_to: string | null }>(
    `WITH listed AS (
       SELECT DISTINCT x.id::uuid AS id
         FROM mc.incident_events ev CROSS JOIN LATERAL jsonb_array_elements_text(ev.data->'nodeIds') AS x(id)
        WHERE ev.incident_id = $1 AND ev.kind = 'nodes_drained')
     SELECT ${NODE_COLUMNS}, last.data->>'incidentId' AS last_incident, last.data->>'to' AS last_to
       FROM listed l
       JOIN mc.nodes n ON n.id = l.id
       JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
       LEFT JOIN LATERAL (
         SELECT e.data FROM mc.audit_events e
          WHERE e.org_id = n.org_id AND e.target_type = 'node' AND e.target_id = n.id::text AND e.action = 'nodes.lifecycle_changed'
          ORDER BY e.seq DESC LIMIT 1) last ON true
      ORDER BY n.hostname`,
    [incidentId],
  );
  return rows.map(({ last_incident, last_to, ...n }) => ({
    ...n,
    ours: n.lifecycle === 'draining' && last_incident === incidentId && last_to === 'draining',
    movedSince: last_incident !== incidentId,
  }));
}

const plain = ({ ours: _o, movedSince: _m, ...n }: ListedNode): DrainNode => n;

function mustBeOpen(r: IncidentRow, what: string): void {
  if (!isOpen(r.state)) {
    throw new McError('CONFLICT', `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()}: ${what} only from an open incident. Drain or restore nodes under Nodes instead.`);
  }
}

/**
 * Move the given nodes from one lifecycle to the other for an incident, and record it: one
 * nodes.lifecycle_changed event per node (with the incident's id) and one timeline entry with the
 * reason. Only rows still in `from` move: the UPDATE re-checks each row's lifecycle as it locks it,
 * so a node another operator moved meanwhile is not flipped back.
 */
async function moveFor(
  sql: Sql,
  rec: Recorder,
  incidentId: string,
  nodes: readonly DrainNode[],
  move: { from: 'active' | 'draining'; to: 'active' | 'draining'; kind: 'nodes_drained' | 'nodes_restored'; reason: string; extra?: Record<string, unknown> },
): Promise<DrainNode[]> {
  const rows = await sql.query<{ id: string }>(`UPDATE mc.nodes SET lifecycle = $2 WHERE id = ANY ($1::uuid[]) AND lifecycle = $3 RETURNING id`, [nodes.map((n) => n.id), move.to, move.from]);
  const ids = new Set(rows.map((m) => m.id));
  const moved = nodes.filter((n) => ids.has(n.id)).map((n) => ({ ...n, lifecycle: move.to }));
  // All of them moved by someone else between the read and this update: nothing to record.
  if (moved.length === 0) throw new McError('CONFLICT', `None of these nodes is ${move.from} any more (someone moved them just now): open the dialog again to see where they stand.`);
  for (const n of moved) {
    await rec.audit({ action: 'nodes.lifecycle_changed', target: { type: 'node', id: n.id }, data: { hostname: n.hostname, from: move.from, to: move.to, incidentId } });
  }
  const entry = await appendTimeline(sql, rec, incidentId, {
    kind: move.kind,
    action: `incidents.${move.kind}`,
    body: move.reason,
    data: { count: moved.length, nodeIds: moved.map((n) => n.id), hostnames: moved.slice(0, ENTRY_HOSTNAMES).map((n) => n.hostname), ...move.extra },
  });
  await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [incidentId, entry.at]);
  return moved;
}

/** What Drain and Put back would do now, for the dialog that asks to confirm them. */
export async function drainPlan(sql: Sql, incidentId: string): Promise<Response<'incidents.drainPlan'>> {
  await incidentRow(sql, incidentId);
  const named = await namedNodes(sql, incidentId);
  const drainable = named.filter((n) => n.lifecycle === 'active');
  return {
    drainable: drainable.slice(0, MAX_INCIDENT_DRAIN),
    notActive: named.length - drainable.length,
    corridors: await namedCorridors(sql, incidentId),
    drained: (await listedNodes(sql, incidentId)).filter((n) => n.ours).map(plain),
    tooMany: drainable.length > MAX_INCIDENT_DRAIN,
    limit: MAX_INCIDENT_DRAIN,
  };
}

/**
 * Drain the active nodes an open incident names: routing sends them no new work (they finish what
 * they hold). Each node's change is its own audit event (nodes.lifecycle_changed, with the incident's
 * id), and the incident's timeline says what was drained and why.
 */
export async function drainNamed(sql: Sql, rec: Recorder, input: { incidentId: string; reason: string }): Promise<Response<'incidents.drain'>> {
  const r = await lockIncident(sql, input.incidentId);
  mustBeOpen(r, 'nodes are drained');
  const named = await namedNodes(sql, r.id);
  const active = named.filter((n) => n.lifecycle === 'active');
  if (active.length === 0) {
    throw new McError(
      'CONFLICT',
      named.length > 0
        ? `${incidentRef(r.number)} names no active node: its ${named.length} node(s) are draining, offline or not in service yet.`
        : (await namedCorridors(sql, r.id)) > 0
          ? `${incidentRef(r.number)} names only corridors, which are not drained whole from an incident: add the sites or nodes to drain (Affected → Add…), or run a failover drill of the corridor.`
          : `${incidentRef(r.number)} names no site or node: add what to drain (Affected → Add…) first.`,
    );
  }
  if (active.length > MAX_INCIDENT_DRAIN) {
    throw new McError('VALIDATION', `${incidentRef(r.number)} names ${active.length} active nodes, more than the ${MAX_INCIDENT_DRAIN} one drain takes: name the sites or nodes that matter, or run a failover drill.`);
  }
  const drained = await moveFor(sql, rec, r.id, active, { from: 'active', to: 'draining', kind: 'nodes_drained', reason: input.reason });
  return { drained, incident: await summaryOf(sql, r.id) };
}

/** Put back into service the nodes this incident drained that are still draining because of it. */
export async function restoreDrained(sql: Sql, rec: Recorder, input: { incidentId: string; reason: string }): Promise<Response<'incidents.restore'>> {
  const r = await lockIncident(sql, input.incidentId);
  mustBeOpen(r, 'drained nodes are put back');
  const listed = await listedNodes(sql, r.id);
  const ours = listed.filter((n) => n.ours).map(plain);
  const left = listed.filter((n) => n.movedSince).length;
  if (ours.length === 0) {
    throw new McError(
      'CONFLICT',
      listed.length === 0
        ? `${incidentRef(r.number)} has drained no node: nothing to put back.`
        : left > 0
          ? `No node ${incidentRef(r.number)} drained is still draining because of it: ${left} were moved since (under Nodes or by a drill) and are left as they are.`
          : `Every node ${incidentRef(r.number)} drained is back in service already.`,
    );
  }
  const restored = await moveFor(sql, rec, r.id, ours, { from: 'draining', to: 'active', kind: 'nodes_restored', reason: input.reason, extra: { left } });
  return { restored, left, incident: await summaryOf(sql, r.id) };
}
