import type { AuditEventBody } from '../../../../src-shared/domain/audit-chain';
import { incidentRef } from '../../../../src-shared/domain/incident-lifecycle';

/**
 * What report.html shows an auditor to read, gathered while the records are written (no second
 * read): per records file its line count and its first rows as a few plain columns, the scope's
 * first audit events and how often each action occurs. Bounded whatever the bundle's size (rows
 * and cells are capped), so an export's memory stays flat. The tables are a reading aid: the
 * signed records files are the evidence, and the report says so.
 */

/** Rows shown per section, audit events shown, distinct actions counted, characters per cell. */
export const DIGEST_ROWS = 50;
export const DIGEST_EVENTS = 200;
const DIGEST_ACTIONS = 60;
const CELL = 200;
const INCIDENT_NAMES = 5000;

type Row = Record<string, unknown>;
type Column = [label: string, value: (r: Row) => unknown];

export interface DigestSection {
  file: string;
  title: string;
  columns: string[];
  rows: string[][];
  total: number;
  /** The rows shown are the oldest (by `order`), not the first in the file. */
  oldest: boolean;
}

interface Kept {
  spec: (typeof SECTIONS)[number];
  section: DigestSection;
  keys: string[];
}

export interface Digest {
  sections: DigestSection[];
  events: { total: number; columns: string[]; rows: string[][]; actions: [action: string, count: number][]; otherActions: number };
}

/** Times as UTC minutes, the same on every machine (no locale): "2026-12-07 10:03 UTC". */
export function utc(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) return '';
  return `${v.slice(0, 10)} ${v.slice(11, 16)} UTC`;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
