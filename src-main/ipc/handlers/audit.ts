import { listAudit, verifyAudit } from '../../services/audit';
import type { Handlers, TopicHandlers } from '../types';
import { forwardOrgNotifications } from './org-topic';

export const auditHandlers = {
  'audit.list': async (input, ctx) => ctx.read((sql) => listAudit(sql, input.limit, input.beforeSeq)),
  // One snapshot: a commit between the batches and the head read must not look like tampering.
  'audit.verify': async (_input, ctx) => ctx.read((sql, session) => verifyAudit(sql, session.orgId), { snapshot: true }),
} satisfies Partial<Handlers>;

export const auditTopics = {
  'audit.appended': (_params, ctx, emit) => forwardOrgNotifications(ctx, 'audit.appended', (id) => emit({ id })),
} satisfies Partial<TopicHandlers>;
