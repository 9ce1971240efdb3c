import type { AuditFilter } from '../../../../src-shared/contract/audit';
import { canonicalJson } from '../../../../src-shared/domain/canonical-json';
import type { Sql } from '../../../db';
import type { BundleScope } from '../../../../src-shared/domain/evidence/bundle-scope';
import { filterWhere } from '../../audit/filter';

export type { BundleScope };

/**
 * One records file: a table's rows for the scope, each as one line of RFC 8785 canonical JSON, read
 * in keyset pages so memory stays one page whatever the bundle's size. `omit` names columns that
 * never leave the database (a key's hash is not a secret, but nothing about a secret is exported).
 */
interface Source {
  file: string;
  table: string;
  keys: string[];
  /**
   * SQL over alias t with $1 = the scope's first value, $2 = its second (period: from, to; incident:
   * its id; pilot, drill, corridor: its id); null where the table is not part of that scope. Only
   * the sources a drill's bundle holds name `drill`.
   */
  where: Record<Exclude<BundleScope['kind'], 'drill'>, string | null> & { drill?: string };
  omit?: string[];
  /**
   * The columns read, where the app's login may read only those (a column grant): a table whose
   * secret-derived column the app can never select is exported without it by construction.
   */
  columns?: string[];
  /** The audit target type of this table's rows (by their id): a pilot's bundle carries the events about them. */
  auditType?: string;
  /**
   * Scopes where these rows are context, not subjects: a drill's bundle names the nodes it drained
   * and their sites, but their whole audit history is not the drill's (only the changes it made).
   */
  contextIn?: BundleScope['kind'][];
}

const inPeriod = (col: string) => `t.${col} >= $1::timestamptz AND t.${col} < $2::timestamptz`;
const ofIncidentsInPeriod = `t.incident_id IN (SELECT id FROM mc.incidents WHERE org_id = mc.current_org_id() AND ${inPeriod('opened_at').replaceAll('t.', '')})`;

// A pilot's scope: its corridor's grid, incidents and deployments; its own gates; its customer's
// routing and SLA records; the org's applied migrations and escalation policies (the seven records).
const pilot = (expr: string) => `(SELECT ${expr} FROM mc.pilots p WHERE p.org_id = mc.current_org_id() AND p.id = $1::uuid)`;
const PILOT_CORRIDOR = pilot('p.corridor_id');
const PILOT_CUSTOMER = pilot('lower(p.customer_name)');
const pilotIncidents = `(SELECT i.id FROM mc.incidents i WHERE i.org_id = mc.current_org_id() AND mc.incident_in_corridor(i.id, ${PILOT_CORRIDOR}))`;
const pilotRuns = `(SELECT r.id FROM mc.checklist_runs r WHERE r.org_id = mc.current_org_id() AND r.subject_type = 'pilot' AND r.subject_id = $1::uuid)`;
const pilotNodes = `(SELECT n.id FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id WHERE n.org_id = mc.current_org_id() AND s.corridor_id = ${PILOT_CORRIDOR})`;
const pilotCustomers = `(SELECT c.id FROM mc.customers c WHERE c.org_id = mc.current_org_id() AND lower(c.name) = ${PILOT_CUSTOMER})`;
const pilotEvidence = `mc.evidence_corridor(t.kind, t.subject_type, t.subject_id, t.data) = ${PILOT_CORRIDOR} AND (t.kind <> 'routing_simulation' OR lower(t.data #>> '{request,customerName}') = ${PILOT_CUSTOMER})`;

// A drill's scope: the drill, its steps, its incident, the routing decisions and evidence it wrote.
const drill = (expr: string) => `(SELECT ${expr} FROM mc.drills d WHERE d.org_id = mc.current_org_id() AND d.id = $1::uuid)`;
const DRILL_INCIDENT = drill('d.incident_id');
// What the drill acted on: the nodes its drain step drained (by id, as recorded in the step's
// result), their sites and corridors, and the site or corridor it was scoped to.
const drillDrained = `(SELECT x::uuid FROM mc.drill_steps s CROSS JOIN LATERAL jsonb_array_elements_text(s.result->'drainedNodeIds') x
   WHERE s.org_id = mc.current_org_id() AND s.drill_id = $1::uuid AND s.kind = 'drain')`;
