import { userInfo } from 'node:os';
import { McError } from '../../../src-shared/contract/errors';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { parseSessionPolicy } from '../../../src-shared/domain/session-policy';
import { osUserName, type SessionClock } from '../../core/session-clock';
import { appendAudit } from '../../services/audit';
import { verifiedIdentityOf } from '../../services/identity/attempts';
import { linkedMembership, type ProvenIdentity } from '../../services/identity/sign-in';
import type { Handlers, RouterDeps } from '../types';

function clockOf(deps: RouterDeps): SessionClock {
  if (!deps.sessions) throw new McError('UNAVAILABLE', 'This process keeps no session clock (a read-only wall display has none).');
  return deps.sessions;
}

export const sessionHandlers = {
  'session.state': async (_input, ctx) => clockOf(ctx.deps).status(),

  'session.activity': async (_input, ctx) => {
    const s = clockOf(ctx.deps).activity();
    return { state: s.state, locksAt: s.locksAt };
  },

  'session.setPolicy': async (input, ctx) => {
    const clock = clockOf(ctx.deps);
    const profile = ctx.deps.db.profileStore.get(input.profileId);
    if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${input.profileId}".`, { profileId: 'Choose a saved profile.' });
    // A workstation setting (config.json), but it decides how long an org's operators stay signed
    // in: while someone is signed in, only an admin of that org may change it.
    const s = ctx.deps.db.session;
    if (s && s.role !== 'admin') throw new McError('FORBIDDEN', `Only an admin sets how long sessions last and when they lock (your role: ${ROLE_LABELS[s.role]}).`);
    const parsed = parseSessionPolicy(input.policy);
    if (!parsed.ok) throw new McError('VALIDATION', parsed.message, { [`policy.${parsed.field}`]: parsed.message });
    const before = clock.policyOf(profile.id);
    ctx.deps.db.profileStore.setSessionPolicy(profile.id, parsed.policy);
    ctx.record({ action: 'session.policy_set', target: { type: 'connection_profile', id: profile.id }, data: { name: profile.name, before, after: parsed.policy } });
    clock.policyChanged();
    return { policy: parsed.policy };
  },

  'session.lock': async (_input, ctx) => {
    const clock = clockOf(ctx.deps);
    const locked = clock.lock();
    ctx.record({ action: 'session.locked', target: { type: 'operator', id: locked.operatorId }, data: { how: 'by-hand', alreadyLocked: !locked.changed } });
    return clock.status();
  },

  'session.unlock': async (input, ctx) => {
    const clock = clockOf(ctx.deps);
    const c = clock.requireCurrent('unlock');
    if (c.lockedAt === null) throw new McError('CONFLICT', 'The screen is not locked.');
    const profile = ctx.deps.db.activeProfile;
    if (!profile || profile.id !== c.profileId) throw new McError('CONFLICT', 'The connection changed while the screen was locked; sign in again.');
    const refuse = (message: string, data: Record<string, unknown>, fields?: Record<string, string>): never => {
      ctx.record({ action: 'session.unlock_refused', target: { type: 'operator', id: c.operator.id }, data: { ...data, stillLocked: true } });
      throw new McError('FORBIDDEN', message, fields);
    };
    let method: 'os-user' | 'identity-provider';
    if (profile.kind === 'embedded') {
      // Offline, the OS user is the operator: the proof is their deliberate confirm, naming them.
      method = 'os-user';
      const os = osUserName();
      const typed = input.confirmOsUser?.trim();
      if (typed !== os && typed !== userInfo().username) {
        refuse(`To unlock, confirm this computer’s user, ${os}. The screen stays locked.`, { method, confirmed: typed ?? null }, { confirmOsUser: `Type ${userInfo().username} to confirm.` });
      }
    } else {
      method = 'identity-provider';
      if (!input.attemptId) {
        throw new McError('VALIDATION', `Sign in again with your identity provider to unlock ${c.operator.name}’s session.`, { attemptId: 'Start a sign-in (identity.signInStart) and pass its attempt id.' });
      }
      let who: ProvenIdentity;
      let attemptProfile: string;
      try {
        ({ who, profileId: attemptProfile } = await verifiedIdentityOf(input.attemptId));
      } catch (err) {
        const e = err instanceof McError ? err : new McError('FORBIDDEN', 'The identity provider’s answer could not be verified.');
        return refuse(`${e.message} The screen stays locked.`, { method, code: e.code });
      }
      if (attemptProfile !== profile.id) refuse('That sign-in was for another connection profile. The screen stays locked.', { method });
      const linked = await ctx.deps.db.withOwner((owner) => linkedMembership(owner, who));
      if (!linked || linked.operatorId !== c.operator.id) {
        refuse(
          `The identity provider signed in ${who.email ?? 'someone else'}, not ${c.operator.name}, whose screen is locked. It stays locked; to let someone else in, hand over.`,
          { method, signedInAs: who.email ?? null, issuer: who.issuer },
        );
      }
    }
    const lockedHow = c.lockedHow;
    clock.unlock(c.key);
    ctx.record({ action: 'session.unlocked', target: { type: 'operator', id: c.operator.id }, data: { method, lockedHow } });
    return clock.status();
  },

  'session.handover': async (input, ctx) => {
    const clock = clockOf(ctx.deps);
    const c = clock.requireCurrent('hand over');
    const note = input.note?.trim() || null;
    const session = ctx.deps.db.session;
    // From a locked screen whoever stands there hands over in the locked operator's name: the
    // records say so, so the note is not read as that operator's own words.
    const fromLockedScreen = clock.locked;
    // The org's chain records the handover too (for roles that may write there), while the
    // outgoing operator's login still exists; the workstation's log records it in every case.
    let inOrgChain = false;
    if (session && session.role !== 'auditor') {
      try {
        await ctx.deps.db.tx(session, (sql) =>
          appendAudit(sql, session, { action: 'session.handed_over', target: { type: 'operator', id: session.operatorId }, data: { note, to: 'next operator', fromLockedScreen } }, { reason: input.reason?.trim() || null, requestId: ctx.requestId }),
        );
        inOrgChain = true;
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message }, 'handover: the org chain could not record it; the local log does');
      }
    }
    ctx.record({ action: 'session.handed_over', target: { type: 'operator', id: c.operator.id }, data: { operator: c.operator.name, note, to: 'next operator', inOrgChain, fromLockedScreen } });
    await clock.handover(note);
    return clock.status();
  },
} satisfies Partial<Handlers>;
