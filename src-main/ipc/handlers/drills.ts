import { completeDrill, createDrill, drillOptions, getDrill, listDrills, runStep, startDrill, stopDrill } from '../../services/drills';
import { commandRecorder } from '../../services/org';
import type { Handlers, OrgCommandCtx } from '../types';

const rec = (ctx: OrgCommandCtx) => commandRecorder(ctx.session, ctx.audit);

export const drillsHandlers = {
  'drills.list': async (_input, ctx) => ({ drills: await ctx.read((sql) => listDrills(sql)) }),
  'drills.options': async (_input, ctx) => ctx.read((sql) => drillOptions(sql), { snapshot: true }),
  'drills.get': async (input, ctx) => ({ drill: await ctx.read((sql) => getDrill(sql, input.drillId), { snapshot: true }) }),
  'drills.create': async (input, ctx) => ({ drill: await createDrill(ctx.sql, rec(ctx), input) }),
  'drills.start': async (input, ctx) => ({ drill: await startDrill(ctx.sql, rec(ctx), input.drillId) }),
  'drills.runStep': async (input, ctx) => ({ drill: await runStep(ctx.sql, rec(ctx), input) }),
  'drills.stop': async (input, ctx) => ({ drill: await stopDrill(ctx.sql, rec(ctx), input) }),
  'drills.complete': async (input, ctx) => ({ drill: await completeDrill(ctx.sql, rec(ctx), input.drillId) }),
} satisfies Partial<Handlers>;