const drillSites = `(SELECT n.site_id FROM mc.nodes n WHERE n.org_id = mc.current_org_id() AND n.id IN ${drillDrained})`;
const drillScoped = (kind: 'site' | 'corridor') => drill(`CASE WHEN d.scope_kind = '${kind}' THEN d.scope_target END`);

// A corridor's scope: the corridor (its residency policy) and its sites, their nodes and keys, its
// pilots, the incidents that touched it, the drills of it or of its sites, the checklist runs of it,
// its sites and pilots, its deployments and evidence, the customers homed there and the routing
// decisions served there or for them; SLA and escalation policies and applied migrations are the
// org's, as in a pilot's bundle. ($1 is the corridor's id; text comparisons cast it the same way.)
// The runbook runs followed from an incident (the incident's id as an SQL expression).
const runbookRunsOf = (incident: string) => `(SELECT r.id FROM mc.runbook_runs r WHERE r.org_id = mc.current_org_id() AND r.incident_id = ${incident})`;

const C = '$1::uuid';
const corridorSites = `(SELECT s.id FROM mc.sites s WHERE s.org_id = mc.current_org_id() AND s.corridor_id = ${C})`;
const corridorNodes = `(SELECT n.id FROM mc.nodes n WHERE n.org_id = mc.current_org_id() AND n.site_id IN ${corridorSites})`;
const corridorIncidents = `(SELECT i.id FROM mc.incidents i WHERE i.org_id = mc.current_org_id() AND mc.incident_in_corridor(i.id, ${C}))`;
const corridorPilots = `(SELECT p.id FROM mc.pilots p WHERE p.org_id = mc.current_org_id() AND p.corridor_id = ${C})`;
const corridorDrills = `(SELECT d.id FROM mc.drills d WHERE d.org_id = mc.current_org_id()
   AND ((d.scope_kind = 'corridor' AND d.scope_target = ${C}::text) OR (d.scope_kind = 'site' AND d.scope_target IN (SELECT x.id::text FROM ${corridorSites} x(id)))))`;
const corridorRuns = `(SELECT r.id FROM mc.checklist_runs r WHERE r.org_id = mc.current_org_id()
   AND ((r.subject_type = 'corridor' AND r.subject_id = ${C}) OR (r.subject_type = 'site' AND r.subject_id IN ${corridorSites}) OR (r.subject_type = 'pilot' AND r.subject_id IN ${corridorPilots})))`;
const corridorCustomers = `(SELECT c.id FROM mc.customers c WHERE c.org_id = mc.current_org_id() AND c.home_corridor_id = ${C})`;

