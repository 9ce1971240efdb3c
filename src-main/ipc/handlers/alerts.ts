import { alertHistory, deleteRule, evaluationStatus, listInstances, listRules, saveRule } from '../../services/alerts';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const alertsHandlers = {
  'alerts.list': async (_input, ctx) =>
    ctx.read(async (sql) => ({ rules: await listRules(sql), instances: await listInstances(sql), evaluation: await evaluationStatus(sql) }), { snapshot: true }),
  'alerts.history': async (input, ctx) => ({ events: await ctx.read((sql) => alertHistory(sql, input.ruleId, input.limit)) }),
  'alerts.saveRule': async (input, ctx) => ({ rule: await saveRule(ctx.sql, input, ctx.audit) }),
  'alerts.deleteRule': async (input, ctx) => {
    await deleteRule(ctx.sql, input.id, ctx.audit);
    return { ok: true as const };
  },
} satisfies Partial<Handlers>;

export const alertsTopics = {
  'alerts.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'alerts.changed', emit),
} satisfies Partial<TopicHandlers>;
