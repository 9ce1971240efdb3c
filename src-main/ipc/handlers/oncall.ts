import { addShift, listShifts, onCallNow, removeShift } from '../../services/incidents/oncall';
import type { Handlers } from '../types';

export const oncallHandlers = {
  'oncall.list': async (_input, ctx) =>
    ctx.read(async (sql) => {
      const now = new Date();
      return { now: await onCallNow(sql, now), shifts: await listShifts(sql, now) };
    }, { snapshot: true }),
  'oncall.add': async (input, ctx) => ({ shift: await addShift(ctx.sql, input, ctx.audit) }),
  'oncall.remove': async (input, ctx) => {
    await removeShift(ctx.sql, input.shiftId, ctx.audit);
    return { ok: true as const };
  },
} satisfies Partial<Handlers>;
