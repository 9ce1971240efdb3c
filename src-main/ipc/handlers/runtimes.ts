import { catalogAsOpenAi } from '../../../src-shared/domain/catalog';
import { listCatalog, setModelMeta } from '../../services/models';
import { connect, listRuntimes, probeNow } from '../../services/runtimes';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const runtimesHandlers = {
  'runtimes.list': async (_input, ctx) => ({ runtimes: await ctx.read((sql) => listRuntimes(sql)) }),
  'runtimes.connect': async (input, ctx) => ({
    runtime: await connect(ctx.sql, ctx.deps.vault, ctx.session.orgId, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  }),
  'runtimes.probe': async (input, ctx) => ({ runtime: await probeNow(ctx.sql, ctx.deps.vault, ctx.session.orgId, input.runtimeId, ctx.audit) }),
  'models.list': async (_input, ctx) => ({ models: await ctx.read((sql) => listCatalog(sql)) }),
  'models.openai': async (_input, ctx) => catalogAsOpenAi(await ctx.read((sql) => listCatalog(sql))),
  'models.setMeta': async (input, ctx) => ({ model: await setModelMeta(ctx.sql, input, ctx.audit) }),
} satisfies Partial<Handlers>;

export const runtimesTopics = {
  'runtimes.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'runtimes.changed', emit),
} satisfies Partial<TopicHandlers>;
