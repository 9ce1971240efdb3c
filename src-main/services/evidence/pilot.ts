import { McError } from '../../../src-shared/contract/errors';
import type { CheckAnswer, CheckKey } from '../../../src-shared/domain/checklists';
import { PILOT_RECORD_LABELS, type PilotRecord, type PilotRecordKey, pilotRecordsVerdict } from '../../../src-shared/domain/evidence/pilot-records';
import type { Sql } from '../../db';
import { VALID_KEY_SQL } from '../keys';
import type { CheckScope } from '../checklists/checks';

export interface PilotRef {
  id: string;
  customerName: string;
  tier: 'pilot' | 'enterprise' | 'sovereign';
  corridorId: string;
  corridorName: string;
}

/** A check's live answer in the pilot's scope (injected: the checks module asks this one too). */
export type PilotCheck = (key: CheckKey) => Promise<CheckAnswer>;

export async function pilotRef(sql: Sql, pilotId: string): Promise<PilotRef> {
  const p = await sql.maybeOne<PilotRef>(
    `SELECT p.id, p.customer_name AS "customerName", p.tier, p.corridor_id AS "corridorId", c.name AS "corridorName"
       FROM mc.pilots p JOIN mc.corridors c ON c.org_id = p.org_id AND c.id = p.corridor_id WHERE p.id = $1`,
    [pilotId],
  );
  if (!p) throw new McError('NOT_FOUND', 'No such pilot in this org: it may have been removed. Open Readiness for the current list.');
  return p;
}

const rec = (key: PilotRecordKey, present: boolean, summary: string, record: PilotRecord['record']): PilotRecord => ({ key, label: PILOT_RECORD_LABELS[key], present, summary, record });
const fromCheck = (key: PilotRecordKey, a: CheckAnswer): PilotRecord => rec(key, a.ok === true, a.summary, a.record);

/**
 * The seven records of a pilot, each computed from what the database holds now: present with the
 * record it rests on, or missing with what would produce it. Nothing here is declared by anyone.
 */
