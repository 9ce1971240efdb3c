import { z } from 'zod';
import { empty, query, topic } from './channel';
import { VIEWS } from '../navigation';
import { roleSchema } from './roles';
import { sessionStatusSchema } from './session';

export const dbStateSchema = z.enum(['connecting', 'connected', 'disconnected', 'error']);

export const sessionSchema = z.object({
  operatorId: z.uuid(),
  operatorName: z.string(),
  email: z.string(),
  orgId: z.uuid(),
  orgName: z.string(),
  /** The org's figures are made up (the demo org): every view that shows them says so. */
  orgSimulated: z.boolean(),
  role: roleSchema,
});
export type Session = z.infer<typeof sessionSchema>;

export const systemInfoSchema = z.object({
  appVersion: z.string(),
  readOnly: z.boolean(),
  keychain: z.object({ available: z.boolean(), backend: z.string(), message: z.string().nullable() }),
  database: z.object({
    state: dbStateSchema,
    profileId: z.string().nullable(),
    profileName: z.string().nullable(),
    /** Plain-language reason when not connected: which profile failed and what to do. */
    message: z.string().nullable(),
    serverVersion: z.string().nullable(),
    /** The LISTEN connection that carries live updates; false while it reconnects. */
    live: z.boolean(),
  }),
  session: sessionSchema.nullable(),
  /**
   * How the session's identity was established: 'os-user' on the embedded database (offline, the
   * OS user is the operator), 'database-login' on any other (a member login the database resolves).
   */
  identityMode: z.enum(['os-user', 'database-login']).nullable(),
  /** The session clock (issue 10): locked, ended, when it locks and expires; null where no clock runs. */
  sessionClock: sessionStatusSchema.nullable(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const systemInfo = query('system.info', {
  summary: 'App version, keychain, database connection and the signed-in operator.',
  request: empty,
  response: systemInfoSchema,
  needsDb: false,
});

export const systemChanged = topic('system.changed', {
  summary: 'The connection or session changed; `resync` asks every view to reload, because live updates may have been missed.',
  params: empty,
  event: z.object({ info: systemInfoSchema, resync: z.boolean() }),
});

/** Menu and tray actions chosen in the desktop shell (the browser host never sends any). */
export const SHELL_ACTIONS = [...VIEWS.map((v) => `navigate:${v.id}` as const), 'palette', 'theme:toggle', 'session:lock'] as const;
export const shellAction = topic('shell.action', {
  summary: 'The user chose a menu item in the desktop shell.',
  params: empty,
  /** `param`: what to open in the view (a desktop notification opens its incident). */
  event: z.object({ action: z.enum(SHELL_ACTIONS as unknown as [string, ...string[]]), param: z.uuid().optional() }),
});
