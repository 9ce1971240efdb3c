import { McError } from '../../../src-shared/contract/errors';
import { describeTarget } from '../../db';
import { deleteProfile, listProfiles, saveProfile, setOperator, testProfile } from '../../services/connections';
import { appendAudit } from '../../services/audit/append';
import type { Handlers } from '../types';

export const connectionsHandlers = {
  'connections.list': async (_input, ctx) => ({ profiles: await listProfiles(ctx.deps.db, ctx.deps.vault) }),

  'connections.save': async (input, ctx) => {
    const { profile, passwordChanged } = await saveProfile(ctx.deps.db, ctx.deps.vault, input);
    ctx.record({
      action: input.id ? 'connections.profile_updated' : 'connections.profile_created',
      target: { type: 'connection_profile', id: profile.id },
      data: { name: profile.name, target: describeTarget(profile), sslmode: profile.sslmode, operatorEmail: profile.operatorEmail, passwordChanged },
    });
    return { profile };
  },

  'connections.setOperator': async (input, ctx) => {
    const from = ctx.deps.db.profileStore.get(input.id)?.operatorEmail ?? null;
    const profile = await setOperator(ctx.deps.db, ctx.deps.vault, input.id, input.operatorEmail);
    ctx.record({ action: 'connections.operator_changed', target: { type: 'connection_profile', id: profile.id }, data: { name: profile.name, from, to: input.operatorEmail } });
    return { profile };
  },

  'connections.delete': async (input, ctx) => {
    const removed = await deleteProfile(ctx.deps.db, ctx.deps.vault, input.id);
    ctx.record({ action: 'connections.profile_deleted', target: { type: 'connection_profile', id: removed.id }, data: { name: removed.name, target: describeTarget(removed) } });
    return { ok: true as const };
  },

  'connections.test': async (input, ctx) => testProfile(ctx.deps.db, ctx.deps.vault, input),

  'connections.activate': async (input, ctx) => {
    const from = ctx.deps.db.activeProfile;
    const activated = await ctx.deps.db.activate(input.id);
    ctx.record({
      action: 'connections.profile_activated',
      target: { type: 'connection_profile', id: activated.id },
      data: { name: activated.name, target: describeTarget(activated), from: from?.id ?? null },
    });
    const profile = (await listProfiles(ctx.deps.db, ctx.deps.vault)).find((p) => p.id === activated.id);
    if (!profile) throw new McError('NOT_FOUND', 'The profile disappeared while switching.');
    return { profile };
  },

  'connections.createOrg': async (input, ctx) => {
    const { ownerPassword, ...org } = input;
    const created = await ctx.deps.db.createOrg(input.id, { ...org, ownerPassword });
    ctx.record({ action: 'connections.org_created', target: { type: 'connection_profile', id: created.id }, data: { name: created.name, org: org.orgName, slug: org.slug, admin: org.email } });
    const session = ctx.deps.db.session;
    // The org's own chain starts with its creation, written through the new admin's login.
    if (session) {
      await ctx.deps.db.tx(session, (sql) =>
        appendAudit(sql, session, { action: 'org.created', target: { type: 'org', id: session.orgId }, data: { name: org.orgName, slug: org.slug } }, { reason: null, requestId: ctx.requestId }),
      );
    }
    const profile = (await listProfiles(ctx.deps.db, ctx.deps.vault)).find((p) => p.id === created.id);
    if (!profile) throw new McError('NOT_FOUND', 'The profile disappeared while setting it up.');
    return { profile };
  },

  'connections.status': async (_input, ctx) => {
    const s = await ctx.deps.db.activeStatus().catch(() => null);
    if (!s) return { active: null, message: ctx.deps.db.message ?? 'No database is connected.' };
    return {
      active: {
        profileId: s.profile.id,
        profileName: s.profile.name,
        kind: s.profile.kind,
        target: describeTarget(s.profile),
        serverVersion: s.serverVersion,
        latencyMs: s.latencyMs,
        migrations: s.migrations,
        live: s.live,
      },
      message: ctx.deps.db.message,
    };
  },
} satisfies Partial<Handlers>;