export async function pilotRecords(sql: Sql, pilot: PilotRef, check: PilotCheck): Promise<PilotRecord[]> {
  const deploy = await sql.maybeOne<{ id: string; release_name: string; finished_at: string | null }>(
    `SELECT d.id, d.release_name, d.finished_at
       FROM mc.deployment_runs d WHERE d.corridor_id = $1 AND d.status = 'succeeded' AND d.environment <> 'scratch'
      ORDER BY d.finished_at DESC NULLS LAST LIMIT 1`,
    [pilot.corridorId],
  );
  const others = deploy ? 0 : ((await sql.one<{ n: number }>('SELECT count(*)::int AS n FROM mc.deployment_runs WHERE corridor_id = $1', [pilot.corridorId])).n);
  const migration = await sql.maybeOne<{ id: string; file_name: string; applied_at: string }>(
    `SELECT id, file_name, applied_at FROM mc.migration_runs WHERE status = 'applied' ORDER BY applied_at DESC NULLS LAST LIMIT 1`,
  );
  const nodes = await sql.maybeOne<{ id: string; hostname: string; n: number }>(
    `SELECT n.id, n.hostname, count(*) OVER ()::int AS n
       FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      WHERE s.corridor_id = $1 AND n.lifecycle <> 'retired'
        AND EXISTS (SELECT 1 FROM mc.node_keys k WHERE k.node_id = n.id AND k.revoked_at IS NULL)
      ORDER BY n.created_at DESC LIMIT 1`,
    [pilot.corridorId],
  );
  const sla = await sql.maybeOne<{ id: string; name: string; via: string }>(
    `SELECT p.id, p.name, CASE WHEN c.sla_policy_id IS NOT NULL THEN 'customer' ELSE 'tier' END AS via
       FROM (SELECT 1) one
       LEFT JOIN mc.customers c ON lower(c.name) = lower($1)
       JOIN mc.sla_policies p ON p.id = coalesce(c.sla_policy_id, (SELECT t.sla_policy_id FROM mc.customer_tiers t WHERE t.tier = coalesce(c.tier, $2)))
      LIMIT 1`,
    [pilot.customerName, pilot.tier],
  );
  // The pilot names its customer; the customer record of that name holds the keys. Only a live key
  // that works now counts (a test key serves no customer traffic).
  const customerKey = await sql.maybeOne<{ id: string; prefix: string; created_at: string; customer: string; n: number }>(
    `SELECT k.id, k.prefix, k.created_at, c.name AS customer, count(*) OVER ()::int AS n
       FROM mc.customer_keys k JOIN mc.customers c ON c.org_id = k.org_id AND c.id = k.customer_id
      WHERE lower(c.name) = lower($1) AND k.mode = 'live' AND ${VALID_KEY_SQL}
      ORDER BY k.created_at DESC LIMIT 1`,
    [pilot.customerName],
  );
  const routing = await check('routing_simulation_saved');
  const routingOk = routing.ok === true && sla !== null;
  return [
    deploy
      ? rec('deployment_run', true, `${deploy.release_name} succeeded in ${pilot.corridorName}${deploy.finished_at ? ` on ${deploy.finished_at.slice(0, 10)}` : ''}.`, { type: 'deployment_run', id: deploy.id, label: deploy.release_name })
      : rec('deployment_run', false, `No deployment run has succeeded in ${pilot.corridorName} yet${others ? ` (${others} other run${others === 1 ? '' : 's'} recorded)` : ''}: record one in Deployments.`, { type: 'view', id: 'deployments', label: 'Deployments' }),
    migration
      ? rec('migration', true, `${migration.file_name} applied on ${migration.applied_at.slice(0, 10)}, with its checks and approval.`, { type: 'migration_run', id: migration.id, label: migration.file_name })
      : rec('migration', false, 'No database migration has been applied through Migrations yet: check and apply one there, so its run is on record.', { type: 'view', id: 'migrations', label: 'Migrations' }),
    nodes
      ? rec('node_registration', true, `${nodes.n} node${nodes.n === 1 ? '' : 's'} of ${pilot.corridorName} registered with a live key; the newest: ${nodes.hostname}.`, { type: 'node', id: nodes.id, label: nodes.hostname })
      : rec('node_registration', false, `No node of ${pilot.corridorName} is registered with a live node key: register one and issue its key in Nodes.`, { type: 'view', id: 'nodes', label: 'Nodes' }),
    fromCheck('telemetry_validation', await check('telemetry_valid_key_accepted')),
    customerKey
      ? rec('customer_api_key', true, `${customerKey.customer} holds ${customerKey.n} working live API key${customerKey.n === 1 ? '' : 's'}; the newest: ${customerKey.prefix}… issued ${customerKey.created_at.slice(0, 10)}.`, { type: 'customer_key', id: customerKey.id, label: `${customerKey.prefix}…` })
      : rec('customer_api_key', false, `No working live customer API key has been issued to ${pilot.customerName}: add the customer in SLA (same name) and issue a live key in Keys.`, { type: 'view', id: 'keys', label: 'Keys' }),
    rec(
      'routing_sla',
      routingOk,
      `${routing.summary}${sla ? ` SLA policy: ${sla.name} (from the ${sla.via === 'customer' ? 'customer' : `${pilot.tier} tier`}).` : ` No SLA policy applies to ${pilot.customerName}: set one for the ${pilot.tier} tier in SLA.`}`,
      routing.record,
    ),
    fromCheck('escalation_owner', await check('escalation_owner')),
  ];
}

/** The scope the checks answer in for a pilot: its corridor, and its customer for routing. */
export function pilotScope(p: PilotRef): CheckScope {
  return { type: 'pilot', id: p.id, corridorId: p.corridorId, corridorName: p.corridorName, customerName: p.customerName };
}

/** The pilot's evidence page: the seven records and the gate's verdict from them. */
export async function pilotEvidence(sql: Sql, pilot: PilotRef, check: PilotCheck) {
  const records = await pilotRecords(sql, pilot, check);
  const verdict = pilotRecordsVerdict(records);
  return { pilot, records, complete: verdict.ok, summary: verdict.summary };
}
