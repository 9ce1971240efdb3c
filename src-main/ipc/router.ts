import { randomBytes } from 'node:crypto';
import { channels, isChannelName, isTopicName, topics, type ChannelName, type TopicName } from '../../src-shared/contract';
import { type Envelope, McError } from '../../src-shared/contract/errors';
import { ROLE_LABELS } from '../../src-shared/contract/roles';
import type { Session } from '../../src-shared/contract/system';
import { appendAudit } from '../services/audit';
import { fieldLabel, isRetryable, toErrorShape, validationError } from './errors';
import type { CallContext, Handlers, LocalCommandCtx, OrgCommandCtx, QueryCtx, RouterDeps, TopicHandlers } from './types';

export interface Router {
  invoke(channel: unknown, payload: unknown, call: CallContext): Promise<Envelope<unknown>>;
  /** Either an error, or the function that ends the subscription. */
  subscribe(topic: unknown, params: unknown, call: CallContext, emit: (event: unknown) => void): Envelope<() => void>;
}

export function newRequestId(): string {
  return randomBytes(6).toString('hex');
}

/** Postgres refuses NUL in text; refuse it here, with the field named, instead of failing deep down. */
function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(request)' : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findNul(v, [...path, String(i)]);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findNul(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}

const MAX_ATTEMPTS = 3;

/** What still answers while a restore holds writes: following it, and cancelling it before the swap. */
const RUNS_DURING_RESTORE: ReadonlySet<string> = new Set(['backups.progress', 'backups.cancel']);

