import { dirname, join } from 'node:path';
import { McError } from '../../../src-shared/contract/errors';
import { CheckpointStore } from '../../services/audit/anchor';
import { exportBundle } from '../../services/evidence/bundle/bundle';
import { cancelJob, endJob, isRunning, jobProgress, MAX_RUNNING, startJob } from '../../services/evidence/bundle/jobs';
import type { BundleScope } from '../../services/evidence/bundle/sources';
import type { Handlers } from '../types';

/** Bundles are written to <dataDir>/evidence/ and served from there by the browser host. */
export function evidenceDir(dataDir: string): string {
  return join(dataDir, 'evidence');
}

export const BUNDLE_FILE = /^evidence-[A-Za-z0-9._-]{1,150}\.zip$/;

function fileNameFor(scope: BundleScope, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const what = scope.kind === 'period' ? `${scope.from.slice(0, 10)}_${scope.to.slice(0, 10)}` : `incident-${scope.incidentId.slice(0, 8)}`;
  return `evidence-${what}-${stamp}.zip`;
}

export const bundlesHandlers = {
  'bundles.export': async (input, ctx) => {
    const job = startJob(input.exportId);
    if (job === 'duplicate') throw new McError('CONFLICT', 'That export is already running.');
    if (job === 'busy') throw new McError('CONFLICT', `${MAX_RUNNING} exports are already running on this workstation: wait for one to finish, or cancel it.`);
    try {
      const at = new Date();
      const fileName = fileNameFor(input.scope, at);
      const dataDir = dirname(ctx.deps.localAudit.path);
      const r = await ctx.read(
        (sql, session) =>
          exportBundle(sql, {
            orgId: session.orgId,
            orgName: session.orgName,
            scope: input.scope,
            outFile: join(evidenceDir(dataDir), fileName),
            vault: ctx.deps.vault,
            store: new CheckpointStore(dataDir),
            appVersion: ctx.deps.appVersion,
            now: () => at,
            signal: job.controller.signal,
            onProgress: (p) => (job.progress = p),
          }),
        { snapshot: true },
      );
      ctx.deps.localAudit.append({
        actor: ctx.session?.operatorName ?? 'workstation user',
        action: 'evidence.bundle_exported',
        target: { type: 'evidence_bundle', id: r.manifest.bundle_id },
        data: { file: fileName, scope: input.scope, events: r.manifest.audit.events, treeSize: r.manifest.audit.tree_size, fingerprint: r.manifest.key.fingerprint },
        reason: null,
        requestId: ctx.requestId,
      });
      return {
        fileName,
        path: r.file,
        downloadPath: `/evidence/${fileName}`,
        bytes: r.bytes,
        events: r.manifest.audit.events,
        files: r.manifest.files,
        fingerprint: r.manifest.key.fingerprint,
        treeSize: r.manifest.audit.tree_size,
      };
    } finally {
      endJob(input.exportId);
    }
  },
  'bundles.progress': async (input) => {
    const p = jobProgress(input.exportId);
    return { running: isRunning(input.exportId), phase: p?.phase ?? null, done: p?.done ?? 0, total: p?.total ?? null };
  },
  'bundles.cancel': async (input) => ({ cancelled: cancelJob(input.exportId) }),
} satisfies Partial<Handlers>;
