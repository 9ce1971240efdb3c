import { z } from 'zod';
import { command, empty, ok, query } from './channel';

export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export const sslModeSchema = z.enum(SSL_MODES);

const hostField = z
  .string()
  .trim()
  .min(1, 'Enter a host name or address.')
  .max(253)
  .regex(/^[A-Za-z0-9._:\-[\]]+$/, 'A host is a name or an IP address, without a scheme or path.');
const identField = (what: string) =>
  z.string().trim().min(1, `Enter the ${what}.`).max(63, `A PostgreSQL ${what} has at most 63 characters.`);

export const profileFieldsSchema = z.strictObject({
  name: z.string().trim().min(1, 'Give the profile a name.').max(80),
  host: hostField,
  port: z.number().int().min(1).max(65535),
  database: identField('database name'),
  user: identField('user name'),
  sslmode: sslModeSchema,
  /** Path to a CA certificate (PEM) for verify-ca / verify-full, e.g. Supabase's downloadable CA. */
  sslRootCert: z
    .string()
    .trim()
    .max(4096)
    .regex(/^(\/|[A-Za-z]:\\).*\.(pem|crt|cer)$/i, 'An absolute path to a .pem, .crt or .cer file.')
    .nullable()
    .default(null),
  /** Who this workstation acts as in that database; must be a member of an org there. */
  operatorEmail: z.email('Enter the operator’s e-mail address.'),
});
export type ProfileFields = z.infer<typeof profileFieldsSchema>;

export const profileSchema = z.object({
  id: z.string(),
  kind: z.enum(['embedded', 'remote']),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
  sslmode: sslModeSchema,
  sslRootCert: z.string().nullable(),
  operatorEmail: z.string(),
  /** The renderer only ever learns whether a password is stored, never the password. */
  passwordSet: z.boolean(),
  active: z.boolean(),
});
export type Profile = z.infer<typeof profileSchema>;

export const migrationStateSchema = z.object({
  applied: z.number().int(),
  total: z.number().int(),
  pending: z.array(z.string()),
  drift: z.array(z.string()),
});
export type MigrationState = z.infer<typeof migrationStateSchema>;

export const connectionsList = query('connections.list', {
  summary: 'Connection profiles on this workstation.',
  request: empty,
  response: z.object({ profiles: z.array(profileSchema) }),
  needsDb: false,
});

export const connectionsSave = command('connections.save', {
  summary: 'Add or edit a remote profile; the password goes to the OS keychain only.',
  scope: 'local',
  request: z.strictObject({
    id: z.string().max(64).optional(),
    fields: profileFieldsSchema,
    /** Omit to keep the stored password. */
    password: z.string().min(1).max(1024).optional(),
  }),
  response: z.object({ profile: profileSchema }),
});

export const connectionsSetOperator = command('connections.setOperator', {
  summary: 'Change who this workstation signs in as on a profile; an active profile reconnects at once.',
  scope: 'local',
  request: z.strictObject({ id: z.string().max(64), operatorEmail: z.email('Enter the operator’s e-mail address.') }),
  response: z.object({ profile: profileSchema }),
});

export const connectionsDelete = command('connections.delete', {
  summary: 'Delete a remote profile and its keychain entries.',
  scope: 'local',
  request: z.strictObject({ id: z.string().max(64) }),
  response: ok,
});

export const testResultSchema = z.object({
  ok: z.boolean(),
  /** Which profile (or draft) was tried, so a failure names it. */
  target: z.string(),
  serverVersion: z.string().nullable(),
  latencyMs: z.number().nullable(),
  migrations: migrationStateSchema.nullable(),
  message: z.string().nullable(),
});
export type TestResult = z.infer<typeof testResultSchema>;

export const connectionsTest = query('connections.test', {
  summary: 'Try a saved profile or an unsaved draft: reachability, server version, latency, migrations.',
  request: z.union([
    z.strictObject({ id: z.string().max(64) }),
    z.strictObject({ draft: profileFieldsSchema, password: z.string().max(1024).optional(), id: z.string().max(64).optional() }),
  ]),
  response: testResultSchema,
  needsDb: false,
  // It uses stored passwords: never from a wall display.
  readOnlyAllowed: false,
});

export const connectionsActivate = command('connections.activate', {
  summary: 'Switch this workstation to another profile. If it cannot connect, the current one stays.',
  scope: 'local',
  request: z.strictObject({ id: z.string().max(64) }),
  response: z.object({ profile: profileSchema }),
});

export const activeStatusSchema = z.object({
  profileId: z.string(),
  profileName: z.string(),
  kind: z.enum(['embedded', 'remote']),
  target: z.string(),
  serverVersion: z.string(),
  latencyMs: z.number(),
  migrations: migrationStateSchema,
  live: z.boolean(),
});

export const connectionsStatus = query('connections.status', {
  summary: 'The active profile: server version, migration state and a fresh latency reading.',
  request: empty,
  response: z.object({ active: activeStatusSchema.nullable(), message: z.string().nullable() }),
  needsDb: false,
});

export const connectionsCreateOrg = command('connections.createOrg', {
  summary: 'On a database with no org yet: create one, with the person at the keyboard as its first admin (proven by the owner’s password typed again).',
  scope: 'local',
  request: z.strictObject({
    id: z.string().max(64),
    orgName: z.string().trim().min(1, 'Name the organisation.').max(200),
    slug: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'Use 2–63 lower-case letters, digits or dashes, starting with a letter or digit.'),
    displayName: z.string().trim().min(1, 'Enter your name as colleagues will read it.').max(200),
    email: z.email('Enter your e-mail address.'),
    ownerPassword: z.string().min(1, 'Type the database owner’s password again: it proves you may set this database up.').max(1024),
  }),
  response: z.object({ profile: profileSchema }),
});
