import { hostname, userInfo } from 'node:os';
import { McError } from '../../../src-shared/contract/errors';
import { beginSignIn, cancelSignIn, finishSignIn } from '../../services/identity/attempts';
import { acceptInvitation, createInvitation, listInvitations, withdrawInvitation } from '../../services/identity/invitations';
import { checkProviderSettings } from '../../services/identity/oidc-flow';
import type { LinkedMember } from '../../services/identity/sign-in';
import type { Handlers } from '../types';

/** The issuer under which the embedded database's OS user is linked (no provider is involved offline). */
export const OS_USER_ISSUER = 'urn:mc:os-user';

/**
 * The redirect URIs to allow-list at the provider. The desktop's loopback receiver takes any free
 * port (RFC 8252 §7.3); the browser host comes back to its own origin, whose port is fixed with
 * `npm run serve -- --port N`. Both are plain http on 127.0.0.1 only, never a network address.
 */
export const REDIRECT_PATTERN = 'http://127.0.0.1:<any port>/callback';

export const identityHandlers = {
  'identity.provider': async (input, ctx) => {
    if (!ctx.deps.db.profileStore.get(input.profileId)) throw new McError('NOT_FOUND', `There is no connection profile "${input.profileId}".`);
    // Each shell shows the redirect its own sign-in uses.
    return { provider: ctx.deps.db.profileStore.identityProvider(input.profileId), redirectPattern: ctx.call.signInRedirectUri ?? REDIRECT_PATTERN };
  },

  'identity.setProvider': async (input, ctx) => {
    const profile = ctx.deps.db.profileStore.get(input.profileId);
    if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${input.profileId}".`);
    if (input.provider) checkProviderSettings(input.provider);
    ctx.deps.db.profileStore.setIdentityProvider(profile.id, input.provider);
    ctx.record({ action: 'identity.provider_set', target: { type: 'connection_profile', id: profile.id }, data: { name: profile.name, issuer: input.provider?.issuer ?? null, clientId: input.provider?.clientId ?? null } });
    return { provider: input.provider };
  },

  'identity.signInStart': async (input, ctx) => {
    const started = await beginSignIn(ctx.deps.db, input, ctx.call.signInRedirectUri ? { hostRedirectUri: ctx.call.signInRedirectUri } : {});
    ctx.record({ action: 'identity.sign_in_started', target: { type: 'connection_profile', id: input.profileId }, data: { attemptId: started.attemptId, withInvitation: Boolean(input.invitationCode), via: started.returnsToThisPage ? 'browser-host' : 'system-browser' } });
    return started;
  },

  'identity.signInFinish': async (input, ctx) => {
    let member: LinkedMember;
    try {
      member = await finishSignIn(ctx.deps.db, input.attemptId);
    } catch (err) {
      const e = err instanceof McError ? err : new McError('INTERNAL', 'The sign-in failed unexpectedly. Nothing was signed in.');
      ctx.record({ action: 'identity.sign_in_refused', target: { type: 'sign_in', id: input.attemptId }, data: { code: e.code, message: e.message } });
      throw e;
    }
    ctx.record({ action: 'identity.signed_in', target: { type: 'operator', id: member.operatorId }, data: { email: member.email, org: member.orgName, role: member.role } });
    return { email: member.email, orgName: member.orgName, role: member.role };
  },

  'identity.signInCancel': async (input, ctx) => {
    const cancelled = await cancelSignIn(input.attemptId);
    ctx.record({ action: 'identity.sign_in_cancelled', target: { type: 'sign_in', id: input.attemptId }, data: { wasUnderWay: cancelled } });
    return { ok: true as const };
  },

  'invitations.list': async (_input, ctx) => {
    if (ctx.session?.role !== 'admin') throw new McError('FORBIDDEN', 'Only an admin sees the org’s invitations.');
    return { invitations: await ctx.read((sql) => listInvitations(sql)) };
  },

  'invitations.create': async (input, ctx) => {
    const { invitation, code } = await createInvitation(ctx.sql, ctx.session, input);
    // The code itself is never recorded: only who was invited, with which role, until when.
    await ctx.audit({ action: 'invitation.created', target: { type: 'invitation', id: invitation.id }, data: { email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt } });
    return { invitation, code };
  },

  'invitations.withdraw': async (input, ctx) => {
    const invitation = await withdrawInvitation(ctx.sql, ctx.session, input.id);
    await ctx.audit({ action: 'invitation.withdrawn', target: { type: 'invitation', id: invitation.id }, data: { email: invitation.email, role: invitation.role } });
    return { invitation };
  },

  'invitations.acceptAsOsUser': async (input, ctx) => {
    const profile = ctx.deps.db.activeProfile;
    if (profile?.kind !== 'embedded') {
      throw new McError('VALIDATION', 'Accepting as the OS user works on the embedded database only. On a shared database, accept with your identity provider (Sign in with an invitation code).');
    }
    const who = { issuer: OS_USER_ISSUER, subject: `${userInfo().username}@${hostname()}`, email: null, name: null };
    let member: LinkedMember | null = null;
    await ctx.deps.db.signInWith(profile.id, async (owner) => {
      member = await acceptInvitation(owner, input.code, who, 'os-user');
      return member;
    });
    const m = member as LinkedMember | null;
    if (!m) throw new McError('INTERNAL', 'The invitation was not accepted.');
    ctx.record({ action: 'invitation.accepted', target: { type: 'operator', id: m.operatorId }, data: { email: m.email, org: m.orgName, role: m.role, method: 'os-user' } });
    return { email: m.email, orgName: m.orgName, role: m.role };
  },
} satisfies Partial<Handlers>;
