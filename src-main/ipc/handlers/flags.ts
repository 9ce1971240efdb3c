import { attachFlagEvidence, deleteFlag, listFlags, saveFlag } from '../../services/flags';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const flagsHandlers = {
  'flags.list': async (_input, ctx) => ({ flags: await ctx.read((sql) => listFlags(sql)) }),
  'flags.save': async (input, ctx) => ({ flag: await saveFlag(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
  'flags.delete': async (input, ctx) => {
    await deleteFlag(ctx.sql, input.id, ctx.session.operatorId, ctx.audit);
    return { ok: true as const };
  },
  'flags.attachEvidence': async (input, ctx) => ({ change: await attachFlagEvidence(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
} satisfies Partial<Handlers>;

export const flagsTopics = {
  'flags.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'flags.changed', emit),
} satisfies Partial<TopicHandlers>;
