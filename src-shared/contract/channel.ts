import { z } from 'zod';
// Plain-English validation messages for every schema built with this contract (main and renderer).
import './plain-messages';
import type { Role } from './roles';
import { WRITER_ROLES } from './roles';

/**
 * Where a command's change lands. `org` changes live in the org's database and are audited in its
 * hash chain in the same transaction; `local` changes are this workstation's settings (connection
 * profiles), which belong to no org and are recorded in the local log instead.
 */
export type CommandScope = 'org' | 'local';

export interface QueryDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'query';
  readonly name: string;
  readonly summary: string;
  readonly request: Req;
  readonly response: Res;
  /** Queries that need no database (app info, local settings) still work while disconnected. */
  readonly needsDb: boolean;
  /** False for queries that act on this workstation's secrets (testing a profile): refused on read-only displays. */
  readonly readOnlyAllowed: boolean;
}

export interface CommandDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType, S extends CommandScope = CommandScope> {
  readonly kind: 'command';
  readonly name: string;
  readonly summary: string;
  readonly request: Req;
  readonly response: Res;
  readonly scope: S;
  /** Org roles allowed to run it; local commands are open to whoever sits at this workstation. */
  readonly roles: readonly Role[];
}

export interface TopicDef<Params extends z.ZodType = z.ZodType, Event extends z.ZodType = z.ZodType> {
  readonly kind: 'subscription';
  readonly name: string;
  readonly summary: string;
  readonly params: Params;
  readonly event: Event;
}

export type ChannelDef = QueryDef | CommandDef;

/** Every command may say why; the reason lands in the audit event. */
export const reasonField = z.string().trim().max(2000).optional();

export function query<N extends string, Req extends z.ZodType, Res extends z.ZodType>(
  name: N,
  def: { summary: string; request: Req; response: Res; needsDb?: boolean; readOnlyAllowed?: boolean },
): QueryDef<Req, Res> & { name: N } {
  return {
    kind: 'query',
    name,
    summary: def.summary,
    request: def.request,
    response: def.response,
    needsDb: def.needsDb ?? true,
    readOnlyAllowed: def.readOnlyAllowed ?? true,
  };
}

type WithReason<Shape extends z.ZodRawShape> = Shape extends { reason: z.ZodType } ? Shape : Shape & { reason: typeof reasonField };

export function command<N extends string, Shape extends z.ZodRawShape, Res extends z.ZodType, S extends CommandScope = 'org'>(
  name: N,
  def: { summary: string; request: z.ZodObject<Shape>; response: Res; scope?: S; roles?: readonly Role[] },
): CommandDef<z.ZodObject<WithReason<Shape>>, Res, S> & { name: N } {
  // A command's own schema may tighten `reason` (e.g. required); otherwise it is optional.
  const request = ('reason' in def.request.shape ? def.request : def.request.extend({ reason: reasonField })) as unknown as z.ZodObject<WithReason<Shape>>;
  return {
    kind: 'command',
    name,
    summary: def.summary,
    request,
    response: def.response,
    scope: (def.scope ?? 'org') as S,
    roles: def.roles ?? WRITER_ROLES,
  };
}

export function topic<N extends string, Params extends z.ZodType, Event extends z.ZodType>(
  name: N,
  def: { summary: string; params: Params; event: Event },
): TopicDef<Params, Event> & { name: N } {
  return { kind: 'subscription', name, summary: def.summary, params: def.params, event: def.event };
}

export const empty = z.object({}).strict();
export const ok = z.object({ ok: z.literal(true) });
export const uuid = z.uuid();
/** Timestamps cross the wire as ISO-8601 strings in UTC; only the screen shows local time. */
export const isoTime = z.iso.datetime({ offset: false });
/** Someone who did something; a former member keeps their name. */
export const actorRef = z.object({ id: z.uuid(), name: z.string() });
/** The same where the actor may be the app itself (an alert rule, the escalation clock). */
export const eventActor = z.object({ id: z.uuid().nullable(), name: z.string() });
/** A change set of ids, coalesced: `truncated` says "reload everything". */
export const idsEvent = z.object({ ids: z.array(z.string()), truncated: z.boolean() });
