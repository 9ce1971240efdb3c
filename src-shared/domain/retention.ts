/**
 * The retention matrix (issue 16, "Privacy and retention"): every class of data Mission Control
 * keeps, how long, and what removes it. One list for docs/retention.md (a test holds the two
 * together), the app's Retention panel and the upkeep that enforces it: what is written here is
 * what the hourly upkeep does, and the periods read from settings are read from the database the
 * upkeep reads.
 */
/** How often the database upkeep runs on every connected instance; the next purge is the last run plus this. */
export const UPKEEP_EVERY_MS = 60 * 60_000;

export type Keep =
  /** Days from a platform setting (mc.platform_settings), the same one the upkeep SQL reads. */
  | { kind: 'days'; setting: 'telemetry_retention_days' | 'rollup_retention_days' }
  | { kind: 'fixed_days'; days: number }
  | { kind: 'hours'; setting: 'ingest_batch_window_hours' }
  /** Kept for good: the record is evidence (append-only in the database). */
  | { kind: 'forever' }
  /** Files on this workstation, rotated by size. */
  | { kind: 'files'; size: string; count: number }
  /** Not collected by this version: nothing to keep or purge. */
  | { kind: 'not_collected' }
  /** Kept until an event, not a time: written, replayed, discarded. */
  | { kind: 'until'; what: string };

export interface RetentionClass {
  key: string;
  label: string;
  /** What the class holds and where. */
  holds: string;
  keep: Keep;
  /** How it is removed when its time is up (or why it never is). */
  how: string;
  /** Enforced by the hourly database upkeep (next purge time shown); false for the rest. */
  upkeep: boolean;
}

