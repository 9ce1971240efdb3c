import { getReconciliation, listReconciliations, reconcile, usageSummary } from '../../services/usage';
import type { Handlers } from '../types';

export const usageHandlers = {
  'usage.summary': async (input, ctx) => ctx.read((sql) => usageSummary(sql, input), { snapshot: true }),
  'usage.reconcile': async (input, ctx) => reconcile(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'usage.reconciliations': async (input, ctx) => ({ reconciliations: await ctx.read((sql) => listReconciliations(sql, input.limit)) }),
  'usage.reconciliation': async (input, ctx) => ctx.read((sql) => getReconciliation(sql, input.id)),
} satisfies Partial<Handlers>;
