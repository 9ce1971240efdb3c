import { appendAudit, exportAuditPage, listAudit, verifyAudit } from '../../services/audit';
import { anchorAuditSerial, checkpointStoreBeside, exportCheckpointsOf, importWitnessSerial, reconcileRotationsSerial, ROTATED, ROTATION_STARTED, type RotationPlan, rotateAuditKeySerial } from '../../services/audit/anchor';
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
  // Admin only (contract roles); the rotation and its fingerprints land in the org's chain.
  // Two events (rotation-log.ts): "started" committed on its own before the key changes, then
  // "rotated" with this command; a crash between them is settled at the next start. A rotation
  // that fails with an error after its "started" event (the keychain refused the new key, the
  // history could not be written) is settled at once, in its own transaction, from what the
  // keychain holds: before, its end waited for the next start and the trail showed it in progress.
  'audit.rotateKey': async (_input, ctx) => {
    const { orgId } = ctx.session;
    const store = checkpointStoreBeside(ctx.deps.localAudit.path);
    let planned: RotationPlan | null = null;
    const started = (plan: RotationPlan) =>
      ctx.deps.db.tx(ctx.session, async (sql) => {
        await appendAudit(sql, ctx.session, { action: ROTATION_STARTED, target: { type: 'org', id: orgId }, data: { ...plan } }, { reason: null, requestId: ctx.requestId });
        planned = plan;
      });
    let r: Awaited<ReturnType<typeof rotateAuditKeySerial>>;
    try {
      r = await rotateAuditKeySerial(ctx.sql, orgId, store, ctx.deps.vault, started);
    } catch (err) {
      const plan = planned as RotationPlan | null;
      if (plan) {
        await ctx.deps.db
          .tx(ctx.session, (sql) =>
            reconcileRotationsSerial(
              sql,
              orgId,
              store,
              ctx.deps.vault,
              (d) => appendAudit(sql, ctx.session, d, { reason: `Settled at once: the rotation failed (${(err as Error).message.slice(0, 300)}).`, requestId: ctx.requestId }),
              0,
              plan.rotationId,
            ),
          )
          .catch((e: unknown) => ctx.log.warn({ err: (e as Error).message }, 'audit checkpoint key: a failed rotation could not be settled at once; the next start settles it'));
      }
      throw err;
    }
    await ctx.audit({ action: ROTATED, target: { type: 'org', id: orgId }, data: { rotationId: r.rotationId, retiredFingerprint: r.retired, currentFingerprint: r.current, checkpointSize: r.checkpoint?.size ?? 0 } });
    return { retired: r.retired, current: r.current, checkpoint: r.checkpoint };
  },
  'audit.importWitness': async (input, ctx) => {
    const r = await importWitnessSerial(ctx.session.orgId, checkpointStoreBeside(ctx.deps.localAudit.path), ctx.deps.vault, input);
    if (r.added === 0) ctx.unchanged();
    else await ctx.audit({ action: 'audit.witness_checkpoints_imported', target: { type: 'org', id: ctx.session.orgId }, data: { witnessFingerprint: r.fingerprint, added: r.added, latestSize: r.latest.size, latestRoot: r.latest.root } });
    return r;
  },
} satisfies Partial<Handlers>;

export const auditTopics = {
  'audit.appended': (_params, ctx, emit) => forwardOrgNotifications(ctx, 'audit.appended', (id) => emit({ id })),
} satisfies Partial<TopicHandlers>;
