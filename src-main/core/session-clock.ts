import { EventEmitter } from 'node:events';
import { hostname, userInfo } from 'node:os';
import type { ChannelDef } from '../../src-shared/contract/channel';
import { McError } from '../../src-shared/contract/errors';
import type { SessionStatus } from '../../src-shared/contract/session';
import type { Role } from '../../src-shared/contract/roles';
import { DEFAULT_SESSION_POLICY, parseSessionPolicy, type SessionPolicy, sessionState } from '../../src-shared/domain/session-policy';
import type { DatabaseManager } from '../db';
import type { LocalAuditLog } from './local-audit';
import type { Logger } from './log';

/**
 * The operator's session clock on this workstation (issue 10). The main process, not the renderer,
 * decides when a session locks (idle, or by hand) and when it expires: the router asks `gate()`
 * before every call, so a locked screen cannot be bypassed by a hand-made WebSocket message, and
 * an expired session is signed out (its database login dropped) so nothing of it acts again.
 *
 * Times live in memory: a restart of the app starts a new clock for a login the keychain still
 * holds (documented in docs/security.md); an expired or handed-over session's login is gone.
 */

/** Channels a locked screen still answers: what the lock screen needs to show itself and to unlock. */
export const LOCKED_ALLOWED: ReadonlySet<string> = new Set([
  'system.info',
  'session.state',
  'session.activity',
  'session.lock',
  'session.unlock',
  'session.handover',
  'identity.provider',
  'identity.signInStart',
  'identity.signInCancel',
]);

/** Topics whose events still flow while locked (they carry no org data). */
export const LOCKED_TOPICS: ReadonlySet<string> = new Set(['system.changed', 'shell.action']);

export interface Current {
  key: string;
  profileId: string;
  operator: { id: string; name: string; email: string; role: Role };
  signedInAt: number;
  lastInputAt: number;
  lockedAt: number | null;
  lockedHow: 'idle' | 'by-hand' | null;
}

interface Ended {
  profileId: string;
  reason: 'expired' | 'handed-over';
  at: number;
  operatorName: string;
  note: string | null;
}

export interface SessionClockOptions {
  db: DatabaseManager;
  localAudit: LocalAuditLog;
  log: Logger;
  now?: () => number;
  /**
   * Test only (MC_SESSION_MINUTE_MS): how many real milliseconds one policy minute (and 1/60 of a
   * policy hour) lasts, so a browser spec sees a 1-minute idle lock in seconds, and the shared spec
   * host never idle-locks under the other specs. Unset: 60,000.
   */
  minuteMs?: number;
}

const iso = (t: number) => new Date(t).toISOString();
/** A time in a message: UTC, to the minute (the screen shows local time; messages travel). */
export const messageTime = (t: number) => `${iso(t).slice(0, 16).replace('T', ' ')} UTC`;

export function osUserName(): string {
  return `${userInfo().username}@${hostname()}`;
}

export class SessionClock extends EventEmitter {
  private current: Current | null = null;
  private ended: Ended | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly scale: number;
  private stopped = false;