const seconds = (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s` : '');
const none = (v: unknown) => v === null || v === undefined;
const words = (v: unknown) => text(v).replaceAll('_', ' ');
/** A timeline entry's state change in words (": triage → active"), from its data. */
const transition = (data: unknown): string => {
  const d = data as { from?: unknown; to?: unknown } | null;
  return d && typeof d.from === 'string' && typeof d.to === 'string' ? `: ${words(d.from)} → ${words(d.to)}` : '';
};
const cut = (s: string) => (s.length > CELL ? `${s.slice(0, CELL - 1)}…` : s);

/** The sections an auditor reads, in the order they appear; files not named here are only counted. */
/**
 * `order`: the key the shown rows are the smallest of (oldest first: a timeline read in order);
 * without it, the file's own order (its primary key).
 */
const SECTIONS: { file: string; title: string; columns: Column[]; order?: (r: Row) => string }[] = [
  {
    file: 'records/incidents.jsonl',
    order: (r) => String(r.number).padStart(10, '0'),
    title: 'Incidents',
    columns: [
      ['Ref', (r) => (typeof r.number === 'number' ? incidentRef(r.number) : r.number)],
      ['Title', (r) => `${text(r.title)}${r.drill === true ? ' (drill)' : ''}`],
      ['Severity', (r) => r.severity],
      ['State', (r) => words(r.state)],
      ['Opened', (r) => `${utc(r.opened_at)}${r.opened_by_name ? ` by ${text(r.opened_by_name)}` : ''}`],
      ['Resolved', (r) => utc(r.resolved_at)],
      ['Closed', (r) => utc(r.closed_at)],
    ],
  },
  {
    file: 'records/incident-events.jsonl',
    order: (r) => text(r.at),
    title: 'Incident timeline',
    columns: [
      ['Incident', (r) => r.incident],
      ['At', (r) => utc(r.at)],
      ['Who', (r) => r.actor_name],
      ['What', (r) => `${words(r.kind)}${transition(r.data)}`],
      ['Note', (r) => r.body],
      ['Audit event', (r) => (r.audit_seq === null || r.audit_seq === undefined ? '' : `#${text(r.audit_seq)}`)],
    ],
  },
  {
    file: 'records/incident-reviews.jsonl',
    title: 'Incident reviews',
    columns: [
      ['Incident', (r) => r.incident],
      ['Summary', (r) => r.summary],
      ['Causes', (r) => r.causes],
      ['Actions', (r) => (Array.isArray(r.actions) ? r.actions.length : '')],
      ['Updated', (r) => utc(r.updated_at)],
    ],
  },
  {
    file: 'records/drills.jsonl',
    order: (r) => text(r.created_at),
    title: 'Failover drills',
    columns: [
      ['Scope', (r) => `${text(r.scope_name)} (${words(r.scope_kind)})`],
      ['Hypothesis', (r) => r.hypothesis],
      ['State', (r) => words(r.state)],
      // Why, as the drill's page says it: a bare "failed" leaves an auditor to guess.
      ['Outcome', (r) => `${words(r.outcome)}${Array.isArray(r.outcome_reasons) && r.outcome_reasons.length ? `: ${r.outcome_reasons.map(text).join(' ')}` : ''}`],
      // A completed drill with no figure did not recover, or had no telemetry to measure: as the
      // drill's page says, never a blank an auditor could read as "not applicable".
      ['Recovery', (r) => (r.state === 'completed' && none(r.recovery_ms) ? 'not recovered' : seconds(r.recovery_ms))],
      ['Data-loss window', (r) => (r.state === 'completed' && none(r.data_loss_ms) ? 'not measured (no telemetry from the scope during the drill)' : seconds(r.data_loss_ms))],
      ['Started', (r) => utc(r.started_at)],
      ['Ended', (r) => utc(r.ended_at)],
    ],
  },
  {
    file: 'records/pilots.jsonl',
    order: (r) => text(r.created_at),
    title: 'Customer pilots',
    columns: [
      ['Customer', (r) => r.customer_name],
      ['Tier', (r) => r.tier],
      ['Readiness', (r) => words(r.readiness)],
      ['Created', (r) => utc(r.created_at)],
    ],
  },
  {
    file: 'records/checklist-runs.jsonl',
    order: (r) => text(r.started_at),
    title: 'Checklist and gate runs',
    columns: [
      ['Run', (r) => r.title],
      ['Kind', (r) => words(r.kind)],
      ['Started', (r) => utc(r.started_at)],
      ['Completed', (r) => utc(r.completed_at)],
      ['Outcome', (r) => words(r.outcome)],
    ],
  },
  {
    file: 'records/checklist-items.jsonl',
    title: 'Checklist items and their proof',
    columns: [
      ['Item', (r) => r.text],
      ['Status', (r) => words(r.status)],
      ['Proof', (r) => r.evidence_url ?? (r.evidence_ref ? JSON.stringify(r.evidence_ref) : r.live_answer ? JSON.stringify(r.live_answer) : 'none')],
      ['Set', (r) => utc(r.set_at)],
    ],
  },
  {
    file: 'records/deployment-runs.jsonl',
    order: (r) => text(r.created_at),
    title: 'Deployment runs',
    columns: [
      ['Release', (r) => r.release_name],
      ['Environment', (r) => r.environment],
      ['Status', (r) => words(r.status)],
      ['Canary', (r) => (typeof r.canary_percent === 'number' ? `${r.canary_percent}%` : '')],
      ['Created', (r) => utc(r.created_at)],
      ['Finished', (r) => utc(r.finished_at)],
      ['Evidence', (r) => r.evidence_uri],
    ],
  },
  {
    file: 'records/migration-runs.jsonl',
    order: (r) => text(r.created_at),
    title: 'Database migration runs',
    columns: [
      ['File', (r) => r.file_name],
      ['Database', (r) => r.target_database],
      ['Status', (r) => words(r.status)],
      ['Applied', (r) => utc(r.applied_at)],
      ['Error', (r) => r.error],
    ],
  },
  {
    file: 'records/evidence-records.jsonl',
    order: (r) => text(r.created_at),
    title: 'Evidence records',
    columns: [
      ['Kind', (r) => words(r.kind)],
      ['Title', (r) => r.title],
      ['Outcome', (r) => words(r.outcome)],
      ['Recorded', (r) => utc(r.created_at)],
      ['Audit event', (r) => (r.audit_seq === null || r.audit_seq === undefined ? '' : `#${text(r.audit_seq)}`)],
    ],
  },
  {
    file: 'records/routing-decisions.jsonl',
    order: (r) => text(r.decided_at),
    title: 'Routing decisions',
    columns: [
      ['Decided', (r) => utc(r.decided_at)],
      ['Source', (r) => words(r.source)],
      ['Model', (r) => r.model],
      ['Region', (r) => words(r.region)],
      ['Origin', (r) => r.origin_country],
      ['Reason', (r) => r.policy_reason],
    ],
  },
  {
    file: 'records/customer-keys.jsonl',
    order: (r) => text(r.created_at),
    title: 'Customer API keys (no secret, no hash)',
    columns: [
      ['Key', (r) => `${text(r.prefix)}…`],
      ['Label', (r) => r.label],
      ['Issued', (r) => utc(r.created_at)],
      ['Expires', (r) => utc(r.expires_at)],
      ['Revoked', (r) => (r.revoked_at ? `${utc(r.revoked_at)}${r.revoke_reason ? `: ${text(r.revoke_reason)}` : ''}` : '')],
      ['Last used', (r) => utc(r.last_used_at)],
    ],
  },
  {
    file: 'records/usage-reconciliations.jsonl',
    order: (r) => text(r.created_at),
    title: 'Usage reconciliations',
    columns: [
      ['Period', (r) => `${utc(r.period_from)} to ${utc(r.period_to)}`],
      ['Outcome', (r) => words(r.outcome)],
      ['Windows flagged', (r) => `${text(r.windows_flagged)} of ${text(r.windows_total)}`],
      ['Unexplained', (r) => r.unexplained],
      ['Run', (r) => utc(r.created_at)],
    ],
  },
  {
    file: 'records/runbook-steps.jsonl',
    order: (r) => text(r.at),
    title: 'Runbook steps recorded',
    columns: [
      ['Step', (r) => r.step_id],
      ['Outcome', (r) => r.outcome],
      ['Reason', (r) => r.reason],
      ['By', (r) => r.actor_name],
      ['At', (r) => utc(r.at)],
    ],
  },
  {
    file: 'records/credential-rotation-runs.jsonl',
    order: (r) => text(r.started_at),
    title: 'Credential rotation runs',
    columns: [
      ['Mode', (r) => r.mode],
      ['State', (r) => r.state],
      ['Reason', (r) => r.reason],
      ['Started', (r) => utc(r.started_at)],
      ['Ended', (r) => utc(r.ended_at)],
    ],
  },
  {
    file: 'records/backups.jsonl',
    order: (r) => text(r.created_at),
    title: 'Backups',
    columns: [
      ['Taken', (r) => utc(r.created_at)],
      ['Format', (r) => words(r.format)],
      ['Bytes', (r) => r.size_bytes],
      ['Audit events', (r) => r.audit_events],
      ['SHA-256', (r) => r.sha256],
      ['Removed', (r) => utc(r.removed_at)],
    ],
  },
  {
    file: 'records/restore-drills.jsonl',
    order: (r) => text(r.started_at),
    title: 'Restore drills',
    columns: [
      ['Run', (r) => utc(r.started_at)],
      ['Passed', (r) => (r.ok === true ? 'yes' : 'NO')],
      ['Row counts', (r) => (r.counts_ok === true ? 'match' : 'differ')],
      ['Chain', (r) => r.chain_message],
      ['Took', (r) => seconds(r.duration_ms)],
    ],
  },
];
const SECTION_BY_FILE = new Map(SECTIONS.map((s) => [s.file, s]));

