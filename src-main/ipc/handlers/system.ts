import { SHELL_ACTIONS, type SystemInfo } from '../../../src-shared/contract/system';
import type { CallContext, Handlers, RouterDeps, TopicHandlers } from '../types';

export async function buildSystemInfo(deps: RouterDeps, call: CallContext): Promise<SystemInfo> {
  const { db } = deps;
  const profile = db.activeProfile ?? db.profileStore.get(db.profileStore.activeId);
  return {
    appVersion: deps.appVersion,
    readOnly: call.readOnly,
    keychain: await deps.vault.status(),
    database: {
      state: db.state,
      profileId: profile?.id ?? null,
      profileName: profile?.name ?? null,
      message: db.message,
      serverVersion: db.serverVersion,
      live: db.live,
    },
    session: db.session,
    identityMode: db.session ? (db.activeProfile?.kind === 'embedded' ? 'os-user' : 'database-login') : null,
    sessionClock: deps.sessions?.status() ?? null,
  };
}

export const systemHandlers = {
  'system.info': async (_input, ctx) => buildSystemInfo(ctx.deps, ctx.call),
} satisfies Partial<Handlers>;

export const systemTopics = {
  'system.changed': (_params, ctx, emit) => {
    const onChanged = ({ resync }: { resync: boolean }) => {
      buildSystemInfo(ctx.deps, ctx.call)
        .then((info) => emit({ info, resync }))
        .catch((err: Error) => ctx.log.warn({ err: err.message }, 'system.changed: could not build info'));
    };
    ctx.deps.db.on('changed', onChanged);
    ctx.deps.sessions?.on('changed', onChanged);
    return () => {
      ctx.deps.db.off('changed', onChanged);
      ctx.deps.sessions?.off('changed', onChanged);
    };
  },
} satisfies Partial<TopicHandlers>;

export const shellTopics = {
  'shell.action': (_params, ctx, emit) => {
    const onAction = (action: string, param?: string) => {
      if ((SHELL_ACTIONS as readonly string[]).includes(action)) emit({ action, ...(param ? { param } : {}) });
    };
    ctx.deps.shell.on('action', onAction);
    return () => ctx.deps.shell.off('action', onAction);
  },
} satisfies Partial<TopicHandlers>;