export const SOURCES: readonly Source[] = [
  {
    file: 'records/corridors.jsonl',
    table: 'corridors',
    keys: ['id'],
    where: {
      period: 'true',
      incident: null,
      pilot: null,
      drill: `(t.id IN (SELECT s.corridor_id FROM mc.sites s WHERE s.org_id = mc.current_org_id() AND s.id IN ${drillSites}) OR t.id::text = ${drillScoped('corridor')})`,
      corridor: `t.id = ${C}`,
    },
    auditType: 'corridor',
    contextIn: ['drill'],
  },
  {
    file: 'records/sites.jsonl',
    table: 'sites',
    keys: ['id'],
    where: { period: 'true', incident: null, pilot: null, drill: `(t.id IN ${drillSites} OR t.id::text = ${drillScoped('site')})`, corridor: `t.corridor_id = ${C}` },
    auditType: 'site',
    contextIn: ['drill'],
  },
  { file: 'records/drills.jsonl', table: 'drills', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: null, drill: 't.id = $1::uuid' , corridor: `t.id IN ${corridorDrills}` }, auditType: 'drill' },
  { file: 'records/drill-steps.jsonl', table: 'drill_steps', keys: ['drill_id', 'position'], where: { period: `t.drill_id IN (SELECT id FROM mc.drills WHERE org_id = mc.current_org_id() AND ${inPeriod('created_at').replaceAll('t.', '')})`, incident: null, pilot: null, drill: 't.drill_id = $1::uuid' , corridor: `t.drill_id IN ${corridorDrills}` } },
  { file: 'records/pilots.jsonl', table: 'pilots', keys: ['id'], where: { period: 'true', incident: null, pilot: 't.id = $1::uuid' , corridor: `t.corridor_id = ${C}` }, auditType: 'pilot' },
  { file: 'records/incidents.jsonl', table: 'incidents', keys: ['id'], where: { period: inPeriod('opened_at'), incident: 't.id = $1::uuid', pilot: `t.id IN ${pilotIncidents}`, drill: `t.id = ${DRILL_INCIDENT}` , corridor: `t.id IN ${corridorIncidents}` }, auditType: 'incident' },
  { file: 'records/incident-events.jsonl', table: 'incident_events', keys: ['id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid', pilot: `t.incident_id IN ${pilotIncidents}`, drill: `t.incident_id = ${DRILL_INCIDENT}` , corridor: `t.incident_id IN ${corridorIncidents}` } },
  { file: 'records/incident-affected.jsonl', table: 'incident_affected', keys: ['incident_id', 'kind', 'target_id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid', pilot: `t.incident_id IN ${pilotIncidents}`, drill: `t.incident_id = ${DRILL_INCIDENT}` , corridor: `t.incident_id IN ${corridorIncidents}` } },
  { file: 'records/incident-reviews.jsonl', table: 'incident_reviews', keys: ['incident_id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid', pilot: `t.incident_id IN ${pilotIncidents}`, drill: `t.incident_id = ${DRILL_INCIDENT}` , corridor: `t.incident_id IN ${corridorIncidents}` } },
  { file: 'records/checklist-runs.jsonl', table: 'checklist_runs', keys: ['id'], where: { period: inPeriod('started_at'), incident: null, pilot: `t.id IN ${pilotRuns}` , corridor: `t.id IN ${corridorRuns}` }, auditType: 'checklist_run' },
  {
    file: 'records/checklist-items.jsonl',
    table: 'checklist_items',
    keys: ['id'],
    where: { period: `t.run_id IN (SELECT id FROM mc.checklist_runs WHERE org_id = mc.current_org_id() AND ${inPeriod('started_at').replaceAll('t.', '')})`, incident: null, pilot: `t.run_id IN ${pilotRuns}` , corridor: `t.run_id IN ${corridorRuns}` },
    auditType: 'checklist_item',
  },
  { file: 'records/evidence-records.jsonl', table: 'evidence_records', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: pilotEvidence, drill: `t.id = ${drill('d.evidence_id')}` , corridor: `mc.evidence_corridor(t.kind, t.subject_type, t.subject_id, t.data) = ${C}` } },
  { file: 'records/deployment-runs.jsonl', table: 'deployment_runs', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: `t.corridor_id = ${PILOT_CORRIDOR}` , corridor: `t.corridor_id = ${C}` }, auditType: 'deployment_run' },
  { file: 'records/migration-runs.jsonl', table: 'migration_runs', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: "t.status = 'applied'" , corridor: "t.status = 'applied'" }, auditType: 'migration_run' },
  { file: 'records/routing-decisions.jsonl', table: 'routing_decisions', keys: ['id'], where: { period: inPeriod('decided_at'), incident: null, pilot: `t.customer_id IN ${pilotCustomers}`, drill: `t.id::text IN (SELECT jsonb_array_elements_text(s.result->'decisionIds') FROM mc.drill_steps s WHERE s.org_id = mc.current_org_id() AND s.drill_id = $1::uuid)` , corridor: `(t.corridor_id = ${C} OR t.customer_id IN ${corridorCustomers})` }, auditType: 'routing_decision' },
  // Contacts are people's emails and phones, not evidence: they stay in the database (docs/privacy.md).
  { file: 'records/customers.jsonl', table: 'customers', keys: ['id'], where: { period: 'true', incident: null, pilot: `t.id IN ${pilotCustomers}` , corridor: `t.id IN ${corridorCustomers}` }, omit: ['contacts'], auditType: 'customer' },
  { file: 'records/sla-policies.jsonl', table: 'sla_policies', keys: ['id'], where: { period: 'true', incident: null, pilot: 'true', drill: `t.id = ${drill('d.sla_policy_id')}` , corridor: 'true' }, auditType: 'sla_policy' },
  { file: 'records/escalation-policies.jsonl', table: 'escalation_policies', keys: ['id'], where: { period: 'true', incident: null, pilot: 'true' , corridor: 'true' }, auditType: 'escalation_policy' },
  // Customer API keys as they are at export (never key_hash): issued, expired, revoked, rotated, last used.
  {
    file: 'records/customer-keys.jsonl',
    table: 'customer_keys',
    keys: ['id'],
    where: { period: 'true', incident: null, pilot: `t.customer_id IN ${pilotCustomers}`, corridor: `t.customer_id IN ${corridorCustomers}` },
    // Every column the app may read (0043's grant): all but key_hash.
    columns: ['id', 'org_id', 'customer_id', 'mode', 'prefix', 'label', 'created_at', 'created_by', 'expires_at', 'revoked_at', 'revoked_by', 'revoke_reason', 'superseded_by', 'grace_until', 'last_used_at', 'last_used_source', 'use_count', 'refused_count', 'last_refused_at', 'last_refused_source'],
    auditType: 'customer_key',
  },
  { file: 'records/usage-reconciliations.jsonl', table: 'usage_reconciliations', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: null, corridor: null }, auditType: 'usage_reconciliation' },
  { file: 'records/runbook-runs.jsonl', table: 'runbook_runs', keys: ['id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid', pilot: `t.incident_id IN ${pilotIncidents}`, drill: `t.incident_id = ${DRILL_INCIDENT}`, corridor: `t.incident_id IN ${corridorIncidents}` } },
  {
    file: 'records/runbook-steps.jsonl',
    table: 'runbook_step_records',
    keys: ['run_id', 'step_id'],
    where: {
      period: `t.run_id IN (SELECT r.id FROM mc.runbook_runs r WHERE r.org_id = mc.current_org_id() AND ${ofIncidentsInPeriod.replaceAll('t.', 'r.')})`,
      incident: `t.run_id IN ${runbookRunsOf('$1::uuid')}`,
      pilot: `t.run_id IN (SELECT r.id FROM mc.runbook_runs r WHERE r.org_id = mc.current_org_id() AND r.incident_id IN ${pilotIncidents})`,
      drill: `t.run_id IN ${runbookRunsOf(DRILL_INCIDENT)}`,
      corridor: `t.run_id IN (SELECT r.id FROM mc.runbook_runs r WHERE r.org_id = mc.current_org_id() AND r.incident_id IN ${corridorIncidents})`,
    },
  },
  { file: 'records/credential-rotation-runs.jsonl', table: 'credential_rotation_runs', keys: ['id'], where: { period: inPeriod('started_at'), incident: null, pilot: null, corridor: null }, auditType: 'credential_rotation_run' },
  {
    file: 'records/credential-rotation-items.jsonl',
    table: 'credential_rotation_items',
    keys: ['run_id', 'position'],
    where: { period: `t.run_id IN (SELECT id FROM mc.credential_rotation_runs WHERE org_id = mc.current_org_id() AND ${inPeriod('started_at').replaceAll('t.', '')})`, incident: null, pilot: null, corridor: null },
  },
  { file: 'records/backups.jsonl', table: 'backups', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: null, corridor: null }, auditType: 'backup' },
  { file: 'records/restore-drills.jsonl', table: 'restore_drills', keys: ['id'], where: { period: inPeriod('created_at'), incident: null, pilot: null, corridor: null } },
  {
    file: 'records/nodes.jsonl',
    table: 'nodes',
    keys: ['id'],
    where: { period: 'true', incident: null, pilot: `t.id IN ${pilotNodes}`, drill: `t.id IN ${drillDrained}`, corridor: `t.id IN ${corridorNodes}` },
    auditType: 'node',
    contextIn: ['drill'],
  },
  { file: 'records/node-keys.jsonl', table: 'node_keys', keys: ['id'], where: { period: 'true', incident: null, pilot: `t.node_id IN ${pilotNodes}` , corridor: `t.node_id IN ${corridorNodes}` }, omit: ['key_hash'], auditType: 'node_key' },
];

