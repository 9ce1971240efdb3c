import { advanceRun, attachEvidence, createRun, deploymentsOverview, finishRun, linkRun, startRun } from '../../services/deployments';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const deploymentsHandlers = {
  'deployments.list': async (input, ctx) => ctx.read((sql) => deploymentsOverview(sql, input.days), { snapshot: true }),
  'deployments.create': async (input, ctx) => ({ run: await createRun(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
  'deployments.start': async (input, ctx) => ({ run: await startRun(ctx.sql, input.id, ctx.session.operatorId, new Date(), ctx.audit) }),
  'deployments.advance': async (input, ctx) => {
    const r = await advanceRun(ctx.sql, input.id, ctx.session.operatorId, new Date(), ctx.audit);
    // Waiting out a window changes nothing, so it is not audited.
    if (!r.changed) ctx.unchanged();
    return { run: r.run, decision: r.decision, message: r.message };
  },
  'deployments.finish': async (input, ctx) => ({ run: await finishRun(ctx.sql, input.id, input.outcome, input.reason, ctx.session.operatorId, new Date(), ctx.audit) }),
  'deployments.attachEvidence': async (input, ctx) => ({ run: await attachEvidence(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
  'deployments.link': async (input, ctx) => ({ run: await linkRun(ctx.sql, input, ctx.audit) }),
} satisfies Partial<Handlers>;

export const deploymentsTopics = {
  'deployments.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'deployments.changed', emit),
} satisfies Partial<TopicHandlers>;
