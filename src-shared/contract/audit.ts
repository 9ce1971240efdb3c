import { z } from 'zod';
import { empty, isoTime, query, topic } from './channel';

export const auditEventSchema = z.object({
  seq: z.number().int(),
  id: z.uuid(),
  at: isoTime,
  actor: z.object({ id: z.uuid().nullable(), name: z.string(), role: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditList = query('audit.list', {
  summary: 'Audit events of the current org, newest first.',
  request: z.strictObject({
    limit: z.number().int().min(1).max(500).default(100),
    beforeSeq: z.number().int().positive().optional(),
  }),
  response: z.object({ events: z.array(auditEventSchema), headSeq: z.number().int() }),
});

export const auditVerify = query('audit.verify', {
  summary: 'Recompute the whole hash chain of the current org and report any break.',
  request: empty,
  response: z.object({
    ok: z.boolean(),
    checked: z.number().int(),
    headSeq: z.number().int(),
    headHash: z.string(),
    breaks: z.array(z.object({ seq: z.number().int(), description: z.string() })),
  }),
});

export const auditAppended = topic('audit.appended', {
  summary: 'An audit event was appended to the current org’s chain.',
  params: empty,
  event: z.object({ id: z.uuid() }),
});
