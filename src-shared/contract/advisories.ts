import { z } from 'zod';
import { ADVISORY_CHECKS, ADVISORY_SEVERITIES, ADVISORY_STATES } from '../domain/advisories';
import { command, empty, query } from './channel';

/** The advisory scan (issue 16): findings with evidence and a fix, deduplicated per (check, subject). */
export const advisorySchema = z.object({
  id: z.uuid(),
  check: z.enum(ADVISORY_CHECKS),
  checkLabel: z.string(),
  subjectKey: z.string(),
  subjectLabel: z.string(),
  severity: z.enum(ADVISORY_SEVERITIES),
  state: z.enum(ADVISORY_STATES),
  /** What was found, computed from records by the scan that last saw it. */
  evidence: z.string(),
  /** What to do, and the view where it is done (a navigation id). */
  fix: z.string(),
  fixView: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  seenCount: z.number().int(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  ackReason: z.string().nullable(),
  incidentId: z.uuid().nullable(),
  incidentRef: z.string().nullable(),
  closedAt: z.string().nullable(),
  closedReason: z.string().nullable(),
});
export type Advisory = z.infer<typeof advisorySchema>;

/**
 * One line of a scan's report: a check that ran (and what it found), ran with nothing on record to
 * check (no_record: e.g. no signing key yet; never shown as clear), or could not run, and why.
 */
export const scanLineSchema = z.object({
  check: z.enum(ADVISORY_CHECKS),
  label: z.string(),
  status: z.enum(['checked', 'no_record', 'not_checked']),
  found: z.number().int(),
  note: z.string(),
});
export type ScanLine = z.infer<typeof scanLineSchema>;

export const scanSummarySchema = z.object({
  id: z.uuid(),
  trigger: z.enum(['scheduled', 'manual']),
  startedAt: z.string(),
  finishedAt: z.string(),
  raised: z.number().int(),
  refreshed: z.number().int(),
  closed: z.number().int(),
  report: z.array(scanLineSchema),
});
export type ScanSummary = z.infer<typeof scanSummarySchema>;

const days = (max: number) => z.number().int('Whole numbers only.').min(1, 'At least 1.').max(max, `At most ${max}.`);
export const thresholdsSchema = z.strictObject({
  keyStaleDays: days(3650),
  keyExpiryWarnDays: days(365),
  nodeSilentMinutes: days(10080),
  signingKeyMaxAgeDays: days(3650),
  backupMaxAgeHours: days(8760),
  restoreDrillMaxAgeDays: days(365),
  overCommitMinutes: days(60),
});

export const advisoriesList = query('advisories.list', {
  summary: 'Advisories: every open and acknowledged one, and the newest 200 closed; the last scan and the thresholds.',
  request: empty,
  response: z.object({
    advisories: z.array(advisorySchema),
    lastScan: scanSummarySchema.nullable(),
    thresholds: thresholdsSchema,
    openCount: z.number().int(),
  }),
});

export const advisoriesScan = command('advisories.scan', {
  summary: 'Run the advisory scan now, through its own database login: raise, refresh and close advisories.',
  request: z.strictObject({}),
  response: z.object({ scan: scanSummarySchema }),
});

export const advisoriesAcknowledge = command('advisories.acknowledge', {
  summary: 'Acknowledge an open advisory with a reason (audited); it stays until its condition clears.',
  request: z.strictObject({
    advisoryId: z.uuid('Pick an advisory.'),
    reason: z.string().trim().min(3, 'Say why it is acknowledged (at least 3 characters).').max(2000),
  }),
  response: z.object({ advisory: advisorySchema }),
});

export const advisoriesOpenIncident = command('advisories.openIncident', {
  summary: 'Turn an advisory into an incident; the two are linked both ways.',
  request: z.strictObject({ advisoryId: z.uuid('Pick an advisory.') }),
  response: z.object({ advisory: advisorySchema }),
});

export const advisoriesSaveThresholds = command('advisories.saveThresholds', {
  summary: "Set this org's advisory thresholds (admins).",
  request: z.strictObject({ thresholds: thresholdsSchema }),
  response: z.object({ thresholds: thresholdsSchema }),
  roles: ['admin'],
});

export const advisoriesOfIncident = query('advisories.ofIncident', {
  summary: 'The advisories an incident was opened from.',
  request: z.strictObject({ incidentId: z.uuid() }),
  response: z.object({ advisories: z.array(advisorySchema) }),
});