export function createRouter(deps: RouterDeps, handlers: Handlers, topicHandlers: TopicHandlers): Router {
  const { db } = deps;

  /**
   * Who the call acts as, for every log line of it: the session the database derived from this
   * workstation's member login (sql/0017), so the log names the same actor the audit chain does.
   */
  function actorFields(): { orgId: string | null; operatorId: string | null; actorRole: string | null } {
    const s = db.session;
    return { orgId: s?.orgId ?? null, operatorId: s?.operatorId ?? null, actorRole: s?.role ?? null };
  }

  function requireSession(): Session {
    const session = db.session;
    if (session) return session;
    if (db.state !== 'connected') throw new McError('UNAVAILABLE', db.message ?? 'No database is connected. Open Connections to choose one.');
    throw new McError('FORBIDDEN', db.message ?? 'You are not signed in to an org in this database.');
  }

  async function dispatch(name: ChannelName, input: unknown, requestId: string, call: CallContext): Promise<unknown> {
    const def = channels[name];
    const log = deps.log.child({ requestId, channel: name, ...actorFields() });
    const base = { requestId, log, call, deps };
    // The handler table is typed per channel; here the channel is only known at run time.
    const handler = handlers[name] as unknown as (input: unknown, ctx: unknown) => Promise<unknown>;

    if (def.kind === 'query') {
      const session = def.needsDb ? requireSession() : db.session;
      const ctx: QueryCtx = {
        ...base,
        session,
        read: (fn, opts) => {
          const s = requireSession();
          return db.tx(s, (sql) => fn(sql, s), { readOnly: true, snapshot: opts?.snapshot ?? false });
        },
      };
      return handler(input, ctx);
    }

    const reason = (input as { reason?: string }).reason?.trim() || null;
    if (def.scope === 'local') {
      // Nothing may change that cannot be recorded: the log must be writable before the command runs.
      try {
        deps.localAudit.prepare();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'local audit log unavailable; command refused');
        throw new McError('UNAVAILABLE', `${(err as Error).message}. Nothing was changed; fix the file or its folder and try again.`);
      }
      let recorded = 0;
      const ctx: LocalCommandCtx = {
        ...base,
        record: (draft) => {
          recorded++;
          try {
            deps.localAudit.append({ actor: db.session?.operatorName ?? 'workstation user', ...draft, data: draft.data ?? {}, reason, requestId });
          } catch (err) {
            // The log was writable a moment ago (prepare); say plainly what happened rather than pretend.
            log.error({ err: (err as Error).message, action: draft.action }, 'local command applied but its record could not be written');
            throw new McError('UNAVAILABLE', `The change was made, but the workstation's audit log could not record it: ${(err as Error).message}`);
          }
        },
      };
      const result = await handler(input, ctx);
      if (recorded === 0) throw new Error(`command ${name} recorded no audit event`);
      return result;
    }

    const session = requireSession();
    if (!def.roles.includes(session.role)) {
      const who = def.roles.map((r) => ROLE_LABELS[r].toLowerCase());
      throw new McError('FORBIDDEN', `Your role (${ROLE_LABELS[session.role]}) cannot do this. Ask ${who.length === 1 ? `an ${who[0]}` : `someone who is ${who.slice(0, -1).join(', ')} or ${who.at(-1)}`}.`);
    }
    for (let attempt = 1; ; attempt++) {
      const committed: Array<() => Promise<void>> = [];
      try {
        const result = await db.tx(session, async (sql) => {
          let audited = 0;
          let unchanged = false;
          const ctx: OrgCommandCtx = {
            ...base,
            session,
            sql,
            audit: (draft) => {
              audited++;
              return appendAudit(sql, session, draft, { reason, requestId });
            },
            unchanged: () => {
              unchanged = true;
            },
            afterCommit: (fn) => {
              committed.push(fn);
            },
          };
          const result = await handler(input, ctx);
          // Evidence first: a command that changed something without saying so is a bug, and its change is rolled back.
          if (audited === 0 && !unchanged) throw new Error(`command ${name} wrote no audit event`);
          return result;
        });
        for (const fn of committed) {
          await fn().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'after-commit step failed; the committed change stands'));
        }
        return result;
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  return {
    async invoke(channel, payload, call) {
      const requestId = newRequestId();
      const started = performance.now();
      const name = typeof channel === 'string' ? channel.slice(0, 100) : typeof channel;
      const log = deps.log.child({ requestId, channel: name, via: call.via, ...actorFields() });
      try {
        if (!isChannelName(channel)) throw new McError('NOT_FOUND', `Unknown channel “${name}”.`);
        const def = channels[channel];
        // Before anything else, even validation: a locked screen answers only its own channels,
        // an expired session nothing that needs the org.
        if (!call.background) deps.sessions?.gate(channel, def);
        // A restore holds writes: nothing that changes or acts may run until it has finished.
        const held = deps.db.maintenance;
        if (held && (def.kind === 'command' || !def.readOnlyAllowed) && !RUNS_DURING_RESTORE.has(channel)) {
          throw new McError(
            'UNAVAILABLE',
            `A restore is in progress (started ${held.since.slice(11, 16)} UTC by ${held.by}): commands are refused until it has finished and the database is verified. Follow it in Backups.`,
          );
        }
        if (call.readOnly && (def.kind === 'command' || !def.readOnlyAllowed)) {
          throw new McError('FORBIDDEN', 'This display is read-only (wall-display mode): commands are refused. Use a Mission Control workstation to make changes.');
        }
        const parsed = def.request.safeParse(payload === undefined || payload === null ? {} : payload);
        if (!parsed.success) throw validationError(parsed.error);
        const nul = findNul(parsed.data);
        if (nul) throw new McError('VALIDATION', `Check the ${fieldLabel(nul)}: it contains a NUL character, which cannot be stored.`, { [nul]: 'Must not contain a NUL character.' });
        const result = await dispatch(channel, parsed.data, requestId, call);
        let data: unknown = result;
        if (deps.validateResponses) {
          const out = def.response.safeParse(result);
          if (!out.success) {
            log.error({ issues: out.error.issues.slice(0, 5) }, 'handler response broke the contract');
            throw new Error(`response of ${channel} does not match the contract`);
          }
          data = out.data;
        }
        const ms = Math.round((performance.now() - started) * 10) / 10;
        if (def.kind === 'command') log.info({ ms }, 'command done');
        else log.debug({ ms }, 'query done');
        return { ok: true, data };
      } catch (err) {
        const error = toErrorShape(err, requestId, log);
        log.info({ ms: Math.round(performance.now() - started), code: error.code }, 'call refused');
        return { ok: false, error };
      }
    },

    subscribe(topic, params, call, emit) {
      const requestId = newRequestId();
      const name = typeof topic === 'string' ? topic.slice(0, 100) : typeof topic;
      const log = deps.log.child({ requestId, topic: name, via: call.via });
      if (!isTopicName(topic)) return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown topic “${name}”.`, requestId } };
      const def = topics[topic];
      const parsed = def.params.safeParse(params === undefined || params === null ? {} : params);
      if (!parsed.success) {
        const v = validationError(parsed.error);
        return { ok: false, error: { code: 'VALIDATION', message: v.message, fields: v.fields ?? {}, requestId } };
      }
      const handler = topicHandlers[topic as TopicName] as unknown as (p: unknown, ctx: unknown, emit: (e: unknown) => void) => () => void;
      const checkedEmit = (event: unknown) => {
        // While locked, org events are held back (views reload on unlock: system.changed resyncs).
        if (deps.sessions && !deps.sessions.topicOpen(topic)) return;
        const out = def.event.safeParse(event);
        if (!out.success) {
          log.error({ issues: out.error.issues.slice(0, 5) }, 'topic event broke the contract; dropped');
          return;
        }
        emit(out.data);
      };
      const unsubscribe = handler(parsed.data, { deps, call, log }, checkedEmit);
      log.debug('subscribed');
      return { ok: true, data: unsubscribe };
    },
  };
}
