import { exportAuditPage, listAudit, verifyAudit } from '../../services/audit';
import type { Handlers, TopicHandlers } from '../types';
import { forwardOrgNotifications } from './org-topic';

export const auditHandlers = {
  'audit.list': async (input, ctx) => ctx.read((sql) => listAudit(sql, input.limit, input.beforeSeq, input.filter)),
  // Read-only: an auditor (read and export only) may export; nothing is written.
  'audit.export': async (input, ctx) => ctx.read((sql) => exportAuditPage(sql, input)),
  // One snapshot: a commit between the batches and the head read must not look like tampering.
  'audit.verify': async (_input, ctx) => ctx.read((sql, session) => verifyAudit(sql, session.orgId), { snapshot: true }),
} satisfies Partial<Handlers>;

export const auditTopics = {
  'audit.appended': (_params, ctx, emit) => forwardOrgNotifications(ctx, 'audit.appended', (id) => emit({ id })),
} satisfies Partial<TopicHandlers>;