  constructor(private readonly opts: SessionClockOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.scale = (opts.minuteMs ?? 60_000) / 60_000;
    opts.db.on('changed', () => this.follow());
    this.follow();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A profile's policy from its settings; a value that does not validate falls back to the default, said in the log. */
  policyOf(profileId: string): SessionPolicy {
    const raw = this.opts.db.profileStore.sessionPolicyRaw(profileId);
    if (!raw) return DEFAULT_SESSION_POLICY;
    const parsed = parseSessionPolicy(raw);
    if (parsed.ok) return parsed.policy;
    this.opts.log.warn({ profileId, field: parsed.field }, `session policy in the settings is refused (${parsed.message}); the default applies`);
    return DEFAULT_SESSION_POLICY;
  }

  /** The policy as the clock runs it (scaled in tests). */
  private running(policy: SessionPolicy): SessionPolicy {
    return { maxHours: policy.maxHours * this.scale, idleMinutes: policy.idleMinutes === null ? null : policy.idleMinutes * this.scale };
  }

  private emitChanged(resync = false): void {
    this.emit('changed', { resync });
  }

  private record(action: string, actor: string, target: { type: string; id: string | null }, data: Record<string, unknown>): void {
    try {
      this.opts.localAudit.append({ actor, action, target, data, reason: null, requestId: 'session-clock' });
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, action }, 'session clock: the local audit log could not record this');
    }
  }

  /** Start a clock for a session that appeared (sign-in, switch); forget one that went away. */
  private follow(): void {
    if (this.stopped) return;
    const { db } = this.opts;
    const s = db.session;
    const profile = db.activeProfile;
    if (!s || !profile) {
      // A locked session stays locked through a dropped connection (an embedded server restarting
      // comes back signed in as the same operator): losing the lock must take an unlock or a handover.
      if (this.current?.lockedAt != null && (!profile || profile.id === this.current.profileId)) {
        this.schedule();
        return;
      }
      if (this.current) {
        this.current = null;
        this.emitChanged();
      }
      if (this.ended && profile?.id !== this.ended.profileId && db.state === 'connected') this.ended = null;
      this.schedule();
      return;
    }
    const key = `${profile.id}:${s.orgId}:${s.operatorId}`;
    if (this.current?.key === key) {
      // A role or name change of the same sign-in: same clock.
      this.current.operator = { id: s.operatorId, name: s.operatorName, email: s.email, role: s.role };
      return;
    }
    const now = this.now();
    const after = this.ended;
    this.current = {
      key,
      profileId: profile.id,
      operator: { id: s.operatorId, name: s.operatorName, email: s.email, role: s.role },
      signedInAt: now,
      lastInputAt: now,
      lockedAt: null,
      lockedHow: null,
    };
    this.ended = null;
    this.record('session.started', s.operatorName, { type: 'operator', id: s.operatorId }, {
      email: s.email,
      role: s.role,
      profileId: profile.id,
      ...(after ? { after: { reason: after.reason, operator: after.operatorName, at: iso(after.at) } } : {}),
    });
    this.schedule();
    this.emitChanged();
  }

  /** Apply what time has decided (idle lock, expiry); called by the timer and before every call. */
  private evaluate(): void {
    const c = this.current;
    if (!c) return;
    const now = this.now();
    const st = sessionState({ signedInAt: iso(c.signedInAt), lastInputAt: iso(c.lastInputAt), lockedAt: c.lockedAt === null ? null : iso(c.lockedAt) }, this.running(this.policyOf(c.profileId)), iso(now));
    if (st.state === 'expired') {
      this.expire(c, Date.parse(st.since));
      return;
    }
    if (st.state === 'locked' && c.lockedAt === null) {
      c.lockedAt = Date.parse(st.since);
      c.lockedHow = 'idle';
      this.record('session.locked', c.operator.name, { type: 'operator', id: c.operator.id }, { how: 'idle', since: st.since });
      this.emitChanged();
    }
  }

  private expire(c: Current, at: number): void {
    this.current = null;
    this.ended = { profileId: c.profileId, reason: 'expired', at, operatorName: c.operator.name, note: null };
    this.record('session.expired', c.operator.name, { type: 'operator', id: c.operator.id }, { at: iso(at), signedInAt: iso(c.signedInAt) });
    this.opts.log.info({ operatorId: c.operator.id, at: iso(at) }, 'session expired; signing out');
    // signOut() clears the session before its first await: from here no call finds it.
    void this.opts.db.signOut(`Your session expired at ${messageTime(at)}: sign in again.`).catch((err: Error) => this.opts.log.error({ err: err.message }, 'session expiry: sign-out failed'));
    this.emitChanged(true);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.current;
    if (!c || this.stopped) return;
    const st = this.status();
    const next = st.state === 'active' && st.locksAt ? st.locksAt : st.expiresAt;
    if (!next) return;
    // At most a day per timer: setTimeout cannot wait past ~24.8 days (a scaled test clock can
    // ask for more), and an early wake-up only evaluates and re-arms.
    const wait = Math.min(Math.max(0, Date.parse(next) - this.now()) + 5, 86_400_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.evaluate();
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  /**
   * Before every contract call: a locked session answers only the lock screen's channels; an ended
   * one refuses whatever needs the org, saying why and what to do.
   */
  gate(name: string, def: ChannelDef): void {
    this.evaluate();
    const c = this.current;
    if (c?.lockedAt != null && !LOCKED_ALLOWED.has(name)) {
      throw new McError('FORBIDDEN', `The screen is locked (${c.operator.name}, since ${messageTime(c.lockedAt)}). Unlock it, or hand over to the next operator; nothing else is answered while locked.`);
    }
    const needsOrg = def.kind === 'query' ? def.needsDb : def.scope === 'org';
    if (!c && this.ended && needsOrg && this.ended.profileId === this.opts.db.activeProfile?.id) {
      const e = this.ended;
      throw new McError(
        'UNAUTHENTICATED',
        e.reason === 'expired' ? `Your session expired at ${messageTime(e.at)}: sign in again.` : `${e.operatorName} handed over at ${messageTime(e.at)}: the next operator signs in.`,
      );
    }
  }

  /** Whether a topic's event may reach the renderer now. */
  topicOpen(topic: string): boolean {
    return !(this.current?.lockedAt != null) || LOCKED_TOPICS.has(topic);
  }

  get locked(): boolean {
    return this.current?.lockedAt != null;
  }

  status(): SessionStatus {
    const { db } = this.opts;
    const profile = db.activeProfile;
    const profileId = this.current?.profileId ?? profile?.id ?? null;
    const policy = profileId ? this.policyOf(profileId) : DEFAULT_SESSION_POLICY;
    const unlockWith: SessionStatus['unlockWith'] =
      profile?.kind === 'embedded' ? 'os-user' : profile && db.profileStore.identityProvider(profile.id) ? 'identity-provider' : 'none';
    const base = { profileId, policy, unlockWith, osUser: profile?.kind === 'embedded' ? osUserName() : null };
    const c = this.current;
    if (!c) {
      const e = this.ended && this.ended.profileId === profile?.id ? this.ended : null;
      return {
        ...base,
        state: e ? 'ended' : 'none',
        operator: null,
        signedInAt: null,
        expiresAt: null,
        locksAt: null,
        lockedAt: null,
        lockedHow: null,
        ended: e ? { reason: e.reason, at: iso(e.at), operatorName: e.operatorName, note: e.note } : null,
      };
    }
    const st = sessionState({ signedInAt: iso(c.signedInAt), lastInputAt: iso(c.lastInputAt), lockedAt: c.lockedAt === null ? null : iso(c.lockedAt) }, this.running(policy), iso(this.now()));
    return {
      ...base,
      state: st.state === 'expired' ? 'ended' : st.state,
      operator: c.operator,
      signedInAt: iso(c.signedInAt),
      expiresAt: st.state === 'expired' ? st.since : st.expiresAt,
      locksAt: st.state === 'active' ? st.locksAt : null,
      lockedAt: st.state === 'locked' ? st.since : null,
      lockedHow: st.state === 'locked' ? (c.lockedHow ?? 'idle') : null,
      ended: st.state === 'expired' ? { reason: 'expired', at: st.since, operatorName: c.operator.name, note: null } : null,
    };
  }

  /** Input seen in the renderer: postpones the idle lock. Never unlocks, never revives an ended session. */
  activity(): SessionStatus {
    this.evaluate();
    const c = this.current;
    if (c && c.lockedAt === null) {
      c.lastInputAt = Math.max(c.lastInputAt, this.now());
      this.schedule();
    }
    return this.status();
  }

  /** The session now, or why there is none (UNAUTHENTICATED once it ended). */
  requireCurrent(what: string): Current {
    this.evaluate();
    const c = this.current;
    if (!c) {
      throw this.ended
        ? new McError('UNAUTHENTICATED', `There is no session to ${what}: ${this.ended.reason === 'expired' ? 'it expired' : 'it was handed over'}. Sign in again.`)
        : new McError('NOT_FOUND', `Nobody is signed in on this workstation, so there is no session to ${what}.`);
    }
    return c;
  }

  /** Lock by hand (Ctrl+L). Locking a locked screen changes nothing. */
  lock(): { changed: boolean; operatorName: string; operatorId: string } {
    const c = this.requireCurrent('lock');
    if (c.lockedAt !== null) return { changed: false, operatorName: c.operator.name, operatorId: c.operator.id };
    c.lockedAt = this.now();
    c.lockedHow = 'by-hand';
    this.schedule();
    this.emitChanged();
    return { changed: true, operatorName: c.operator.name, operatorId: c.operator.id };
  }

  /** The locked operator, for the unlock check; refused when not locked. */
  lockedOperator(): Current['operator'] & { profileId: string; orgIdKey: string } {
    const c = this.requireCurrent('unlock');
    if (c.lockedAt === null) throw new McError('CONFLICT', 'The screen is not locked.');
    return { ...c.operator, profileId: c.profileId, orgIdKey: c.key };
  }

  /** After the handler checked the proof: the same session carries on, with fresh input time. */
  unlock(key: string): void {
    const c = this.requireCurrent('unlock');
    if (c.key !== key) throw new McError('CONFLICT', 'The session changed while unlocking; nothing was unlocked.');
    c.lockedAt = null;
    c.lockedHow = null;
    c.lastInputAt = this.now();
    // Kept through a dropped connection while locked; if the session did not come back, say so.
    if (!this.opts.db.session) this.current = null;
    this.schedule();
    // Views missed live events while locked (they were held back): reload.
    this.emitChanged(true);
  }

  /** Shift handover: the current operator is signed out; the record names them and the note. */
  async handover(note: string | null): Promise<{ operatorName: string; operatorId: string; at: string }> {
    const c = this.requireCurrent('hand over');
    const at = this.now();
    this.current = null;
    this.ended = { profileId: c.profileId, reason: 'handed-over', at, operatorName: c.operator.name, note };
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.opts.db.signOut(`${c.operator.name} handed over at ${messageTime(at)}: the next operator signs in.`);
    this.emitChanged(true);
    return { operatorName: c.operator.name, operatorId: c.operator.id, at: iso(at) };
  }

  /** A new policy for a profile applies at once to its running session. */
  policyChanged(): void {
    this.evaluate();
    this.schedule();
    this.emitChanged();
  }
}
