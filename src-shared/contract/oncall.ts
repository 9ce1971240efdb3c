import { z } from 'zod';
import { command, empty, isoTime, query } from './channel';

/** One on-call shift: who holds incident command from `startsAt` (inclusive) to `endsAt` (exclusive). */
export const shiftSchema = z.object({
  id: z.uuid(),
  operatorId: z.uuid(),
  name: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export type ShiftView = z.infer<typeof shiftSchema>;

export const oncallList = query('oncall.list', {
  summary: 'Who holds incident command now, and the shifts not yet ended (soonest first, at most 50).',
  request: empty,
  response: z.object({ now: shiftSchema.nullable(), shifts: z.array(shiftSchema) }),
});

export const oncallAdd = command('oncall.add', {
  summary: 'Add an on-call shift (admins and incident commanders); it may not overlap another.',
  request: z.strictObject({ operatorId: z.uuid('Pick a member.'), startsAt: isoTime, endsAt: isoTime }),
  response: z.object({ shift: shiftSchema }),
  roles: ['admin', 'incident_commander'],
});

export const oncallRemove = command('oncall.remove', {
  summary: 'Remove an on-call shift (admins and incident commanders).',
  request: z.strictObject({ shiftId: z.uuid(), reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: z.object({ ok: z.literal(true) }),
  roles: ['admin', 'incident_commander'],
});