/**
 * The audit events of a pilot's, drill's or corridor's bundle: those about a record the bundle
 * exports (by target type and id; not those of rows it holds as context), and those its evidence
 * records cite; a drill's also the node lifecycle changes it made. `at` is the placeholder the pilot, drill or corridor id is bound to.
 */
function scopedAuditCondition(kind: 'pilot' | 'drill' | 'corridor', at: string): string {
  const bind = (where: string) => where.replace(/\$1\b/g, at);
  const about = SOURCES.filter((s) => s.auditType && s.where[kind] && !s.contextIn?.includes(kind)).map(
    (s) => `(e.target_type = '${s.auditType}' AND e.target_id IN (SELECT t.id::text FROM mc.${s.table} t WHERE t.org_id = mc.current_org_id() AND (${bind(s.where[kind] as string)})))`,
  );
  const evidence = SOURCES.find((s) => s.table === 'evidence_records')!.where[kind] as string;
  const cited = `e.seq IN (SELECT t.audit_seq FROM mc.evidence_records t WHERE t.org_id = mc.current_org_id() AND (${bind(evidence)}))`;
  const drained = kind === 'drill' ? [`(e.target_type = 'node' AND e.data->>'drillId' = (${at})::text)`] : [];
  return `(${[...about, cited, ...drained].join(' OR ')})`;
}

