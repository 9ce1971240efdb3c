import { componentHistory, listComponents, setComponentState } from '../../services/status';
import type { Handlers, TopicHandlers } from '../types';
import { forwardOrgNotifications } from './org-topic';

export const statusHandlers = {
  'status.list': async (_input, ctx) => ({ components: await ctx.read((sql) => listComponents(sql)) }),
  'status.history': async (input, ctx) => ({ entries: await ctx.read((sql) => componentHistory(sql, input.componentId, input.limit)) }),
  'status.setState': async (input, ctx) => ({
    component: await setComponentState(
      ctx.sql,
      { componentId: input.componentId, state: input.state, reason: input.reason, operatorId: ctx.session.operatorId, until: input.until },
      ctx.audit,
    ),
  }),
} satisfies Partial<Handlers>;

export const statusTopics = {
  'status.changed': (_params, ctx, emit) => forwardOrgNotifications(ctx, 'status.changed', (id) => emit({ componentId: id })),
} satisfies Partial<TopicHandlers>;
