import { z } from 'zod';
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

export const evidenceList = query('evidence.list', {
  summary: 'Evidence records of the current org, newest first.',
  request: z.strictObject({ kind: z.string().max(60).optional(), subjectId: z.string().max(100).optional(), limit: z.number().int().min(1).max(500).default(50) }),
  response: z.object({ records: z.array(evidenceSchema) }),
});

export const evidenceChanged = topic('evidence.changed', {
  summary: 'An evidence record was added.',
  params: empty,
  event: z.object({ ids: z.array(z.string()), truncated: z.boolean() }),
});
