import type { AuditSubject } from '../../../src-shared/contract/audit';
import type { ViewId } from '../../../src-shared/navigation';
import type { Sql } from '../../db';

/** The view that shows each kind of subject, and whether it opens one record by id. */
const VIEW_OF: Record<string, { view: ViewId; byId: boolean }> = {
  incident: { view: 'incidents', byId: true },
  node: { view: 'nodes', byId: true },
  corridor: { view: 'corridors', byId: false },
  site: { view: 'corridors', byId: false },
  node_group: { view: 'corridors', byId: false },
  component: { view: 'status', byId: false },
  node_key: { view: 'keys', byId: false },
  alert_rule: { view: 'alerts', byId: false },
  escalation_policy: { view: 'incidents', byId: false },
  checklist_run: { view: 'checklists', byId: true },
  checklist_item: { view: 'checklists', byId: true },
  pilot: { view: 'readiness', byId: false },
  customer: { view: 'sla', byId: false },
  customer_tier: { view: 'sla', byId: false },
  sla_policy: { view: 'sla', byId: false },
  runtime: { view: 'runtimes', byId: false },
  model: { view: 'models', byId: false },
  routing_decision: { view: 'routing', byId: false },
  deployment_run: { view: 'deployments', byId: false },
  feature_flag: { view: 'flags', byId: false },
  flag_change: { view: 'flags', byId: false },
  migration_run: { view: 'migrations', byId: false },
  connection_profile: { view: 'connections', byId: false },
  drill: { view: 'drills', byId: true },
  payout_rate_card: { view: 'payouts', byId: false },
  customer_key: { view: 'keys', byId: false },
  backup: { view: 'backups', byId: false },
  runbook: { view: 'runbooks', byId: false },
  advisory: { view: 'advisories', byId: false },
  credential_rotation_run: { view: 'credentials', byId: false },
};

/**
 * The kinds of record RESOLVE looks up (keep in step with its branches): only for these can an
 * unnamed subject be said to be gone. Any other kind (a sign-in, a view, a file) is not a record
 * this query reads, so its id is shown without a claim either way.
 */
const LOOKED_UP = new Set([
  'incident', 'node', 'corridor', 'site', 'node_group', 'component', 'node_key', 'alert_rule', 'escalation_policy', 'checklist_run',
  'checklist_item', 'pilot', 'customer', 'sla_policy', 'runtime', 'model', 'deployment_run', 'feature_flag', 'migration_run',
  'notification_channel', 'drill', 'payout_rate_card', 'customer_key', 'backup', 'runbook', 'advisory', 'credential_rotation_run',
  'evidence', 'org', 'operator', 'member',
]);

/** Subjects that are a value rather than a record: the id is already the name. */
const SELF_NAMED = new Set(['customer_tier', 'connection_profile', 'file']);

/**
 * One lateral branch per kind of record; the planner runs only the branch whose type matches
 * (the type test is a one-time filter), each an index lookup by primary key. Row-level security
 * keeps every lookup inside the caller's org. `param` overrides the id a link opens (a checklist
 * item opens its run) and `view` the view (a gate set lives in Readiness). It joins to a relation
 * t with columns type, id and uid (the id as a uuid): a page of targets here, or each event of a
 * bundle's pass over the log (audit/stream.ts).
 */
