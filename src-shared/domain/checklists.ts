/**
 * Checklists and readiness gates: one model. A template is a list of items; a run is one use of
 * it (today's daily checklist, a site's safety checklist, a corridor's go-live gates), and each
 * item in a run has a status, who set it and when, a note and evidence.
 *
 * Gate sets are runs whose items have owners and that decide something: a corridor (or customer
 * pilot) cannot be marked ready while any of its gates is still open.
 *
 * Items the app can answer itself name an automatic check; the live answer is shown next to the
 * item, and kept with it when someone marks it done, so the evidence is what the app saw then.
 */
export const CHECK_KEYS = [
  'no_incident_components',
  'no_open_critical_high_incidents',
  'keys_clean',
  'telemetry_valid_key_accepted',
  'telemetry_invalid_key_rejected',
  'site_and_node_exist',
  'incident_lifecycle_proven',
  'evidence_visible',
  'migrations_applied',
  'audit_chain_verifies',
  'alert_rules_enabled',
  'escalation_owner',
  'corridor_nodes_connected',
  'corridor_drill_captured',
  'corridor_sites_safe',
  'site_thermal_ok',
  'runtime_connected',
  'models_available',
  'routing_simulation_saved',
  'environment_changes_evidenced',
  'compat_fixes_applied',
  'rls_verified',
  'demo_seed_scoped',
  'scores_not_poor',
  'org_setup_complete',
  'oauth_login_works',
  'metering_reconciled',
  'backup_restore_tested',
] as const;
export type CheckKey = (typeof CHECK_KEYS)[number];

