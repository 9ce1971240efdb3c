/**
 * The advisory scan's checks (issue 16): their names, labels, and the thresholds an org may set.
 * The same defaults are the column defaults of mc.advisory_settings (sql/0054).
 */
export const ADVISORY_CHECKS = [
  'key_stale',
  'key_expiring',
  'key_revoked_presented',
  'node_silent',
  'table_rls_not_forced',
  'definer_search_path',
  'pilot_evidence_missing',
  'customer_over_commit',
  'backup_overdue',
  'restore_drill_overdue',
  'signing_key_age',
] as const;
export type AdvisoryCheck = (typeof ADVISORY_CHECKS)[number];

export const ADVISORY_CHECK_LABELS: Record<AdvisoryCheck, string> = {
  key_stale: 'Stale node key',
  key_expiring: 'Node key expiring soon',
  key_revoked_presented: 'Refused key still presented',
  node_silent: 'Node silent',
  table_rls_not_forced: 'Table without forced RLS',
  definer_search_path: 'SECURITY DEFINER without fixed search_path',
  pilot_evidence_missing: 'Pilot missing evidence',
  customer_over_commit: 'Customer over committed capacity',
  backup_overdue: 'Backup overdue',
  restore_drill_overdue: 'Restore drill overdue',
  signing_key_age: 'Signing key past rotation age',
};

export const ADVISORY_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type AdvisorySeverity = (typeof ADVISORY_SEVERITIES)[number];
export const severityRank = (s: AdvisorySeverity): number => ADVISORY_SEVERITIES.indexOf(s);

export const ADVISORY_STATES = ['open', 'acknowledged', 'closed'] as const;
export type AdvisoryState = (typeof ADVISORY_STATES)[number];

export interface AdvisoryThresholds {
  /** A valid key unused (or never used) this many days is stale; the Keys page uses the same default. */
  keyStaleDays: number;
  /** A valid key expiring within this many days. */
  keyExpiryWarnDays: number;
  /** An active, draining or registered node with no telemetry for this long. */
  nodeSilentMinutes: number;
  /** The audit checkpoint key's age past which it should be rotated. */
  signingKeyMaxAgeDays: number;
  backupMaxAgeHours: number;
  restoreDrillMaxAgeDays: number;
  /** Minutes in the last hour a customer used more than committed before it is an advisory. */
  overCommitMinutes: number;
}

export const DEFAULT_THRESHOLDS: AdvisoryThresholds = {
  keyStaleDays: 30,
  keyExpiryWarnDays: 14,
  nodeSilentMinutes: 15,
  signingKeyMaxAgeDays: 90,
  backupMaxAgeHours: 26,
  restoreDrillMaxAgeDays: 8,
  overCommitMinutes: 5,
};

/** Refused keys presented within this window count as still presented (the Keys page's window). */
export const PRESENTED_WINDOW_HOURS = 24;

/** How often a connected workstation scans its org. */
export const SCAN_EVERY_MS = 15 * 60_000;
