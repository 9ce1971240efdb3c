import { z } from 'zod';
import { CHECK_KEYS, ITEM_STATUSES, SUBJECT_TYPES, TEMPLATE_KEYS } from '../domain/checklists';
import { EVIDENCE_KINDS, PROOF_KINDS } from '../domain/proof';
import { actorRef, command, empty, idsEvent, isoTime, query, topic } from './channel';

export const templateKeySchema = z.enum(TEMPLATE_KEYS);
export const itemStatusSchema = z.enum(ITEM_STATUSES);

export const checkAnswerSchema = z.object({
  ok: z.boolean().nullable(),
  summary: z.string(),
  record: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }).nullable(),
});

export const evidenceRefSchema = z.strictObject({
  type: z.enum(['evidence', 'incident', 'audit', 'checklist', 'node', 'site', 'corridor']),
  id: z.string().trim().min(1).max(100),
  label: z.string().trim().min(1).max(200),
});

export const progressSchema = z.object({
  total: z.number().int(),
  open: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  complete: z.boolean(),
  passed: z.boolean(),
});

export const runSummarySchema = z.object({
  id: z.uuid(),
  templateKey: templateKeySchema,
  kind: z.enum(['checklist', 'gates']),
  title: z.string(),
  subjectType: z.enum(SUBJECT_TYPES),
  subjectId: z.uuid().nullable(),
  subjectName: z.string().nullable(),
  period: z.string().nullable(),
  startedAt: isoTime,
  startedBy: actorRef.nullable(),
  completedAt: isoTime.nullable(),
  outcome: z.enum(['passed', 'failed']).nullable(),
  progress: progressSchema,
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const itemSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  text: z.string(),
  view: z.string().nullable(),
  check: z.enum(CHECK_KEYS).nullable(),
  owner: actorRef.nullable(),
  status: itemStatusSchema,
  setBy: actorRef.nullable(),
  setAt: isoTime.nullable(),
  note: z.string().nullable(),
  evidenceUrl: z.string().nullable(),
  evidenceRef: z.object({ type: z.string(), id: z.string(), label: z.string() }).nullable(),
  /** What the automatic check said when the item was set. */
  recordedAnswer: checkAnswerSchema.nullable(),
  /** What it says now (items with an automatic check only). */
  live: checkAnswerSchema.nullable(),
  version: z.number().int(),
  /** The proof it needs to be passed (done), and that need in words. */
  proof: z.object({ kind: z.enum(PROOF_KINDS), evidenceKinds: z.array(z.enum(EVIDENCE_KINDS)), needs: z.string() }),
  /** An attestation's attached file or link, with the sha256 the main process computed (files) or was given (links). */
  attachment: z.object({ uri: z.string(), sha256: z.string() }).nullable(),
});
export type ChecklistItem = z.infer<typeof itemSchema>;

export const templateSchema = z.object({
  key: templateKeySchema,
  name: z.string(),
  source: z.string(),
  kind: z.enum(['checklist', 'gates']),
  subject: z.enum(SUBJECT_TYPES),
  cadence: z.enum(['daily', 'weekly', 'monthly']).nullable(),
  items: z.array(z.object({ key: z.string(), text: z.string(), view: z.string().optional(), check: z.enum(CHECK_KEYS).optional() })),
});

export const checklistsTemplates = query('checklists.templates', {
  summary: 'The checklist and gate templates Mission Control ships.',
  request: empty,
  response: z.object({ templates: z.array(templateSchema) }),
});

export const checklistsList = query('checklists.list', {
  summary: 'Checklist runs, newest first, with today’s, this week’s and this month’s runs if started.',
  request: z.strictObject({ kind: z.enum(['checklist', 'gates']).optional(), limit: z.number().int().min(1).max(500).default(100) }),
  response: z.object({ runs: z.array(runSummarySchema), current: z.object({ daily: z.uuid().nullable(), weekly: z.uuid().nullable(), monthly: z.uuid().nullable() }) }),
});

export const checklistsGet = query('checklists.get', {
  summary: 'One run with its items and the live answers of the items the app checks itself.',
  request: z.strictObject({ runId: z.uuid() }),
  response: z.object({ run: runSummarySchema, items: z.array(itemSchema) }),
});

export const checklistsStart = command('checklists.start', {
  summary: 'Start a checklist run (for a daily, weekly or monthly checklist: the current period’s, or the existing one).',
  request: z.strictObject({ templateKey: templateKeySchema, subjectId: z.uuid().nullable().default(null) }),
  response: z.object({ run: runSummarySchema, created: z.boolean() }),
});

