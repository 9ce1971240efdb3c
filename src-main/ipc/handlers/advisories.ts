import { McError } from '../../../src-shared/contract/errors';
import {
  acknowledgeAdvisory,
  advisoriesOfIncident,
  checkpointKeyAge,
  lastBackupStatus,
  lastScan,
  listAdvisories,
  openAdvisoryCount,
  openIncidentFromAdvisory,
  runScan,
  saveThresholds,
  scanById,
  thresholdsOf,
} from '../../services/advisories';
import { checkpointStoreBeside } from '../../services/audit/anchor';
import { commandRecorder } from '../../services/org';
import type { Handlers, OrgCommandCtx } from '../types';

const rec = (ctx: OrgCommandCtx) => commandRecorder(ctx.session, ctx.audit);

export const advisoriesHandlers = {
  'advisories.list': async (_input, ctx) =>
    ctx.read(
      async (sql) => ({ advisories: await listAdvisories(sql), lastScan: await lastScan(sql), thresholds: await thresholdsOf(sql), openCount: await openAdvisoryCount(sql) }),
      { snapshot: true },
    ),
  'advisories.ofIncident': async (input, ctx) => ({ advisories: await ctx.read((sql) => advisoriesOfIncident(sql, input.incidentId)) }),
  // The scan reads and records through its own login (DatabaseManager.advisorPool), not this
  // operator's transaction; the operator's part is asking for it, which is audited here.
  'advisories.scan': async (_input, ctx) => {
    const orgId = ctx.session.orgId;
    const store = checkpointStoreBeside(ctx.deps.localAudit.path);
    const r = await runScan(ctx.deps.db.advisorPool(), orgId, { trigger: 'manual', backupStatus: lastBackupStatus, signingKey: async () => checkpointKeyAge(store, orgId) }).catch((err: unknown) => {
      if (err instanceof McError) throw err;
      ctx.log.warn({ err: (err as Error).message }, 'advisory scan failed');
      throw new McError('UNAVAILABLE', 'The advisory scan could not run against the database; nothing was changed. Check Connections, then scan again.');
    });
    const notChecked = r.report.filter((l) => l.status === 'not_checked').map((l) => l.check);
    await ctx.audit({ action: 'advisories.scanned', target: { type: 'advisory_scan', id: r.scanId }, data: { raised: r.raised, refreshed: r.refreshed, closed: r.closed, notChecked } });
    return { scan: await scanById(ctx.sql, r.scanId) };
  },
  'advisories.acknowledge': async (input, ctx) => ({ advisory: await acknowledgeAdvisory(ctx.sql, rec(ctx), input) }),
  'advisories.openIncident': async (input, ctx) => ({ advisory: await openIncidentFromAdvisory(ctx.sql, rec(ctx), input.advisoryId) }),
  'advisories.saveThresholds': async (input, ctx) => {
    const r = await saveThresholds(ctx.sql, rec(ctx), input.thresholds);
    if (!r.changed) ctx.unchanged();
    return { thresholds: r.thresholds };
  },
} satisfies Partial<Handlers>;