export const SUBJECT_LATERAL = `
    LEFT JOIN LATERAL (
      SELECT 'INC-' || i.number, i.title, i.id::text, NULL FROM mc.incidents i WHERE t.type = 'incident' AND i.id = t.uid
      UNION ALL SELECT n.hostname, NULL, n.id::text, NULL FROM mc.nodes n WHERE t.type = 'node' AND n.id = t.uid
      UNION ALL SELECT c.name, NULL, NULL, NULL FROM mc.corridors c WHERE t.type = 'corridor' AND c.id = t.uid
      UNION ALL SELECT s.name, c.name, NULL, NULL FROM mc.sites s JOIN mc.corridors c ON c.id = s.corridor_id WHERE t.type = 'site' AND s.id = t.uid
      UNION ALL SELECT g.name, NULL, NULL, NULL FROM mc.node_groups g WHERE t.type = 'node_group' AND g.id = t.uid
      UNION ALL SELECT c.name, NULL, NULL, NULL FROM mc.components c WHERE t.type = 'component' AND c.id = t.uid
      UNION ALL SELECT k.prefix, NULLIF(k.label, ''), NULL, NULL FROM mc.node_keys k WHERE t.type = 'node_key' AND k.id = t.uid
      UNION ALL SELECT a.name, NULL, NULL, NULL FROM mc.alert_rules a WHERE t.type = 'alert_rule' AND a.id = t.uid
      UNION ALL SELECT e.name, NULL, NULL, NULL FROM mc.escalation_policies e WHERE t.type = 'escalation_policy' AND e.id = t.uid
      UNION ALL SELECT r.title, NULL, r.id::text, CASE WHEN r.kind = 'gates' THEN 'readiness' END
                  FROM mc.checklist_runs r WHERE t.type = 'checklist_run' AND r.id = t.uid
      UNION ALL SELECT ci.text, r.title, r.id::text, CASE WHEN r.kind = 'gates' THEN 'readiness' END
                  FROM mc.checklist_items ci JOIN mc.checklist_runs r ON r.id = ci.run_id WHERE t.type = 'checklist_item' AND ci.id = t.uid
      UNION ALL SELECT p.customer_name, p.tier, NULL, NULL FROM mc.pilots p WHERE t.type = 'pilot' AND p.id = t.uid
      UNION ALL SELECT cu.name, cu.tier, NULL, NULL FROM mc.customers cu WHERE t.type = 'customer' AND cu.id = t.uid
      UNION ALL SELECT sp.name, NULL, NULL, NULL FROM mc.sla_policies sp WHERE t.type = 'sla_policy' AND sp.id = t.uid
      UNION ALL SELECT rt.name, rt.kind, NULL, NULL FROM mc.runtimes rt WHERE t.type = 'runtime' AND rt.id = t.uid
      UNION ALL SELECT coalesce(m.display_name, m.model_id), NULL, NULL, NULL FROM mc.model_catalog m
                  WHERE t.type = 'model' AND m.org_id = mc.current_org_id() AND m.model_id = t.id
      UNION ALL SELECT d.release_name, NULL, NULL, NULL FROM mc.deployment_runs d WHERE t.type = 'deployment_run' AND d.id = t.uid
      UNION ALL SELECT f.key, NULL, NULL, NULL FROM mc.feature_flags f WHERE t.type = 'feature_flag' AND f.id = t.uid
      UNION ALL SELECT mr.file_name, mr.target_database, NULL, NULL FROM mc.migration_runs mr WHERE t.type = 'migration_run' AND mr.id = t.uid
      UNION ALL SELECT nc.name, nc.kind, NULL, NULL FROM mc.notification_channels nc WHERE t.type = 'notification_channel' AND nc.id = t.uid
      UNION ALL SELECT dr.hypothesis, dr.scope_name, dr.id::text, NULL FROM mc.drills dr WHERE t.type = 'drill' AND dr.id = t.uid
      UNION ALL SELECT 'Rate card v' || pr.version, pr.currency, NULL, NULL FROM mc.payout_rate_cards pr
                  WHERE t.type = 'payout_rate_card' AND pr.org_id = mc.current_org_id()
                    AND pr.version = CASE WHEN t.id ~ '^[0-9]{1,7}$' THEN t.id::int END
      UNION ALL SELECT k.prefix || '…', cu.name, NULL, NULL FROM mc.customer_keys k JOIN mc.customers cu ON cu.org_id = k.org_id AND cu.id = k.customer_id
                  WHERE t.type = 'customer_key' AND k.id = t.uid
      UNION ALL SELECT 'of ' || to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), b.trigger, NULL, NULL FROM mc.backups b
                  WHERE t.type = 'backup' AND b.id = t.uid
      UNION ALL SELECT rb.title, 'v' || rb.current_version, NULL, NULL FROM mc.runbooks rb WHERE t.type = 'runbook' AND rb.id = t.uid
      UNION ALL SELECT ad.subject_label, ad.check_key, NULL, NULL FROM mc.advisories ad WHERE t.type = 'advisory' AND ad.id = t.uid
      UNION ALL SELECT 'of ' || to_char(cr.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), cr.mode || ', ' || cr.state, NULL, NULL
                  FROM mc.credential_rotation_runs cr WHERE t.type = 'credential_rotation_run' AND cr.id = t.uid
      UNION ALL SELECT ev.title, ev.kind, NULL, NULL FROM mc.evidence_records ev WHERE t.type = 'evidence' AND ev.id = t.uid
      UNION ALL SELECT o.name, NULL, NULL, NULL FROM mc.orgs o WHERE t.type = 'org' AND o.id = t.uid
      UNION ALL SELECT op.display_name, op.email, NULL, NULL FROM mc.operators op WHERE t.type IN ('operator', 'member') AND op.id = t.uid
      LIMIT 1
    ) AS r(label, detail, param, view) ON true`;

/** A target id as the uuid the lookups compare with (null when it is not one). */
export const subjectUuid = (col: string) => `CASE WHEN ${col} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN ${col}::uuid END`;

const RESOLVE = `
  WITH t AS (
    SELECT DISTINCT x.type, x.id, ${subjectUuid('x.id')} AS uid
      FROM unnest($1::text[], $2::text[]) AS x(type, id)
  )
  SELECT t.type, t.id, r.label, r.detail, r.param, r.view
    FROM t ${SUBJECT_LATERAL}`;

/** A subject from its lookup (label null: no record found). */
export function subjectOf(r: { type: string; id: string; label: string | null; detail: string | null; param?: string | null; view?: ViewId | null }): AuditSubject {
  const home = VIEW_OF[r.type];
  const found = r.label !== null;
  const label = found ? r.label : SELF_NAMED.has(r.type) ? r.id : null;
  const link = home && (found || SELF_NAMED.has(r.type)) ? { view: r.view ?? home.view, param: home.byId ? (r.param ?? r.id) : null } : null;
  return { label, detail: r.detail, link, gone: label === null && LOOKED_UP.has(r.type) };
}

export type SubjectKey = string;
export const subjectKey = (type: string, id: string | null): SubjectKey => `${type}\u0000${id ?? ''}`;

/**
 * Names for every distinct subject of a page of events, in one query however many there are.
 * A subject whose record is gone (or was never a record) keeps only its raw id.
 */
export async function resolveSubjects(sql: Sql, targets: readonly { type: string; id: string | null }[]): Promise<Map<SubjectKey, AuditSubject>> {
  const out = new Map<SubjectKey, AuditSubject>();
  const withId = targets.filter((t): t is { type: string; id: string } => t.id !== null);
  const rows = withId.length
    ? await sql.query<{ type: string; id: string; label: string | null; detail: string | null; param: string | null; view: ViewId | null }>(RESOLVE, [
        withId.map((t) => t.type),
        withId.map((t) => t.id),
      ])
    : [];
  for (const r of rows) out.set(subjectKey(r.type, r.id), subjectOf(r));
  for (const t of targets) {
    if (t.id === null) out.set(subjectKey(t.type, null), { label: null, detail: null, link: null, gone: false });
  }
  return out;
}

export const NO_SUBJECT: AuditSubject = { label: null, detail: null, link: null, gone: false };
