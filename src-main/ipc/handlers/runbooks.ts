import { commandRecorder } from '../../services/org';
import { computeFacts, followRunbook, getRunbook, listRunbooks, recordStep, restoreRunbook, runsOf, saveRunbook } from '../../services/runbooks';
import type { Handlers, OrgCommandCtx } from '../types';

const rec = (ctx: OrgCommandCtx) => commandRecorder(ctx.session, ctx.audit);

export const runbooksHandlers = {
  'runbooks.list': async (_input, ctx) => ({ runbooks: await ctx.read((sql) => listRunbooks(sql)) }),
  'runbooks.get': async (input, ctx) => ({ runbook: await ctx.read((sql) => getRunbook(sql, input.runbookId, input.version), { snapshot: true }) }),
  'runbooks.facts': async (input, ctx) => ({ facts: await ctx.read((sql) => computeFacts(sql, input.names), { snapshot: true }) }),
  'runbooks.runs': async (input, ctx) => ({ runs: await ctx.read((sql) => runsOf(sql, input.incidentId), { snapshot: true }) }),
  'runbooks.save': async (input, ctx) => ({ runbook: await saveRunbook(ctx.sql, rec(ctx), input, () => ctx.unchanged()) }),
  'runbooks.restore': async (input, ctx) => ({ runbook: await restoreRunbook(ctx.sql, rec(ctx), input) }),
  'runbooks.follow': async (input, ctx) => ({ run: await followRunbook(ctx.sql, rec(ctx), input) }),
  'runbooks.recordStep': async (input, ctx) => ({ run: await recordStep(ctx.sql, rec(ctx), input) }),
} satisfies Partial<Handlers>;
