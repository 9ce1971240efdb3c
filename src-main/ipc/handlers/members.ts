import { loginsOf, endOrphanLogins } from '../../db/member-logins-end';
import { accessReview, listManagedMembers, removeMember, setMemberRole, setMemberSuspended } from '../../services/org/membership-admin';
import type { Handlers, OrgCommandCtx } from '../types';

/** A change to the signed-in operator's own membership: this workstation's session follows it. */
function followSelf(ctx: OrgCommandCtx, operatorId: string): void {
  if (operatorId !== ctx.session.operatorId) return;
  ctx.afterCommit(async () => {
    await ctx.deps.db.refreshSession();
  });
}

export const membersHandlers = {
  'members.list': async (_input, ctx) => ({ members: await ctx.read((sql, session) => listManagedMembers(sql, session)) }),
  'members.setRole': async (input, ctx) => {
    const member = await setMemberRole(ctx.sql, ctx.session, input, ctx.audit, ctx.unchanged);
    followSelf(ctx, input.operatorId);
    return { member };
  },
  'members.suspend': async (input, ctx) => {
    const member = await setMemberSuspended(ctx.sql, ctx.session, { operatorId: input.operatorId, suspended: true }, ctx.audit);
    followSelf(ctx, input.operatorId);
    return { member };
  },
  'members.reinstate': async (input, ctx) => ({ member: await setMemberSuspended(ctx.sql, ctx.session, { operatorId: input.operatorId, suspended: false }, ctx.audit) }),
  'members.remove': async (input, ctx) => {
    // Which logins the membership has, asked of the owner before they cascade away with it. Where
    // this workstation holds no owner credential (a remote profile without its password), the
    // database still ends them: their mapping goes with the membership.
    const roles = await ctx.deps.db.withOwner((c) => loginsOf(c, ctx.session.orgId, input.operatorId)).catch((err: unknown) => {
      ctx.log.info({ err: (err as Error).message }, 'members.remove: no owner connection; login roles stay, mapped to nothing');
      return [] as string[];
    });
    await removeMember(ctx.sql, input, ctx.audit);
    followSelf(ctx, input.operatorId);
    if (roles.length > 0) {
      ctx.afterCommit(async () => {
        const ended = await ctx.deps.db.withOwner((c) => endOrphanLogins(c, roles));
        ctx.log.info({ ended }, 'members.remove: login roles dropped');
      });
    }
    return { ok: true as const, logins: roles.length };
  },
  'members.accessReview': async (_input, ctx) => ctx.read((sql, session) => accessReview(sql, session), { snapshot: true }),
} satisfies Partial<Handlers>;
