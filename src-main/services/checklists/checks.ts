import type { Session } from '../../../src-shared/contract/system';
import type { CheckAnswer, CheckKey, SubjectType } from '../../../src-shared/domain/checklists';
import { isIncidentLevel, STATE_LABELS } from '../../../src-shared/domain/component-status';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import { STALE_AFTER_MS } from '../../../src-shared/domain/node-health';
import { sqlDir } from '../../core/paths';
import { loadMigrations, type MigrationFile, type Sql } from '../../db';
import { migrationStateOf } from '../../db/migrations';
import { verifyAudit } from '../audit';
import { changesWithoutEvidence } from '../deployments';
import { verifySchema } from '../migrations/verify';
import { blockingIncidents } from '../incidents';
import { STILL_USED_WINDOW_HOURS, VALID_KEY_SQL } from '../keys';
import { listComponents } from '../status';
import { observabilityOverview } from '../observability/overview';
import { SCORE_POOR_BELOW } from '../../../src-shared/domain/scores';
import { orgSetupAnswer } from './org-setup-check';
import { pilotRecords, pilotRef } from '../evidence/pilot';
import { pilotRecordsVerdict } from '../../../src-shared/domain/evidence/pilot-records';
import { oauthLoginAnswer } from './oauth-login-check';
import { meteringReconciledAnswer } from '../usage/check';
import { backupRestoreAnswer } from '../backups/check';

/** The subject a check looks at; pilots are checked in their corridor. */
export interface CheckScope {
  type: SubjectType;
  id: string | null;
  /** The corridor of a corridor or pilot subject; null for the whole org. */
  corridorId: string | null;
  corridorName?: string | null;
  /** A pilot's customer: its routing simulations must be for that customer. */
  customerName?: string | null;
}

const STALE_KEY_DAYS = 30;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const view = (id: string, label: string) => ({ type: 'view', id, label });

let migrationFiles: readonly MigrationFile[] | null = null;
/** The last chain verification per org, valid while the head it verified up to is the head. */
const verified = new Map<string, { key: string; answer: CheckAnswer; at: number }>();

type Check = (sql: Sql, scope: CheckScope, session: Session) => Promise<CheckAnswer>;

/** Nodes of the scope: all, or those of one corridor. */
const IN_CORRIDOR = `($1::uuid IS NULL OR s.corridor_id = $1)`;

/** A runtime counts when its last probe, at most 15 minutes old, found it serving. */
const PROBE_FRESH_MINUTES = 15;