export const checklistsSetItem = command('checklists.setItem', {
  summary: 'Set an item’s status with a note and evidence. Done (passed) is refused without the proof the item declares; waiving a gate needs an admin and a reason.',
  request: z.strictObject({
    itemId: z.uuid(),
    status: itemStatusSchema,
    note: z.string().trim().max(5000).nullable().default(null),
    evidenceUrl: z
      .string()
      .trim()
      .max(2000)
      .regex(/^https?:\/\/\S+$/, 'An evidence link starts with https:// (or http://).')
      .nullable()
      .default(null),
    evidenceRef: evidenceRefSchema.nullable().default(null),
    /**
     * An attestation's attachment: a local file (a path or file: URI, read and hashed by the main
     * process) or a link (https://), whose sha256 is then given in attachmentSha256.
     */
    attachment: z.string().trim().min(1).max(2000).nullable().default(null),
    attachmentSha256: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 hexadecimal characters.')
      .nullable()
      .default(null),
    /** The version the operator saw; a change by someone else in between is refused. */
    expectedVersion: z.number().int(),
  }),
  response: z.object({ item: itemSchema, run: runSummarySchema }),
});

export const checklistsSetOwner = command('checklists.setOwner', {
  summary: 'Give a gate (or item) an owner, or none.',
  request: z.strictObject({ itemId: z.uuid(), ownerId: z.uuid().nullable() }),
  response: z.object({ item: itemSchema }),
});

export const readinessSubjectSchema = z.object({
  subjectType: z.enum(['corridor', 'pilot']),
  id: z.uuid(),
  name: z.string(),
  /** Pilots: the customer's tier and corridor. */
  detail: z.string().nullable(),
  /** Pilots: the customer's tier (null for a corridor). */
  tier: z.enum(['pilot', 'enterprise', 'sovereign']).nullable(),
  readiness: z.enum(['preparing', 'ready', 'live']),
  owner: actorRef.nullable(),
  gateRunId: z.uuid().nullable(),
  progress: progressSchema.nullable(),
  openGates: z.array(z.string()),
  /** Gates an admin waived (with a reason): shown as waived, never as passed. */
  waivedGates: z.array(z.string()),
  /** What else keeps it from ready or live: a pilot's corridor not ready, a site's safety checklist not passed. */
  blockers: z.array(z.string()),
});
export type ReadinessSubject = z.infer<typeof readinessSubjectSchema>;

export const readinessOverview = query('readiness.overview', {
  summary: 'Go-live gates per corridor and per customer pilot, and whether each is ready.',
  request: empty,
  response: z.object({ corridors: z.array(readinessSubjectSchema), pilots: z.array(readinessSubjectSchema) }),
});

export const readinessCreatePilot = command('readiness.createPilot', {
  summary: 'Add a customer pilot in a corridor, with its acceptance gates.',
  request: z.strictObject({
    customerName: z.string().trim().min(2, 'Name the customer.').max(200),
    tier: z.enum(['pilot', 'enterprise', 'sovereign']).default('pilot'),
    corridorId: z.uuid(),
    ownerId: z.uuid().nullable().default(null),
  }),
  response: z.object({ subject: readinessSubjectSchema }),
});

export const readinessPrepare = command('readiness.prepare', {
  summary: 'Set up the go-live gates of a corridor (or a pilot’s, if missing).',
  request: z.strictObject({ subjectType: z.enum(['corridor', 'pilot']), subjectId: z.uuid() }),
  response: z.object({ subject: readinessSubjectSchema }),
});

export const readinessSet = command('readiness.set', {
  summary: 'Mark a corridor or pilot preparing, ready or live. Ready and live are refused while a gate is open.',
  request: z.strictObject({
    subjectType: z.enum(['corridor', 'pilot']),
    subjectId: z.uuid(),
    readiness: z.enum(['preparing', 'ready', 'live']),
    reason: z.string().trim().min(3, 'Say why.').max(2000),
  }),
  response: z.object({ subject: readinessSubjectSchema }),
  // Going live is an admin's decision.
  roles: ['admin'],
});

export const checklistsChanged = topic('checklists.changed', {
  summary: 'A checklist run or one of its items changed.',
  params: empty,
  event: idsEvent,
});

export const readinessChanged = topic('readiness.changed', {
  summary: 'A corridor’s or pilot’s readiness changed, or a pilot was added.',
  params: empty,
  event: idsEvent,
});