const EVENT_COLUMNS = ['#', 'When', 'Who', 'Action', 'Subject', 'Reason'];

export class ReportDigest {
  private readonly sections = new Map<string, Kept>();
  /** Incident ids to their refs (INC-12, as the app says), so a review names its incident (bounded like everything here). */
  private readonly incidentNumbers = new Map<string, string>();
  private readonly eventRows: string[][] = [];
  private eventTotal = 0;
  private readonly actions = new Map<string, number>();
  private otherActions = 0;

  /** A row written to a records file. */
  row(file: string, r: Row): void {
    if (file === 'records/incidents.jsonl' && this.incidentNumbers.size < INCIDENT_NAMES) this.incidentNumbers.set(text(r.id), typeof r.number === 'number' ? incidentRef(r.number) : text(r.number));
    if (file === 'records/incident-reviews.jsonl' || file === 'records/incident-events.jsonl') r = { ...r, incident: this.incidentNumbers.get(text(r.incident_id)) ?? r.incident_id };
    const spec = SECTION_BY_FILE.get(file);
    if (!spec) return;
    let k = this.sections.get(file);
    if (!k) {
      k = { spec, section: { file, title: spec.title, columns: spec.columns.map((c) => c[0]), rows: [], total: 0, oldest: spec.order !== undefined }, keys: [] };
      this.sections.set(file, k);
    }
    k.section.total++;
    const cells = () => spec.columns.map(([, value]) => cut(text(value(r))));
    if (!spec.order) {
      if (k.section.rows.length < DIGEST_ROWS) k.section.rows.push(cells());
      return;
    }
    // The DIGEST_ROWS smallest keys, kept sorted: a row older than the newest kept takes its place.
    const key = spec.order(r);
    const full = k.keys.length === DIGEST_ROWS;
    if (full && key >= (k.keys[DIGEST_ROWS - 1] as string)) return;
    let at = k.keys.length;
    while (at > 0 && (k.keys[at - 1] as string) > key) at--;
    k.keys.splice(at, 0, key);
    k.section.rows.splice(at, 0, cells());
    if (full) {
      k.keys.pop();
      k.section.rows.pop();
    }
  }

  /** An audit event of the scope, with its subject's name as the bundle writes it. */
  event(e: AuditEventBody, subject: string | null): void {
    this.eventTotal++;
    const n = this.actions.get(e.action);
    if (n !== undefined) this.actions.set(e.action, n + 1);
    else if (this.actions.size < DIGEST_ACTIONS) this.actions.set(e.action, 1);
    else this.otherActions++;
    if (this.eventRows.length < DIGEST_EVENTS) {
      const who = e.actor.role ? `${e.actor.name} (${e.actor.role})` : e.actor.name;
      this.eventRows.push([String(e.seq), utc(e.at), who, e.action, subject ?? `${e.target.type}${e.target.id ? ` ${e.target.id}` : ''}`, e.reason ?? ''].map(cut));
    }
  }

  result(): Digest {
    return {
      sections: SECTIONS.map((s) => this.sections.get(s.file)?.section).filter((s): s is DigestSection => s !== undefined),
      events: {
        total: this.eventTotal,
        columns: EVENT_COLUMNS,
        rows: this.eventRows,
        actions: [...this.actions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
        otherActions: this.otherActions,
      },
    };
  }
}