const CHECKS: Record<CheckKey, Check> = {
  // Daily item 2: the four whole-grid scores as /observability computes them; a poor one (red
  // there) is a no, and nothing to score is "cannot tell".
  async scores_not_poor(sql) {
    const { overall } = await observabilityOverview(sql, new Date());
    const scores = Object.entries(overall.scores) as [string, { value: number | null }][];
    const shown = scores.map(([k, s]) => `${k} ${s.value === null ? '—' : Math.floor(s.value)}`).join(', ');
    if (scores.every(([, s]) => s.value === null)) return { ok: null, summary: 'Nothing to score yet (no running nodes): review Observability yourself.', record: view('observability', 'Observability') };
    const poor = scores.filter(([, s]) => s.value !== null && s.value < SCORE_POOR_BELOW).map(([k]) => k);
    return {
      ok: poor.length === 0,
      summary: poor.length === 0 ? `Whole grid: ${shown}; none below ${SCORE_POOR_BELOW}.` : `Whole grid: ${shown}; below ${SCORE_POOR_BELOW}: ${poor.join(', ')}.`,
      record: view('observability', 'Observability'),
    };
  },

  async environment_changes_evidenced(sql) {
    const { items: rows, counts } = await changesWithoutEvidence(sql);
    if (rows.length === 0) return { ok: true, summary: 'Every deployment run, migration run and feature-flag change has evidence attached.', record: view('deployments', 'Deployments') };
    const parts = [
      counts.deployment && plural(counts.deployment, 'started deployment run'),
      counts.migration && plural(counts.migration, 'applied migration run'),
      counts.flag && plural(counts.flag, 'feature-flag change'),
    ].filter(Boolean);
    const first = rows[0]!;
    const type = { deployment: 'deployment_run', migration: 'migration_run', flag: 'flag_change' } as const;
    return {
      ok: false,
      summary: `Without evidence: ${parts.join(', ')}. Newest: ${first.name.slice(0, 120)}.`,
      record: { type: type[first.kind], id: first.id, label: first.name.slice(0, 120) },
    };
  },

  async no_incident_components(sql) {
    // The state Status shows: the worse of declared and computed, so a quiet declaration cannot pass it.
    const rows = (await listComponents(sql)).flatMap((c) => (c.state && isIncidentLevel(c.state) ? [{ name: c.name, state: c.state }] : []));
    if (rows.length === 0) return { ok: true, summary: 'No component is at partial or major outage.', record: view('status', 'Status') };
    return { ok: false, summary: `${rows.map((r) => `${r.name} (${STATE_LABELS[r.state].toLowerCase()})`).join(', ')}.`, record: view('status', 'Status') };
  },

  async no_open_critical_high_incidents(sql) {
    const open = await blockingIncidents(sql);
    if (open.length === 0) return { ok: true, summary: 'No critical or high incident is open.', record: view('incidents', 'Incidents') };
    return {
      ok: false,
      summary: `${plural(open.length, 'critical or high incident')} open: ${open.slice(0, 5).map((i) => `${i.ref} (${i.severity})`).join(', ')}.`,
      record: { type: 'incident', id: open[0]!.id, label: open[0]!.ref },
    };
  },

  async keys_clean(sql) {
    const since = new Date(Date.now() - STILL_USED_WINDOW_HOURS * 3600_000).toISOString();
    const r = await sql.one<{ stale: number; refused: number }>(
      `SELECT (SELECT count(*) FROM mc.node_keys k WHERE ${VALID_KEY_SQL} AND coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $2))::int AS stale,
              (SELECT count(DISTINCT key_id) FROM mc.ingest_rejections
                WHERE key_id IS NOT NULL AND reason IN ('key_revoked', 'key_expired', 'key_rotated_out') AND last_seen_at >= $1)::int AS refused`,
      [since, STALE_KEY_DAYS],
    );
    const ok = r.stale === 0 && r.refused === 0;
    return {
      ok,
      summary: ok
        ? `No key unused for ${STALE_KEY_DAYS} days; no revoked, expired or rotated-out key presented in ${STILL_USED_WINDOW_HOURS} h.`
        : `${plural(r.stale, 'stale key')}; ${plural(r.refused, 'revoked, expired or rotated-out key')} presented in ${STILL_USED_WINDOW_HOURS} h.`,
      record: view('keys', 'Node keys'),
    };
  },

  telemetry_valid_key_accepted: (sql, scope) => validation(sql, scope, 'valid'),
  telemetry_invalid_key_rejected: (sql, scope) => validation(sql, scope, 'invalid'),

  async site_and_node_exist(sql, scope) {
    const r = await sql.one<{ sites: number; nodes: number }>(
      `SELECT (SELECT count(*) FROM mc.sites s WHERE ${IN_CORRIDOR})::int AS sites,
              (SELECT count(*) FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id WHERE ${IN_CORRIDOR} AND n.lifecycle = 'active')::int AS nodes`,
      [scope.corridorId],
    );
    return {
      ok: r.sites > 0 && r.nodes > 0,
      summary: `${plural(r.sites, 'site')} and ${plural(r.nodes, 'active node')}${scope.corridorId ? ' in the corridor' : ''}.`,
      record: view('nodes', 'Nodes'),
    };
  },

  // A pilot's proof is an incident (or drill) of its corridor, not one elsewhere.
  async incident_lifecycle_proven(sql, scope) {
    const r = await sql.maybeOne<{ id: string; number: number; drill: boolean }>(
      `SELECT i.id, i.number, i.drill FROM mc.incidents i
        WHERE i.state IN ('resolved', 'closed')
          AND EXISTS (SELECT 1 FROM mc.incident_events e WHERE e.incident_id = i.id AND e.kind = 'acknowledged')
          AND ($1::uuid IS NULL OR mc.incident_in_corridor(i.id, $1))
        ORDER BY i.resolved_at DESC NULLS LAST LIMIT 1`,
      [scope.corridorId],
    );
    if (!r) return { ok: false, summary: `No incident${scope.corridorId ? ' affecting this corridor' : ''} has been created, acknowledged and resolved yet (a drill counts).`, record: view('incidents', 'Incidents') };
    return { ok: true, summary: `${incidentRef(r.number)}${r.drill ? ' (a drill)' : ''} was acknowledged and resolved.`, record: { type: 'incident', id: r.id, label: incidentRef(r.number) } };
  },

  // A pilot's gate is answered from its evidence page: all seven records of the operating principle.
  async evidence_visible(sql, scope, session) {
    if (scope.type === 'pilot' && scope.id) {
      const pilot = await pilotRef(sql, scope.id);
      const records = await pilotRecords(sql, pilot, (key) => CHECKS[key](sql, scope, session));
      const v = pilotRecordsVerdict(records);
      return { ok: v.ok, summary: v.summary, record: { type: 'pilot_evidence', id: scope.id, label: 'The pilot’s evidence records' } };
    }
    const r = await sql.maybeOne<{ n: number; id: string; title: string }>(
      `SELECT count(*) OVER ()::int AS n, id, title FROM mc.evidence_records e
        WHERE e.kind IN ('telemetry_validation', 'routing_simulation') AND e.outcome = 'passed'
          AND ($1::uuid IS NULL OR mc.evidence_corridor(e.kind, e.subject_type, e.subject_id, e.data) = $1)
        ORDER BY created_at DESC LIMIT 1`,
      [scope.corridorId],
    );
    if (!r) return { ok: false, summary: `No passed evidence record${scope.corridorId ? ' of this corridor' : ''} exists yet (a telemetry validation record is one).`, record: null };
    return { ok: true, summary: `${plural(r.n, 'evidence record')}; the newest: ${r.title}.`, record: { type: 'evidence', id: r.id, label: r.title } };
  },

  async migrations_applied(sql) {
    migrationFiles ??= loadMigrations(sqlDir());
    const m = await migrationStateOf(sql, migrationFiles);
    const ok = m.pending.length === 0 && m.drift.length === 0;
    return {
      ok,
      summary: ok
        ? `All ${m.total} migrations applied; none changed since.`
        : `${m.applied} of ${m.total} applied${m.pending.length ? `; pending: ${m.pending.join(', ')}` : ''}${m.drift.length ? `; changed since applied: ${m.drift.join(', ')}` : ''}.`,
      record: view('connections', 'Connections'),
    };
  },

  async audit_chain_verifies(sql, _scope, session) {
    // Verifying reads the whole chain, and every viewer of a run asks on every change. An answer
    // is reused for a minute while the head has not moved: tampering in place (which leaves the
    // head alone) still shows within a minute; a new event shows at once.
    const head = await sql.maybeOne<{ seq: number; hash: string }>('SELECT seq, hash FROM mc.audit_heads WHERE org_id = mc.current_org_id()');
    const key = `${session.orgId}:${head?.seq ?? 0}:${head?.hash ?? ''}`;
    const cached = verified.get(session.orgId);
    if (cached && cached.key === key && Date.now() - cached.at < 60_000) return cached.answer;
    const v = await verifyAudit(sql, session.orgId);
    const answer: CheckAnswer = {
      ok: v.ok,
      summary: v.ok ? `All ${v.checked} audit events verify, up to #${v.headSeq}.` : `The chain breaks: ${v.breaks.slice(0, 3).map((b) => `#${b.seq} ${b.description}`).join('; ')}.`,
      record: { type: 'audit', id: String(v.headSeq), label: `Audit event #${v.headSeq}` },
    };
    verified.set(session.orgId, { key, answer, at: Date.now() });
    return answer;
  },

  async alert_rules_enabled(sql) {
    const r = await sql.one<{ enabled: number; critical: number }>(
      `SELECT count(*) FILTER (WHERE enabled)::int AS enabled, count(*) FILTER (WHERE enabled AND severity = 'critical')::int AS critical FROM mc.alert_rules`,
    );
    return { ok: r.critical > 0, summary: `${plural(r.enabled, 'rule')} enabled, ${r.critical} critical.`, record: view('alerts', 'Alerts') };
  },

  async escalation_owner(sql) {
    const r = await sql.one<{ policies: number; commanders: number }>(
      `SELECT (SELECT count(*) FROM mc.escalation_policies WHERE 'critical' = ANY (severities))::int AS policies,
              (SELECT count(*) FROM mc.memberships WHERE org_id = mc.current_org_id() AND role = 'incident_commander')::int AS commanders`,
    );
    const ok = r.policies > 0 && r.commanders > 0;
    return {
      ok,
      summary: ok
        ? `${plural(r.policies, 'escalation policy', 'escalation policies')} ${r.policies === 1 ? 'covers' : 'cover'} critical incidents; ${plural(r.commanders, 'incident commander')}.`
        : r.policies === 0
          ? 'No escalation policy covers critical incidents.'
          : 'Nobody holds the incident commander role.',
      record: view('incidents', 'Incidents'),
    };
  },

  async corridor_nodes_connected(sql, scope) {
    const since = new Date(Date.now() - STALE_AFTER_MS).toISOString();
    const r = await sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
         JOIN mc.node_latest l ON l.node_id = n.id
        WHERE ${IN_CORRIDOR} AND n.lifecycle = 'active' AND l.seen_at >= $2`,
      [scope.corridorId, since],
    );
    return { ok: r.n >= 2, summary: `${plural(r.n, 'active node')} reported in the last 5 minutes (two or more needed).`, record: view('nodes', 'Nodes') };
  },

  async corridor_drill_captured(sql, scope) {
    const r = await sql.maybeOne<{ id: string; number: number; reviewed: boolean }>(
      `SELECT i.id, i.number, EXISTS (SELECT 1 FROM mc.incident_reviews v WHERE v.incident_id = i.id) AS reviewed
         FROM mc.incidents i
        WHERE i.drill AND i.state IN ('resolved', 'closed')
          AND ($1::uuid IS NULL OR EXISTS (
                SELECT 1 FROM mc.incident_affected a
                  LEFT JOIN mc.sites s ON a.kind = 'site' AND s.id = a.target_id
                  LEFT JOIN mc.nodes n ON a.kind = 'node' AND n.id = a.target_id
                  LEFT JOIN mc.sites ns ON ns.id = n.site_id
                 WHERE a.incident_id = i.id
                   AND coalesce(CASE WHEN a.kind = 'corridor' THEN a.target_id END, s.corridor_id, ns.corridor_id) = $1))
        ORDER BY reviewed DESC, i.resolved_at DESC NULLS LAST LIMIT 1`,
      [scope.corridorId],
    );
    if (!r) return { ok: false, summary: 'No failover drill affecting this corridor has been run to resolution.', record: view('incidents', 'Incidents') };
    return {
      ok: r.reviewed,
      summary: r.reviewed ? `Drill ${incidentRef(r.number)} was resolved and reviewed.` : `Drill ${incidentRef(r.number)} was resolved; write its review to capture the evidence.`,
      record: { type: 'incident', id: r.id, label: incidentRef(r.number) },
    };
  },

  async corridor_sites_safe(sql, scope) {
    const rows = await sql.query<{ name: string; safety_checklist: string }>(
      `SELECT s.name, s.safety_checklist FROM mc.sites s WHERE ${IN_CORRIDOR} ORDER BY s.name`,
      [scope.corridorId],
    );
    const unsafe = rows.filter((r) => r.safety_checklist !== 'passed');
    if (rows.length === 0) return { ok: false, summary: 'The corridor has no sites yet.', record: view('corridors', 'Corridors') };
    return {
      ok: unsafe.length === 0,
      summary:
        unsafe.length === 0
          ? `All ${plural(rows.length, 'site')} passed their safety checklist.`
          : `${plural(unsafe.length, 'site')} not passed: ${unsafe.slice(0, 6).map((s) => `${s.name} (${s.safety_checklist.replace('_', ' ')})`).join(', ')}${unsafe.length > 6 ? ', …' : ''}.`,
      record: view('checklists', 'Checklists'),
    };
  },

  async site_thermal_ok(sql, scope) {
    const r = await sql.one<{ hottest: number | null; host: string | null }>(
      `SELECT max(r.max) AS hottest, (array_agg(n.hostname ORDER BY r.max DESC))[1] AS host
         FROM mc.telemetry_rollups_1m r JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
        WHERE n.site_id = $1 AND r.metric = 3 AND r.minute > now() - interval '24 hours'`,
      [scope.id],
    );
    if (r.hottest === null) return { ok: null, summary: 'No GPU temperature from this site in the last 24 hours: check it on site.', record: null };
    return {
      ok: r.hottest < 83,
      summary: `Hottest GPU in 24 h: ${Math.round(r.hottest * 10) / 10} °C on ${r.host}${r.hottest < 83 ? '' : ' (83 °C or more)'}.`,
      record: view('nodes', 'Nodes'),
    };
  },

  async runtime_connected(sql, scope) {
    const r = await sql.one<{ n: number; names: string[] | null }>(
      `SELECT count(*)::int AS n, (array_agg(r.name ORDER BY r.name))[1:3] AS names
         FROM mc.runtimes r JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
        WHERE ${IN_CORRIDOR} AND r.enabled AND r.health IN ('healthy', 'degraded') AND r.last_probe_at >= now() - make_interval(mins => $2)`,
      [scope.corridorId, PROBE_FRESH_MINUTES],
    );
    return {
      ok: r.n > 0,
      summary: r.n > 0 ? `${plural(r.n, 'runtime')} serving, probed in the last ${PROBE_FRESH_MINUTES} minutes: ${(r.names ?? []).join(', ')}.` : `No runtime${scope.corridorId ? ' in the corridor' : ''} answered a probe in the last ${PROBE_FRESH_MINUTES} minutes.`,
      record: view('runtimes', 'Runtimes'),
    };
  },

  async models_available(sql, scope) {
    const r = await sql.one<{ models: string[] | null }>(
      `SELECT array_agg(DISTINCT m.model_id ORDER BY m.model_id) AS models
         FROM mc.runtime_models m JOIN mc.runtimes r ON r.org_id = m.org_id AND r.id = m.runtime_id
         JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
        WHERE ${IN_CORRIDOR} AND r.enabled AND n.lifecycle = 'active' AND r.health IN ('healthy', 'degraded')`,
      [scope.corridorId],
    );
    const models = r.models ?? [];
    return {
      ok: models.length > 0,
      summary: models.length ? `The catalog (/api/v1/models) lists ${plural(models.length, 'available model')}: ${models.slice(0, 3).join(', ')}${models.length > 3 ? ', …' : ''}.` : 'No model is available: connect a runtime that serves one.',
      record: view('models', 'Models'),
    };
  },

  async routing_simulation_saved(sql, scope) {
    const r = await sql.maybeOne<{ id: string; title: string; outcome: string; created_at: string }>(
      `SELECT e.id, e.title, e.outcome, e.created_at FROM mc.evidence_records e
        WHERE e.kind = 'routing_simulation' AND ($1::uuid IS NULL OR e.data #>> '{request,homeCorridorId}' = $1::text)
          AND ($2::text IS NULL OR lower(e.data #>> '{request,customerName}') = lower($2))
        ORDER BY e.created_at DESC LIMIT 1`,
      [scope.corridorId, scope.customerName ?? null],
    );
    const forWhom = scope.customerName ? ` for ${scope.customerName}` : scope.corridorId ? ' for a customer of this corridor' : '';
    if (!r) return { ok: false, summary: `No routing simulation saved as evidence${forWhom} yet: run one in Routing with “Save as evidence”.`, record: view('routing', 'Routing') };
    return { ok: r.outcome === 'passed', summary: `${r.title}, ${r.created_at.slice(0, 10)}.`, record: { type: 'evidence', id: r.id, label: r.title } };
  },

  // The seed's SQL upgrade order, step 1. The app's compatibility fix (migration 0020) makes every
  // deployment_runs.version optional and drops its CHECKs wherever such a table exists; this reads
  // the catalog for what an older install could still carry, so the answer is the database's state.
  async compat_fixes_applied(sql) {
    const legacy = await sql.query<{ name: string; problem: string }>(
      `SELECT format('%I.%I', n.nspname, k.relname) AS name, 'NOT NULL' AS problem
         FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE k.relname = 'deployment_runs' AND k.relkind = 'r' AND a.attname = 'version' AND NOT a.attisdropped AND a.attnotnull
       UNION ALL
       SELECT format('%I.%I', n.nspname, k.relname), format('CHECK %s', con.conname)
         FROM pg_constraint con JOIN pg_class k ON k.oid = con.conrelid JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE k.relname = 'deployment_runs' AND con.contype = 'c'
          AND EXISTS (SELECT 1 FROM unnest(con.conkey) c(n) JOIN pg_attribute a ON a.attrelid = k.oid AND a.attnum = c.n WHERE a.attname = 'version')
        ORDER BY 1, 2`,
    );
    if (legacy.length > 0) {
      return { ok: false, summary: `Still of the older shape: ${legacy.map((l) => `${l.name}.version ${l.problem}`).join('; ')}. Reconnect as the owner so migration 0020's fix runs.`, record: view('migrations', 'Migrations') };
    }
    migrationFiles ??= loadMigrations(sqlDir());
    const fix = migrationFiles.find((f) => f.name.startsWith('0020_'));
    const m = await migrationStateOf(sql, migrationFiles);
    const applied = fix ? !m.pending.includes(fix.name) : false;
    return applied
      ? { ok: true, summary: `Applied with ${fix!.name}: no deployment_runs.version is required or checked.`, record: view('migrations', 'Migrations') }
      : { ok: false, summary: `The compatibility fix (${fix?.name ?? '0020'}) has not run on this database yet.`, record: view('migrations', 'Migrations') };
  },

  // Step 3: the RLS policies, as schema verification sees them.
  async rls_verified(sql) {
    migrationFiles ??= loadMigrations(sqlDir());
    const v = await verifySchema(sql, migrationFiles);
    const mc = v.schemas.find((x) => x.schema === 'mc');
    if (v.ok) return { ok: true, summary: `Every app table under forced row-level security; ${mc?.policies ?? 0} policies in schema mc; definer functions have a fixed search_path.`, record: view('migrations', 'Migrations') };
    const parts = [
      v.tablesWithoutForcedRls.length > 0 && `without forced RLS: ${v.tablesWithoutForcedRls.slice(0, 5).join(', ')}`,
      v.definerWithoutSearchPath.length > 0 && `definer functions without a fixed search_path: ${v.definerWithoutSearchPath.slice(0, 5).join(', ')}`,
      v.expected.missingTables.length > 0 && `missing tables: ${v.expected.missingTables.slice(0, 5).join(', ')}`,
    ].filter(Boolean);
    return { ok: false, summary: `Schema verification fails: ${parts.join('; ')}.`, record: view('migrations', 'Migrations') };
  },

  // Step 4: the app can tell whether this org is the demo org; only a person knows whether the
  // database is a demo or staging one, so a demo org here is theirs to confirm (never passed blind).
  async demo_seed_scoped(_sql, _scope, session) {
    if (!session.orgSimulated) return { ok: true, summary: 'This org is not the demo org: no demo data was seeded into it.', record: view('connections', 'Connections') };
    return { ok: null, summary: 'This org is the demo org (simulated data). Right for a demo or staging database only: confirm which this is, in the note.', record: view('connections', 'Connections') };
  },

  org_setup_complete: (sql) => orgSetupAnswer(sql),
  oauth_login_works: (sql) => oauthLoginAnswer(sql),
  // Daily item 5: the newest reconciliation record covering today (services/usage/check.ts).
  metering_reconciled: (sql) => meteringReconciledAnswer(sql),
  backup_restore_tested: (sql, _scope, session) => backupRestoreAnswer(sql, session.orgId, new Date()),
};

async function validation(sql: Sql, scope: CheckScope, which: 'valid' | 'invalid'): Promise<CheckAnswer> {
  const r = await sql.maybeOne<{ id: string; title: string; data: { validKey?: { status?: string }; invalidKey?: { status?: string; code?: string } }; created_at: string }>(
    `SELECT e.id, e.title, e.data, e.created_at FROM mc.evidence_records e
       LEFT JOIN mc.nodes n ON n.id::text = e.subject_id
       LEFT JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      WHERE e.kind = 'telemetry_validation' AND ${IN_CORRIDOR}
      ORDER BY e.created_at DESC LIMIT 1`,
    [scope.corridorId],
  );
  const where = scope.corridorId ? ' for a node of this corridor' : '';
  if (!r) return { ok: false, summary: `No telemetry validation record${where} yet: run one from a node’s page.`, record: view('nodes', 'Nodes') };
  const ok = which === 'valid' ? r.data.validKey?.status === 'accepted' : r.data.invalidKey?.status === 'rejected' && r.data.invalidKey.code === 'key_invalid';
  const said = which === 'valid' ? `valid key ${r.data.validKey?.status ?? 'not tried'}` : `invalid key ${r.data.invalidKey?.status ?? 'not tried'}${r.data.invalidKey?.code ? ` (${r.data.invalidKey.code})` : ''}`;
  return { ok, summary: `${r.title}, ${r.created_at.slice(0, 10)}: ${said}.`, record: { type: 'evidence', id: r.id, label: r.title } };
}

/** The live answer of one automatic check; a check that fails to run says so instead of guessing. */
export async function answer(sql: Sql, key: CheckKey, scope: CheckScope, session: Session): Promise<CheckAnswer> {
  return CHECKS[key](sql, scope, session);
}
