import type { EventEmitter } from 'node:events';
import type { Channels, ChannelName, Request, Response, TopicEvent, TopicName, Topics } from '../../src-shared/contract';
import type { z } from 'zod';
import type { Session } from '../../src-shared/contract/system';
import type { LocalAuditLog } from '../core/local-audit';
import type { SessionClock } from '../core/session-clock';
import type { Logger } from '../core/log';
import type { DatabaseManager, Sql } from '../db';
import type { AuditDraft, AuditRecord } from '../services/audit';
import type { Vault } from '../vault';

/** What the transport knows about a call. The router uses it for policy, never for routing. */
export interface CallContext {
  /** Wall-display mode: every command is refused. */
  readOnly: boolean;
  /** For logs only: 'ipc', 'ws', 'direct'. */
  via: string;
  /** The app's own scheduled work (the anchored verify): not gated by an operator's screen lock. */
  background?: boolean;
  /**
   * Where an identity provider sends this transport's page back after sign-in: the browser host's
   * own http://127.0.0.1:PORT/auth/callback (it cannot open a system browser). Absent on the
   * desktop, whose sign-in uses a loopback receiver on an ephemeral port (RFC 8252).
   */
  signInRedirectUri?: string;
}

export interface RouterDeps {
  log: Logger;
  db: DatabaseManager;
  vault: Vault;
  localAudit: LocalAuditLog;
  appVersion: string;
  /** Desktop-shell menu actions, forwarded to the renderer on the shell.action topic. */
  shell: EventEmitter;
  /** Validate every response against the contract (always in tests; on by default). */
  validateResponses: boolean;
  /** The customer gateway this process runs (the embedded demo's), for observability.gateway; absent: none. */
  localGateway?: { status(): { url: string; instance: string; login: string; since: string; simulated: boolean } | null };
  /** The operator's session clock (idle lock, expiry, handover); absent: no session gating (tests, read-only displays). */
  sessions?: SessionClock;
}

interface BaseCtx {
  requestId: string;
  log: Logger;
  call: CallContext;
  deps: RouterDeps;
}

export interface QueryCtx extends BaseCtx {
  session: Session | null;
  /** A read-only, org-scoped transaction as the signed-in operator; `snapshot` reads all statements from one snapshot. */
  read<T>(fn: (sql: Sql, session: Session) => Promise<T>, opts?: { snapshot?: boolean }): Promise<T>;
}

export interface OrgCommandCtx extends BaseCtx {
  session: Session;
  sql: Sql;
  /** Append the command's audit event in this same transaction; the router insists on one. */
  audit(draft: AuditDraft): Promise<AuditRecord>;
  /**
   * Say the command found nothing to change (e.g. "start today's checklist" when it is started
   * already): then, and only then, it may finish without an audit event.
   */
  unchanged(): void;
  /**
   * Work that may only happen once the change is committed (ending a removed member's database
   * logins through the owner connection). Runs after COMMIT, in order; a failure is logged, not
   * thrown: the committed change already holds in the database.
   */
  afterCommit(fn: () => Promise<void>): void;
}

export interface LocalCommandCtx extends BaseCtx {
  /** Record the change in this workstation's local audit log; the router insists on one. */
  record(draft: AuditDraft): void;
}

type CtxFor<D> = D extends { kind: 'query' } ? QueryCtx : D extends { kind: 'command'; scope: 'local' } ? LocalCommandCtx : OrgCommandCtx;

export type HandlerFor<N extends ChannelName> = (input: Request<N>, ctx: CtxFor<Channels[N]>) => Promise<Response<N>>;

export type Handlers = { [N in ChannelName]: HandlerFor<N> };

export interface SubCtx {
  deps: RouterDeps;
  call: CallContext;
  log: Logger;
}

export type TopicHandlerFor<T extends TopicName> = (
  params: z.output<Topics[T]['params']>,
  ctx: SubCtx,
  emit: (event: TopicEvent<T>) => void,
) => () => void;

export type TopicHandlers = { [T in TopicName]: TopicHandlerFor<T> };