export const TEMPLATE_KEYS = ['daily', 'weekly', 'monthly', 'site_safety', 'post_deployment', 'corridor_rollout', 'pilot_acceptance', 'database_upgrade'] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export const SUBJECT_TYPES = ['org', 'corridor', 'site', 'pilot'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export type Cadence = 'daily' | 'weekly' | 'monthly' | null;

export interface TemplateItem {
  key: string;
  text: string;
  /** The view where the operator does this (a hint, shown as a link). */
  view?: string;
  check?: CheckKey;
}

export interface ChecklistTemplate {
  key: TemplateKey;
  name: string;
  /** Where the items come from, for the operator who wonders why this is asked. */
  source: string;
  kind: 'checklist' | 'gates';
  subject: SubjectType;
  cadence: Cadence;
  items: readonly TemplateItem[];
  /** Its items are steps taken in order: one is done (or marked not applicable) only after those before it. */
  ordered?: boolean;
}

export const ITEM_STATUSES = ['open', 'done', 'failed', 'skipped'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ITEM_STATUS_LABELS: Record<ItemStatus, string> = { open: 'Open', done: 'Done', failed: 'Failed', skipped: 'Not applicable' };
/** Gates speak of passing and waiving. */
export const GATE_STATUS_LABELS: Record<ItemStatus, string> = { open: 'Open', done: 'Passed', failed: 'Failed', skipped: 'Waived' };

export const TEMPLATES: readonly ChecklistTemplate[] = [
  {
    key: 'daily',
    name: 'Daily checklist',
    source: 'Production operations guide: daily checklist',
    kind: 'checklist',
    subject: 'org',
    cadence: 'daily',
    // The guide's steps, naming this app's views (the guide says /status, /nodes/keys, …).
    items: [
      { key: 'status', text: 'In Status, confirm no incident-level components are active.', view: 'status', check: 'no_incident_components' },
      { key: 'scores', text: 'In Observability, review the health, routing, energy and security scores.', view: 'observability', check: 'scores_not_poor' },
      { key: 'incidents', text: 'In Incidents, resolve critical/high incidents before new traffic.', view: 'incidents', check: 'no_open_critical_high_incidents' },
      { key: 'keys', text: 'In Node keys, confirm no stale or revoked key is still used.', view: 'keys', check: 'keys_clean' },
      { key: 'usage', text: 'Verify metering totals match API logs: in Usage, reconcile today (usage events against the API request log and the runtimes’ token counters); the live check reads the newest reconciliation record that covers today.', view: 'usage', check: 'metering_reconciled' },
      { key: 'deployments', text: 'Attach evidence to any environment changes: started deployment runs, applied migration runs and feature-flag changes. The live check counts those without evidence; Deployments (g d) lists them, and attaching evidence there closes each.', view: 'deployments', check: 'environment_changes_evidenced' },
    ],
  },
  {
    key: 'weekly',
    name: 'Weekly tasks',
    source: 'Operations guide: weekly tasks',
    kind: 'checklist',
    subject: 'org',
    cadence: 'weekly',
    items: [
      { key: 'security_alerts', text: 'Review security alerts: refused node keys and the security score.', view: 'keys', check: 'keys_clean' },
      { key: 'db_growth', text: 'Check database growth (telemetry partitions, rollups, audit log).', view: 'connections' },
      { key: 'slow_queries', text: 'Optimise slow queries.' },
      { key: 'docs', text: 'Update documentation.' },
      { key: 'backup_restore', text: 'Test backup restore: in Backups (g B), run a restore drill of a recent backup; the live check passes only with a drill in the last 7 days that restored every row and verified the audit chain.', view: 'backups', check: 'backup_restore_tested' },
    ],
  },
  {
    key: 'monthly',
    name: 'Monthly tasks',
    source: 'Operations guide: monthly tasks',
    kind: 'checklist',
    subject: 'org',
    cadence: 'monthly',
    items: [
      { key: 'security_audit', text: 'Security audit: verify the audit chain from the first event.', view: 'audit', check: 'audit_chain_verifies' },
      { key: 'rotate', text: 'Rotate credentials (node keys, database passwords, runtime keys).', view: 'keys' },
      { key: 'access_logs', text: 'Review access logs.', view: 'audit' },
      { key: 'capacity', text: 'Capacity planning.', view: 'observability' },
      { key: 'runbooks', text: 'Update runbooks.' },
    ],
  },
  {
    key: 'site_safety',
    name: 'Site safety checklist',
    source: 'Global scale operator guide: every regional expansion has a site safety checklist',
    kind: 'checklist',
    subject: 'site',
    cadence: null,
    items: [
      { key: 'power', text: 'Power capacity and redundancy verified for the full GPU load.' },
      { key: 'thermal', text: 'Cooling holds at load: no GPU at 83 °C or more in the last 24 hours.', view: 'nodes', check: 'site_thermal_ok' },
      { key: 'fire', text: 'Fire detection and suppression inspected.' },
      { key: 'access', text: 'Physical access control and visitor log in place.' },
      { key: 'network', text: 'Nodes reachable only through the management network.' },
      { key: 'epo', text: 'Emergency power-off procedure posted and tested.' },
      { key: 'contact', text: 'Site owner contact and escalation path recorded.' },
    ],
  },
  {
    key: 'post_deployment',
    name: 'Post-deployment checklist',
    source: 'Deployment checklist: post-deployment checks and success criteria',
    kind: 'checklist',
    subject: 'org',
    cadence: null,
    items: [
      { key: 'migrations', text: 'Migrations applied successfully, none changed since.', view: 'connections', check: 'migrations_applied' },
      { key: 'audit', text: 'Audit chain verifies.', view: 'audit', check: 'audit_chain_verifies' },
      { key: 'ingest', text: 'Telemetry ingest accepts a valid node key.', view: 'nodes', check: 'telemetry_valid_key_accepted' },
      { key: 'status', text: 'Status shows no incident-level component.', view: 'status', check: 'no_incident_components' },
      { key: 'alerts', text: 'Alert rules are active, with at least one critical rule.', view: 'alerts', check: 'alert_rules_enabled' },
      { key: 'escalation', text: 'Critical incidents have an escalation owner.', view: 'incidents', check: 'escalation_owner' },
      { key: 'rollback', text: 'Rollback plan written and reachable by the on-call.' },
    ],
  },
  {
    key: 'corridor_rollout',
    name: 'Corridor go-live gates',
    source: 'Global scale operator guide: global rollout sequence and production gates',
    kind: 'gates',
    subject: 'corridor',
    cadence: null,
    items: [
      { key: 'nodes', text: 'Connect two or three controlled commercial nodes in one corridor.', view: 'nodes', check: 'corridor_nodes_connected' },
      { key: 'keys', text: 'Register node API keys and verify telemetry ingestion.', view: 'nodes', check: 'telemetry_valid_key_accepted' },
      { key: 'runtime', text: 'Connect one OpenAI-compatible runtime.', view: 'runtimes', check: 'runtime_connected' },
      { key: 'routing', text: 'Run routing simulations against latency, capacity, and residency policies.', view: 'routing', check: 'routing_simulation_saved' },
      { key: 'customer', text: 'Add one committed-capacity customer.' },
      { key: 'payout', text: 'Add site-owner reporting and payout estimate.' },
      { key: 'drill', text: 'Run failover drill and capture evidence.', view: 'incidents', check: 'corridor_drill_captured' },
      { key: 'safety', text: 'Every site of the corridor has passed its site safety checklist.', view: 'checklists', check: 'corridor_sites_safe' },
      { key: 'escalation', text: 'An incident escalation owner is assigned.', view: 'incidents', check: 'escalation_owner' },
      { key: 'expand', text: 'Expand to the second region only after billing, telemetry, and incident response are stable.' },
    ],
  },
  {
    key: 'pilot_acceptance',
    name: 'Customer pilot acceptance gates',
    source: 'Production operations guide: customer pilot acceptance gates',
    kind: 'gates',
    subject: 'pilot',
    cadence: null,
    items: [
      { key: 'oauth', text: 'OAuth login works.', view: 'connections', check: 'oauth_login_works' },
      { key: 'org', text: 'Organization setup works.', view: 'members', check: 'org_setup_complete' },
      { key: 'site_node', text: 'At least one site and node exist.', view: 'nodes', check: 'site_and_node_exist' },
      { key: 'valid_key', text: 'Node telemetry is accepted with a valid node key.', view: 'nodes', check: 'telemetry_valid_key_accepted' },
      { key: 'invalid_key', text: 'Invalid telemetry keys are rejected.', view: 'keys', check: 'telemetry_invalid_key_rejected' },
      { key: 'models', text: '/api/v1/models returns available model metadata.', view: 'models', check: 'models_available' },
      { key: 'routing', text: 'Routing simulation selects a valid node or explains why none is available.', view: 'routing', check: 'routing_simulation_saved' },
      { key: 'incidents', text: 'Incidents can be created, acknowledged, and resolved.', view: 'incidents', check: 'incident_lifecycle_proven' },
      { key: 'evidence', text: 'Compliance evidence artifacts are visible.', view: 'audit', check: 'evidence_visible' },
    ],
  },
  {
    key: 'database_upgrade',
    name: 'SQL upgrade (the seed’s order)',
    source: 'Platform README: SQL upgrade checklist for an existing database',
    kind: 'checklist',
    subject: 'org',
    cadence: null,
    ordered: true,
    items: [
      { key: 'compat', text: 'Compatibility fixes first: older-database repairs applied (deployment_runs.version optional, no CHECK on it).', view: 'migrations', check: 'compat_fixes_applied' },
      { key: 'schema', text: 'Schema: every migration of this build applied, none changed since.', view: 'migrations', check: 'migrations_applied' },
      { key: 'rls', text: 'RLS policies: every app table under forced row-level security, definer functions with a fixed search_path.', view: 'migrations', check: 'rls_verified' },
      { key: 'seed', text: 'Demo seed only for demo or staging databases, never production.', view: 'connections', check: 'demo_seed_scoped' },
    ],
  },
];

export const TEMPLATE_BY_KEY: ReadonlyMap<TemplateKey, ChecklistTemplate> = new Map(TEMPLATES.map((t) => [t.key, t]));

/** The period a cadence run covers, in UTC: "2026-11-22", "2026-W47", "2026-11". */
export function periodOf(cadence: Cadence, at: Date): string | null {
  if (cadence === null) return null;
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, '0');
  const d = String(at.getUTCDate()).padStart(2, '0');
  if (cadence === 'daily') return `${y}-${m}-${d}`;
  if (cadence === 'monthly') return `${y}-${m}`;
  // ISO 8601 week: the week with the year's first Thursday is week 1.
  const t = new Date(Date.UTC(y, at.getUTCMonth(), at.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((t.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** A live answer: ok true/false, or null when the app cannot tell and a person must. */
export interface CheckAnswer {
  ok: boolean | null;
  summary: string;
  /** The record behind the answer, for the link next to it. */
  record: { type: string; id: string | null; label: string } | null;
}

export interface RunProgress {
  total: number;
  open: number;
  done: number;
  failed: number;
  skipped: number;
  complete: boolean;
  /** Complete and nothing failed. */
  passed: boolean;
}

export function progressOf(items: readonly { status: ItemStatus }[]): RunProgress {
  const count = (s: ItemStatus) => items.filter((i) => i.status === s).length;
  const open = count('open');
  const failed = count('failed');
  return { total: items.length, open, done: count('done'), failed, skipped: count('skipped'), complete: items.length > 0 && open === 0, passed: items.length > 0 && open === 0 && failed === 0 };
}

/**
 * Why an item may not take this status, or null. Marking an item done when its live check says
 * otherwise would make the checklist lie; waiving a gate needs a note that says why.
 */
export function itemStatusProblem(to: ItemStatus, kind: 'checklist' | 'gates', check: CheckAnswer | null, note: string | null): string | null {
  if (to === 'done' && check && check.ok === false) return `The live check says: ${check.summary} Fix that first, or mark the item failed with a note.`;
  if ((to === 'skipped' || to === 'failed') && (note ?? '').trim().length < 3) {
    return kind === 'gates' && to === 'skipped' ? 'Say why this gate is waived (a note of at least 3 characters).' : 'Add a note that says why (at least 3 characters).';
  }
  return null;
}

/**
 * An ordered run's steps are taken in order: a step is done, failed or not applicable only once
 * every step before it is done or not applicable (a failed compatibility fix must not be followed
 * by the schema). Reopening is always allowed.
 */
export function stepOrderProblem(template: ChecklistTemplate | undefined, items: readonly { key: string; status: ItemStatus }[], key: string, to: ItemStatus): string | null {
  if (!template?.ordered || to === 'open') return null;
  const at = template.items.findIndex((t) => t.key === key);
  for (let i = 0; i < at; i++) {
    const step = template.items[i]!;
    const status = items.find((x) => x.key === step.key)?.status ?? 'open';
    if (status !== 'done' && status !== 'skipped') {
      return `Step ${i + 1} comes first (“${step.text.replace(/[.:].*$/, '')}”, now ${ITEM_STATUS_LABELS[status].toLowerCase()}): ${template.name} is taken in order.`;
    }
  }
  return null;
}

/** Site safety runs set the site's safety-checklist state (shown on the corridors and map views). */
export function siteSafetyState(p: RunProgress): 'in_progress' | 'passed' | 'failed' {
  if (!p.complete) return p.failed > 0 ? 'failed' : 'in_progress';
  return p.passed ? 'passed' : 'failed';
}
