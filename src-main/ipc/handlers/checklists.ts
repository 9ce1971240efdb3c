import { TEMPLATES } from '../../../src-shared/domain/checklists';
import { createPilot, getRun, listRuns, prepareGates, readinessOverview, setItem, setOwner, setReadiness, startRun } from '../../services/checklists';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const checklistsHandlers = {
  'checklists.templates': async () => ({ templates: TEMPLATES.map((t) => ({ ...t, items: [...t.items] })) }),
  'checklists.list': async (input, ctx) => ctx.read((sql) => listRuns(sql, input, new Date()), { snapshot: true }),
  'checklists.get': async (input, ctx) => ctx.read((sql, session) => getRun(sql, session, input.runId), { snapshot: true }),
  'checklists.start': async (input, ctx) => {
    const out = await startRun(ctx.sql, ctx.session, input, new Date(), ctx.audit);
    if (!out.created) ctx.unchanged();
    return out;
  },
  'checklists.setItem': async (input, ctx) => setItem(ctx.sql, ctx.session, input, ctx.audit),
  'checklists.setOwner': async (input, ctx) => ({ item: await setOwner(ctx.sql, input, ctx.audit) }),
  'readiness.overview': async (_input, ctx) => ctx.read((sql) => readinessOverview(sql), { snapshot: true }),
  'readiness.createPilot': async (input, ctx) => ({ subject: await createPilot(ctx.sql, ctx.session, input, new Date(), ctx.audit) }),
  'readiness.prepare': async (input, ctx) => ({ subject: await prepareGates(ctx.sql, ctx.session, input, new Date(), ctx.audit, ctx.unchanged) }),
  'readiness.set': async (input, ctx) => ({ subject: await setReadiness(ctx.sql, input, ctx.audit) }),
} satisfies Partial<Handlers>;

export const checklistsTopics = {
  'checklists.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'checklists.changed', emit),
  'readiness.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'readiness.changed', emit),
} satisfies Partial<TopicHandlers>;
