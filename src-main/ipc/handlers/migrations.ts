import { McError } from '../../../src-shared/contract/errors';
import { applyRun, approveRun, attachMigrationEvidence, checkFile, readSchemaModel, renderTypes, migrationsOverview, type TargetDatabase, verifySchema } from '../../services/migrations';
import type { Handlers, TopicHandlers } from '../types';
import type { RouterDeps } from '../types';
import { forwardCoalesced } from './org-topic';

/** The connected database as the center sees it; a remote profile is a shared database. */
function target(deps: RouterDeps): TargetDatabase {
  const profile = deps.db.activeProfile;
  if (!profile) throw new McError('UNAVAILABLE', 'No database is connected.');
  return { name: profile.database, shared: profile.kind === 'remote', withOwner: (fn) => deps.db.withOwner(fn) };
}

export const migrationsHandlers = {
  'migrations.overview': async (_input, ctx) => {
    const t = target(ctx.deps);
    return ctx.read((sql) => migrationsOverview(sql, ctx.deps.db.migrationFiles, t.name, t.shared), { snapshot: true });
  },
  'migrations.check': async (input, ctx) => ({ run: await checkFile(ctx.sql, target(ctx.deps), input, ctx.session.operatorId, ctx.audit) }),
  'migrations.approve': async (input, ctx) => ({ run: await approveRun(ctx.sql, input.id, ctx.session.operatorId, ctx.audit) }),
  'migrations.apply': async (input, ctx) => ({ run: await applyRun(ctx.sql, target(ctx.deps), input, ctx.session.operatorId, ctx.audit) }),
  'migrations.verify': async (_input, ctx) => ctx.read((sql) => verifySchema(sql, ctx.deps.db.migrationFiles)),
  'migrations.attachEvidence': async (input, ctx) => ({ run: await attachMigrationEvidence(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
  'migrations.types': async (input, ctx) => {
    const t = target(ctx.deps);
    const model = await ctx.read((sql) => readSchemaModel(sql, input.schemas));
    const count = (k: 'tables' | 'views' | 'enums') => model.schemas.reduce((n, s) => n + s[k].length, 0);
    return {
      fileName: `${t.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.database.ts`,
      text: renderTypes(model, { database: t.name, at: new Date().toISOString() }),
      schemas: model.schemas.map((s) => s.name),
      tables: count('tables'),
      views: count('views'),
      enums: count('enums'),
    };
  },
} satisfies Partial<Handlers>;

export const migrationsTopics = {
  'migrations.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'migrations.changed', emit),
} satisfies Partial<TopicHandlers>;
