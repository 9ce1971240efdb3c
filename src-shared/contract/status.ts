import { z } from 'zod';
import { actorRef, command, empty, isoTime, query, topic } from './channel';
import { COMPONENT_KINDS, COMPONENT_STATES } from '../domain/component-status';

export const componentStateSchema = z.enum(COMPONENT_STATES);
export const componentKindSchema = z.enum(COMPONENT_KINDS);

export const componentSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  kind: componentKindSchema,
  description: z.string(),
  /** What every view shows and rolls up: the worse of declared and computed; null is "no data". */
  state: componentStateSchema.nullable(),
  /** Which one decided `state`. */
  basis: z.enum(['declared', 'computed', 'none']),
  /** Computed from the records behind the component (domain/computed-status). */
  computed: z.object({ state: componentStateSchema.nullable(), explain: z.string() }),
  /** A person's declaration in force (not expired), or null. */
  declared: z
    .object({ state: componentStateSchema, reason: z.string().nullable(), by: actorRef.nullable(), at: isoTime, until: isoTime.nullable(), line: z.string() })
    .nullable(),
  /** The last declaration's fields, kept as they were (also when it has expired). */
  reason: z.string().nullable(),
  changedAt: isoTime,
  changedBy: actorRef.nullable(),
});
export type Component = z.infer<typeof componentSchema>;

export const statusList = query('status.list', {
  summary: 'Every component with its current state and when it last changed.',
  request: empty,
  response: z.object({ components: z.array(componentSchema) }),
});

export const historyEntrySchema = z.object({
  id: z.uuid(),
  fromState: componentStateSchema.nullable(),
  toState: componentStateSchema,
  reason: z.string().nullable(),
  at: isoTime,
  actor: actorRef.nullable(),
  /** The audit event that proves this change. */
  auditSeq: z.number().int().nullable(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const statusHistory = query('status.history', {
  summary: 'State changes of one component, newest first.',
  request: z.strictObject({ componentId: z.uuid(), limit: z.number().int().min(1).max(500).default(50) }),
  response: z.object({ entries: z.array(historyEntrySchema) }),
});

export const statusSetState = command('status.setState', {
  summary: 'Set a component’s state, with the reason operators will read.',
  request: z.strictObject({
    componentId: z.uuid(),
    state: componentStateSchema,
    reason: z.string().trim().min(3, 'Say why, in a few words (at least 3 characters).').max(2000),
    /** When the declaration stops counting; omitted: until someone changes it. */
    until: isoTime.optional(),
  }),
  response: z.object({ component: componentSchema }),
});

export const statusChanged = topic('status.changed', {
  summary: 'A component’s state changed (from any instance on the same database).',
  params: empty,
  event: z.object({ componentId: z.uuid() }),
});