const PAGE = 1000;

function scopeParams(scope: BundleScope): unknown[] {
  switch (scope.kind) {
    case 'period':
      return [scope.from, scope.to];
    case 'incident':
      return [scope.incidentId, null];
    case 'pilot':
      return [scope.pilotId, null];
    case 'drill':
      return [scope.drillId, null];
    case 'corridor':
      return [scope.corridorId, null];
  }
}

/** The canonical JSON lines of one source for the scope (none when the source is not in that scope). */
export async function* sourceLines(sql: Sql, source: Source, scope: BundleScope, onRow?: (row: Record<string, unknown>) => void): AsyncGenerator<string> {
  const where = source.where[scope.kind] ?? null;
  if (where === null) return;
  const keys = source.keys.map((k) => `t.${k}::text`).join(', ');
  const omit = (source.omit ?? []).map((c) => ` - '${c}'`).join('');
  const row = source.columns ? `jsonb_build_object(${source.columns.map((c) => `'${c}', t.${c}`).join(', ')})` : 'to_jsonb(t)';
  // Only the scope values the condition names are bound (PostgreSQL refuses unused parameters).
  const used = where.includes('$2') ? 2 : where.includes('$1') ? 1 : 0;
  const params = scopeParams(scope).slice(0, used);
  let after: unknown[] | null = null;
  for (;;) {
    const keyset: string = after ? ` AND (${keys}) > (${source.keys.map((_, i) => `$${i + used + 1}::text`).join(', ')})` : '';
    const rows: { r: Record<string, unknown>; k: unknown[] }[] = await sql.query(
      `SELECT ${row}${omit} AS r, ARRAY[${source.keys.map((k) => `t.${k}::text`).join(', ')}] AS k
         FROM mc.${source.table} t
        WHERE t.org_id = mc.current_org_id() AND (${where})${keyset}
        ORDER BY ${keys} LIMIT ${PAGE}`,
      [...params, ...(after ?? [])],
    );
    for (const row of rows) {
      onRow?.(row.r);
      yield `${canonicalJson(row.r as Parameters<typeof canonicalJson>[0])}\n`;
    }
    if (rows.length < PAGE) return;
    after = (rows[rows.length - 1] as { k: unknown[] }).k;
  }
}

/**
 * Which audit events a scope holds, as a condition over alias e with parameters numbered after
 * `offset`: the audit pass reads it as a column of the chain's own query, whose WHERE already
 * confines the rows to the org.
 */
export function auditScopeWhere(scope: BundleScope, offset: number): { sql: string; params: unknown[] } {
  const filter: AuditFilter | undefined =
    scope.kind === 'period' ? { from: scope.from, to: scope.to } : scope.kind === 'incident' ? { subjectType: 'incident', subjectId: scope.incidentId } : undefined;
  const id = scope.kind === 'pilot' ? scope.pilotId : scope.kind === 'drill' ? scope.drillId : scope.kind === 'corridor' ? scope.corridorId : null;
  const also =
    id !== null && (scope.kind === 'pilot' || scope.kind === 'drill' || scope.kind === 'corridor')
      ? (p: (v: unknown) => string) => scopedAuditCondition(scope.kind as 'pilot' | 'drill' | 'corridor', p(id))
      : undefined;
  return filterWhere(filter, offset, also, { orgClause: false });
}
