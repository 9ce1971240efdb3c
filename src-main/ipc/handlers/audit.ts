import { exportAuditPage, listAudit, verifyAudit } from '../../services/audit';
import { anchorAuditSerial, checkpointStoreBeside, exportCheckpointsOf } from '../../services/audit/anchor';
import type { Handlers, TopicHandlers } from '../types';
import { forwardOrgNotifications } from './org-topic';

export const auditHandlers = {
  'audit.list': async (input, ctx) => ctx.read((sql) => listAudit(sql, input.limit, input.beforeSeq, input.filter)),
  // Read-only: an auditor (read and export only) may export; nothing is written.
  'audit.export': async (input, ctx) => ctx.read((sql) => exportAuditPage(sql, input)),
  // One snapshot: a commit between the batches and the head read must not look like tampering.
  // The anchor reads the same snapshot and checks it against this workstation's stored checkpoints.
  'audit.verify': async (_input, ctx) =>
    ctx.read(
      async (sql, session) => {
        const chain = await verifyAudit(sql, session.orgId);
        const anchor = await anchorAuditSerial(sql, session.orgId, checkpointStoreBeside(ctx.deps.localAudit.path), ctx.deps.vault, chain.ok);
        return { ...chain, anchor };
      },
      { snapshot: true },
    ),
  'audit.exportCheckpoints': async (_input, ctx) =>
    ctx.read(async (_sql, session) => exportCheckpointsOf(session.orgId, checkpointStoreBeside(ctx.deps.localAudit.path))),
} satisfies Partial<Handlers>;

export const auditTopics = {
  'audit.appended': (_params, ctx, emit) => forwardOrgNotifications(ctx, 'audit.appended', (id) => emit({ id })),
} satisfies Partial<TopicHandlers>;
