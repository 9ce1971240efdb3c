import { z } from 'zod';
import { PILOT_RECORD_KEYS } from '../domain/evidence/pilot-records';
import { command, empty, isoTime, query, topic } from './channel';

export const evidenceSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  title: z.string(),
  subjectType: z.string(),
  subjectId: z.string().nullable(),
  outcome: z.enum(['passed', 'failed']),
  data: z.record(z.string(), z.unknown()),
  auditSeq: z.number().int(),
  createdAt: isoTime,
  createdBy: z.string().nullable(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const ingestOutcomeSchema = z.object({
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  code: z.string().nullable(),
  message: z.string().nullable(),
  accepted: z.number().int().nullable(),
});
export type IngestOutcome = z.infer<typeof ingestOutcomeSchema>;

export const telemetryValidate = command('telemetry.validate', {
  summary:
    'Telemetry validation record: send one sample with a valid node key and one with an invalid key through the real ingest path, and keep both outcomes as evidence.',
  request: z.strictObject({ nodeId: z.uuid() }),
  response: z.object({ evidence: evidenceSchema }),
});

export const telemetrySettings = query('telemetry.settings', {
  summary: 'How long telemetry is kept and the ingest limits.',
  request: empty,
  response: z.object({
    retentionDays: z.number().int(),
    rollupRetentionDays: z.number().int(),
    batchWindowHours: z.number().int(),
    maxBatchSamples: z.number().int(),
    maxFutureSkewSeconds: z.number().int(),
  }),
});

const deadLettersSchema = z.object({
  /** Batches the HTTP door acknowledged that the worker has not written yet, and since when. */
  waiting: z.number().int(),
  waitingSince: z.string().nullable(),
  /**
   * How long queued batches took from the door's acknowledgement to their write, over the last
   * PROCESSING_WINDOW_MIN minutes (null percentiles: no queued batch was written in the window).
   */
  processing: z.object({ windowMinutes: z.number().int(), batches: z.number().int(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), maxMs: z.number().nullable() }),
  deadLetters: z.number().int(),
  oldestDeadLetterAt: z.string().nullable(),
  reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  /** The newest 200. */
  items: z.array(
    z.object({
      seq: z.number().int(),
      nodeId: z.uuid(),
      hostname: z.string().nullable(),
      batchId: z.uuid(),
      samples: z.number().int(),
      source: z.string(),
      receivedAt: z.string(),
      failedAt: z.string(),
      attempts: z.number().int(),
      reason: z.string(),
    }),
  ),
});
export type DeadLetters = z.infer<typeof deadLettersSchema>;

export const telemetryDeadLetters = query('telemetry.deadLetters', {
  summary: 'The telemetry door’s queue depth and its dead letters (batches the worker gave up on), with their reasons.',
  request: empty,
  response: deadLettersSchema,
});

export const telemetryResolveDeadLetters = command('telemetry.resolveDeadLetters', {
  summary: 'Replay dead letters (back on the queue) or discard them, with a reason; audited.',
  request: z.strictObject({
    seqs: z.array(z.number().int().positive()).min(1, 'Choose at least one dead letter.').max(500, 'At most 500 at a time.'),
    action: z.enum(['replay', 'discard']),
    reason: z.string().trim().min(3, 'Say why.').max(2000),
  }),
  response: z.object({ resolved: z.number().int() }),
});

export const evidenceList = query('evidence.list', {
  summary: 'Evidence records of the current org, newest first.',
  request: z.strictObject({ kind: z.string().max(60).optional(), subjectId: z.string().max(100).optional(), limit: z.number().int().min(1).max(500).default(50) }),
  response: z.object({ records: z.array(evidenceSchema) }),
});

const pilotRecordSchema = z.object({
  key: z.enum(PILOT_RECORD_KEYS),
  label: z.string(),
  present: z.boolean(),
  summary: z.string(),
  record: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }).nullable(),
});

export const evidencePilot = query('evidence.pilot', {
  summary: 'The seven evidence records of a customer pilot (the operating principle), each present with its record or missing with how to produce it, computed now.',
  request: z.strictObject({ pilotId: z.uuid() }),
  response: z.object({
    pilot: z.object({ id: z.uuid(), customerName: z.string(), tier: z.string(), corridorId: z.uuid(), corridorName: z.string() }),
    records: z.array(pilotRecordSchema),
    /** The gate "Compliance evidence artifacts are visible": yes only when all seven are present. */
    complete: z.boolean(),
    summary: z.string(),
  }),
});

export const evidenceChanged = topic('evidence.changed', {
  summary: 'An evidence record was added.',
  params: empty,
  event: z.object({ ids: z.array(z.string()), truncated: z.boolean() }),
});