export const RETENTION_CLASSES: readonly RetentionClass[] = [
  { key: 'telemetry_samples', label: 'Telemetry samples', holds: 'mc.telemetry, one partition per UTC day', keep: { kind: 'days', setting: 'telemetry_retention_days' }, how: 'day partitions older than the period are dropped whole', upkeep: true },
  { key: 'telemetry_rollups', label: 'Telemetry rollups (per minute)', holds: 'mc.telemetry_rollups_1m', keep: { kind: 'days', setting: 'rollup_retention_days' }, how: 'rows older than the period are deleted', upkeep: true },
  { key: 'corridor_minutes', label: 'Corridor figures (per minute)', holds: 'mc.corridor_minutes (scores, availability)', keep: { kind: 'days', setting: 'rollup_retention_days' }, how: 'rows older than the period are deleted', upkeep: true },
  { key: 'routing_decisions', label: 'Routing decisions', holds: 'mc.routing_decisions, one partition per UTC day', keep: { kind: 'days', setting: 'telemetry_retention_days' }, how: 'day partitions older than the period are dropped whole', upkeep: true },
  { key: 'ingest_batch_ids', label: 'Ingest batch ids', holds: 'mc.ingest_batches (what makes a re-sent batch count once)', keep: { kind: 'hours', setting: 'ingest_batch_window_hours' }, how: 'rows older than the window are deleted; a batch re-sent later is refused as too old', upkeep: true },
  { key: 'telemetry_queue', label: 'Telemetry queue', holds: 'mc.ingest_queue, batches the HTTP door acknowledged and the worker has not written yet', keep: { kind: 'until', what: 'until written' }, how: 'deleted in the same transaction that writes the batch to the telemetry tables, or moves it to the dead letters', upkeep: false },
  { key: 'telemetry_dead_letters', label: 'Telemetry dead letters', holds: 'mc.ingest_dead_letters, batches that kept failing, with the reason', keep: { kind: 'until', what: 'until replayed or discarded' }, how: 'kept for an operator to replay or discard; never purged by time, since a dead letter is data the grid acknowledged', upkeep: false },
  { key: 'alert_transitions', label: 'Alert transitions', holds: 'mc.alert_events (firing, resolved)', keep: { kind: 'fixed_days', days: 30 }, how: 'rows older than 30 days are deleted; an alert linked to an incident stays on the incident’s timeline', upkeep: true },
  { key: 'api_request_logs', label: 'API request logs', holds: 'mc.api_requests, one row per request the customer gateway answered after the key check', keep: { kind: 'forever' }, how: 'never deleted by the app: with the usage events they are what customers are billed on and what reconciliation checks', upkeep: false },
  { key: 'usage_events', label: 'Usage events', holds: 'mc.usage_events, tokens a runtime served per request', keep: { kind: 'forever' }, how: 'never deleted by the app: the billing record (payouts and usage read it)', upkeep: false },
  { key: 'idempotency_keys', label: 'Gateway idempotency keys', holds: 'mc.idempotency_keys, a customer’s Idempotency-Key with the stored answer of a non-streaming request', keep: { kind: 'fixed_days', days: 1 }, how: 'records older than 24 hours are deleted (a key may then be used again)', upkeep: true },
  { key: 'runtime_token_counters', label: 'Runtime token counters', holds: 'mc.runtime_token_counters, a vLLM runtime’s cumulative prompt and generation token counters per probe (for usage reconciliation)', keep: { kind: 'fixed_days', days: 90 }, how: 'deleted by the prober when it records a newer sample of the same runtime: samples older than 90 days go', upkeep: false },
  { key: 'usage_reconciliations', label: 'Usage reconciliations', holds: 'mc.usage_reconciliations, each reconciliation run with its hourly windows and findings', keep: { kind: 'forever' }, how: 'never deleted by the app: a record is the evidence of daily checklist item 5 (the app may only insert)', upkeep: false },
  { key: 'limit_windows', label: 'Gateway limit windows (per minute)', holds: 'mc.limit_minutes and mc.limit_org_minutes, requests and tokens counted per customer and per org each UTC minute', keep: { kind: 'fixed_days', days: 1 }, how: 'rows older than a day are deleted (also every minute by each running gateway)', upkeep: true },
  { key: 'limit_months', label: 'Gateway quota months', holds: 'mc.limit_months, tokens counted per customer each UTC billing month', keep: { kind: 'fixed_days', days: 400 }, how: 'months that began more than 400 days ago are deleted', upkeep: true },
  { key: 'limit_admissions', label: 'Gateway admissions and leases', holds: 'mc.limit_admissions, one row per admitted request: its token estimate and concurrency lease', keep: { kind: 'until', what: 'until settled or expired, then 10 minutes' }, how: 'deleted 10 minutes after the request settled or its lease expired, an hour after admission if it never settled', upkeep: true },
  { key: 'audit_events', label: 'Audit events', holds: 'mc.audit_events, the hash-chained log', keep: { kind: 'forever' }, how: 'never deleted: the database refuses UPDATE, DELETE and TRUNCATE, from the app and the owner alike', upkeep: false },
  { key: 'evidence_records', label: 'Evidence records', holds: 'mc.evidence_records, incidents with timelines and reviews, checklist runs with their proofs, deployment and migration runs', keep: { kind: 'forever' }, how: 'never deleted by the app: they are what gates, audits and bundles rest on', upkeep: false },
  { key: 'ingest_refusals', label: 'Ingest refusals', holds: 'mc.ingest_rejections, one counter per key, reason and source (never the key itself)', keep: { kind: 'forever' }, how: 'kept as counters (one per key, reason and source, so they do not grow per attempt); deleted only with the org', upkeep: false },
  { key: 'payout_rate_cards', label: 'Payout rate cards', holds: 'mc.payout_rate_cards, every version an admin saved', keep: { kind: 'forever' }, how: 'never deleted by the app: every exported payout estimate names its version; deleted only with the org', upkeep: false },
  { key: 'app_logs', label: 'Application logs', holds: 'logs/main.N.log in the data folder (no secrets: see security.md)', keep: { kind: 'files', size: '10m', count: 5 }, how: 'rotated at 10 MB; only the 5 newest old files are kept', upkeep: false },
];

/** The period in words, with the setting's current value where it has one. */
export function keepText(keep: Keep, settings: Readonly<Record<string, number>>): string {
  switch (keep.kind) {
    case 'days': {
      const d = settings[keep.setting];
      return d === undefined ? `days set by ${keep.setting}` : `${d} days (${keep.setting})`;
    }
    case 'fixed_days':
      return keep.days === 1 ? '1 day' : `${keep.days} days`;
    case 'hours': {
      const h = settings[keep.setting];
      return h === undefined ? `hours set by ${keep.setting}` : `${h} hours (${keep.setting})`;
    }
    case 'forever':
      return 'kept for good';
    case 'files':
      return `${keep.count} rotated files of ${keep.size.replace('m', ' MB')}`;
    case 'not_collected':
      return 'not collected';
    case 'until':
      return keep.what;
  }
}

/** The period in milliseconds (null: no time limit), for "oldest kept" against the period. */
export function keepMs(keep: Keep, settings: Readonly<Record<string, number>>): number | null {
  const day = 86_400_000;
  if (keep.kind === 'days') return settings[keep.setting] === undefined ? null : (settings[keep.setting] as number) * day;
  if (keep.kind === 'fixed_days') return keep.days * day;
  if (keep.kind === 'hours') return settings[keep.setting] === undefined ? null : (settings[keep.setting] as number) * 3_600_000;
  return null;
}
