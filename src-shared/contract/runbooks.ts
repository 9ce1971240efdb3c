import { z } from 'zod';
import { FACT_NAMES, MAX_RUNBOOK_BYTES } from '../domain/runbooks/markers';
import { command, empty, query } from './channel';

/** In-app runbooks (issue 16): versioned Markdown procedures with live facts, followed from incidents. */
const ADMINS = ['admin'] as const;
const FOLLOWERS = ['admin', 'operator', 'incident_commander'] as const;

export const factNameSchema = z.enum(FACT_NAMES);

/** One live fact as a step shows it: computed from records at `at`, or honestly unavailable. */
export const factSchema = z.object({
  name: factNameSchema,
  title: z.string(),
  /** ok: nothing wrong; warn / bad: look at it; unknown: no records to judge by; unavailable: no source in this build. */
  level: z.enum(['ok', 'warn', 'bad', 'unknown', 'unavailable']),
  summary: z.string(),
  lines: z.array(z.string()),
  /** The view where the figure comes from. */
  view: z.string().nullable(),
  at: z.string(),
});
export type Fact = z.infer<typeof factSchema>;

export const runbookStepSchema = z.object({
  id: z.string(),
  title: z.string(),
  facts: z.array(factNameSchema),
  action: z.object({ view: z.string(), label: z.string() }).nullable(),
  body: z.string(),
});

export const runbookSummarySchema = z.object({
  id: z.uuid(),
  key: z.string(),
  title: z.string(),
  builtin: z.boolean(),
  version: z.number().int(),
  steps: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type RunbookSummary = z.infer<typeof runbookSummarySchema>;

export const runbookVersionSchema = z.object({
  version: z.number().int(),
  title: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  restoredFrom: z.number().int().nullable(),
  auditSeq: z.number().int(),
});

export const runbookDetailSchema = runbookSummarySchema.extend({
  /** The version shown (the current one unless an older one was asked for). */
  shownVersion: z.number().int(),
  body: z.string(),
  intro: z.string(),
  stepList: z.array(runbookStepSchema),
  versions: z.array(runbookVersionSchema),
});
export type RunbookDetail = z.infer<typeof runbookDetailSchema>;

export const stepRecordSchema = z.object({
  stepId: z.string(),
  outcome: z.enum(['done', 'skipped']),
  reason: z.string().nullable(),
  facts: z.array(factSchema),
  at: z.string(),
  actor: z.string(),
  auditSeq: z.number().int(),
});

export const runbookRunSchema = z.object({
  id: z.uuid(),
  runbookId: z.uuid(),
  title: z.string(),
  version: z.number().int(),
  currentVersion: z.number().int(),
  incidentId: z.uuid(),
  startedAt: z.string(),
  startedBy: z.string(),
  steps: z.array(runbookStepSchema),
  records: z.array(stepRecordSchema),
});
export type RunbookRun = z.infer<typeof runbookRunSchema>;

export const runbooksList = query('runbooks.list', {
  summary: 'The org’s runbooks, by title (the five built-ins are installed when a writer first connects).',
  request: empty,
  response: z.object({ runbooks: z.array(runbookSummarySchema) }),
});

export const runbooksGet = query('runbooks.get', {
  summary: 'One runbook: its Markdown, its steps, and every version (an older version when asked for).',
  request: z.strictObject({ runbookId: z.uuid(), version: z.number().int().min(1).optional() }),
  response: z.object({ runbook: runbookDetailSchema }),
});

export const runbooksFacts = query('runbooks.facts', {
  summary: 'Live facts by provider name, computed now from records.',
  request: z.strictObject({ names: z.array(factNameSchema).min(1).max(FACT_NAMES.length) }),
  response: z.object({ facts: z.array(factSchema) }),
});

const body = z.string().max(MAX_RUNBOOK_BYTES, `A runbook is at most ${MAX_RUNBOOK_BYTES / 1024} KiB.`);

export const runbooksSave = command('runbooks.save', {
  summary: 'Save a runbook’s Markdown as its next version (admins); a bad step marker refuses the save.',
  request: z.strictObject({
    runbookId: z.uuid(),
    body,
    /** The version the editor started from: a save over someone else's newer version is refused. */
    baseVersion: z.number().int().min(1),
  }),
  response: z.object({ runbook: runbookDetailSchema }),
  roles: ADMINS,
});

export const runbooksRestore = command('runbooks.restore', {
  summary: 'Make an older version current again, as a new version (admins).',
  request: z.strictObject({ runbookId: z.uuid(), version: z.number().int().min(1), baseVersion: z.number().int().min(1) }),
  response: z.object({ runbook: runbookDetailSchema }),
  roles: ADMINS,
});

export const runbooksRuns = query('runbooks.runs', {
  summary: 'The runbooks followed from one incident, with each step recorded so far.',
  request: z.strictObject({ incidentId: z.uuid() }),
  response: z.object({ runs: z.array(runbookRunSchema) }),
});

export const runbooksFollow = command('runbooks.follow', {
  summary: 'Follow a runbook’s current version from an incident (recorded on its timeline).',
  request: z.strictObject({ incidentId: z.uuid(), runbookId: z.uuid() }),
  response: z.object({ run: runbookRunSchema }),
  roles: FOLLOWERS,
});

export const runbooksRecordStep = command('runbooks.recordStep', {
  summary: 'Record one step of a followed runbook as done, or skipped with a reason, with the facts as the app sees them now.',
  request: z.strictObject({
    runId: z.uuid(),
    stepId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'A step id is small letters, digits and dashes.'),
    outcome: z.enum(['done', 'skipped'], 'Say done or skipped.'),
    /** Why (required to skip a step, at least 3 characters); it lands in the audit event too. */
    reason: z.string().trim().max(2000).optional(),
  }),
  response: z.object({ run: runbookRunSchema }),
  roles: FOLLOWERS,
});
