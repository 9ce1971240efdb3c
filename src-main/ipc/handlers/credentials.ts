import { checkpointStoreBeside } from '../../services/audit/anchor';
import { cancelRun, closeRun, type CredentialDeps, listCredentials, listRuns, openRunId, pendingSwitch, readRun, resumeRun, revealSecret, startRun, stepRun } from '../../services/credentials';
import type { Handlers, OrgCommandCtx } from '../types';

function depsOf(ctx: OrgCommandCtx): CredentialDeps {
  return {
    sql: ctx.sql,
    vault: ctx.deps.vault,
    orgId: ctx.session.orgId,
    operatorId: ctx.session.operatorId,
    db: ctx.deps.db,
    checkpoints: checkpointStoreBeside(ctx.deps.localAudit.path),
    audit: ctx.audit,
  };
}

export const credentialsHandlers = {
  'credentials.list': async (_input, ctx) =>
    ctx.read(async (sql, session) => {
      const read = { sql, vault: ctx.deps.vault, orgId: session.orgId, db: ctx.deps.db, checkpoints: checkpointStoreBeside(ctx.deps.localAudit.path) };
      return { credentials: await listCredentials(read), runs: await listRuns(sql), openRunId: await openRunId(sql), pendingSwitch: await pendingSwitch(sql) };
    }),
  'credentials.run': async (input, ctx) => ctx.read(async (sql) => ({ run: await readRun(sql, input.runId) })),
  'credentials.start': async (input, ctx) => ({ run: await startRun(depsOf(ctx), input) }),
  'credentials.step': async (input, ctx) => stepRun(depsOf(ctx), input.runId),
  'credentials.cancel': async (input, ctx) => ({ run: await cancelRun(depsOf(ctx), input.runId) }),
  'credentials.resume': async (input, ctx) => ({ run: await resumeRun(depsOf(ctx), input.runId) }),
  'credentials.close': async (input, ctx) => ({ run: await closeRun(depsOf(ctx), input.runId, input.reason) }),
  'credentials.reveal': async (input, ctx) => revealSecret(depsOf(ctx), input.itemId),
} satisfies Partial<Handlers>;
