import { dirname, join } from 'node:path';
import { McError } from '../../../src-shared/contract/errors';
import { CheckpointStore } from '../../services/audit/anchor';
import { type BundleProgress, stageBundle, zipStaged } from '../../services/evidence/bundle/bundle';
import { appendChunk, cancelOpen, finishOpen } from '../../services/evidence/bundle/open';
import { cancelJob, endJob, jobState, MAX_RUNNING, startJob } from '../../services/evidence/bundle/jobs';
import type { ExportedBundleInfo } from '../../../src-shared/contract/bundles';
import { type BundleScope, scopeSlug } from '../../../src-shared/domain/evidence/bundle-scope';
import type { Handlers } from '../types';

/** Bundles are written to <dataDir>/evidence/ and served from there by the browser host. */
export function evidenceDir(dataDir: string): string {
  return join(dataDir, 'evidence');
}

export const BUNDLE_FILE = /^evidence-[A-Za-z0-9._-]{1,150}\.zip$/;

function fileNameFor(scope: BundleScope, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `evidence-${scopeSlug(scope)}-${stamp}.zip`;
}

export const bundlesHandlers = {
  'bundles.openChunk': async (input, ctx) => appendChunk(dirname(ctx.deps.localAudit.path), input.uploadId, input.offset, Buffer.from(input.data, 'base64')),
  'bundles.open': async (input) => finishOpen(input.uploadId, input.pin),
  'bundles.openCancel': async (input) => ({ cancelled: cancelOpen(input.uploadId) }),
  'bundles.export': async (input, ctx) => {
    const job = startJob(input.exportId);
    if (job === 'duplicate') throw new McError('CONFLICT', 'That export is already running.');
    if (job === 'busy') throw new McError('CONFLICT', `${MAX_RUNNING} exports are already running on this workstation: wait for one to finish, or cancel it.`);
    try {
      const at = new Date();
      const fileName = fileNameFor(input.scope, at);
      const dataDir = dirname(ctx.deps.localAudit.path);
      const outFile = join(evidenceDir(dataDir), fileName);
      const progress = { signal: job.controller.signal, onProgress: (p: BundleProgress) => (job.progress = p) };
      // The records are read in one snapshot; signing and zipping happen after it is released.
      const staged = await ctx.read(
        (sql, session) =>
          stageBundle(sql, {
            orgId: session.orgId,
            orgName: session.orgName,
            orgSimulated: session.orgSimulated,
            scope: input.scope,
            outFile,
            vault: ctx.deps.vault,
            store: new CheckpointStore(dataDir),
            appVersion: ctx.deps.appVersion,
            now: () => at,
            ...progress,
          }),
        { snapshot: true },
      );
      const r = await zipStaged(staged, outFile, progress);
      ctx.deps.localAudit.append({
        actor: ctx.session?.operatorName ?? 'workstation user',
        action: 'evidence.bundle_exported',
        target: { type: 'evidence_bundle', id: r.manifest.bundle_id },
        data: { file: fileName, scope: input.scope, events: r.manifest.audit.events, treeSize: r.manifest.audit.tree_size, fingerprint: r.manifest.key.fingerprint },
        reason: null,
        requestId: ctx.requestId,
      });
      const result = {
        fileName,
        path: r.file,
        downloadPath: `/evidence/${fileName}`,
        bytes: r.bytes,
        events: r.manifest.audit.events,
        files: r.manifest.files,
        fingerprint: r.manifest.key.fingerprint,
        treeSize: r.manifest.audit.tree_size,
      };
      endJob(input.exportId, { result, error: null });
      return result;
    } catch (err) {
      const e = err instanceof McError ? err : new McError('INTERNAL', 'The export failed unexpectedly; no bundle was written.');
      endJob(input.exportId, { result: null, error: { code: e.code, message: e.message } });
      throw err;
    }
  },
  'bundles.progress': async (input) => {
    const j = jobState(input.exportId);
    return {
      running: j.running,
      phase: j.progress?.phase ?? null,
      done: j.progress?.done ?? 0,
      total: j.progress?.total ?? null,
      result: (j.ended?.result as ExportedBundleInfo | null) ?? null,
      error: j.ended?.error ?? null,
    };
  },
  'bundles.cancel': async (input) => ({ cancelled: cancelJob(input.exportId) }),
} satisfies Partial<Handlers>;
