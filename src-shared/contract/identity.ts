import { z } from 'zod';
import { command, empty, ok, query } from './channel';
import { roleSchema } from './roles';

/** Public settings of a profile's OpenID Connect provider. No client secret: the desktop is a public client using PKCE. */
export const identityProviderSchema = z.strictObject({
  issuer: z.string().trim().min(8, 'Enter the issuer URL.').max(500).regex(/^https?:\/\/[^\s]+$/, 'An issuer is an https:// URL.'),
  clientId: z.string().trim().min(1, 'Enter the client id registered at the provider.').max(200).regex(/^[\x21-\x7e]+$/, 'A client id has no spaces.'),
});
export type IdentityProvider = z.infer<typeof identityProviderSchema>;

const profileId = z.string().min(1).max(64);
/** An invitation code as shown to the admin: MC- and four groups of five letters or digits. */
export const invitationCodeSchema = z
  .string()
  .trim()
  .max(64)
  .regex(/^MC(-?[A-Za-z0-9]{5}){4}$/, 'An invitation code looks like MC-XXXXX-XXXXX-XXXXX-XXXXX.');

export const identityProviderGet = query('identity.provider', {
  summary: 'The identity provider set for a connection profile, if any.',
  request: z.strictObject({ profileId }),
  response: z.object({ provider: identityProviderSchema.nullable(), redirectPattern: z.string() }),
  needsDb: false,
});

export const identityProviderSet = command('identity.setProvider', {
  summary: 'Set or clear the OpenID Connect provider (issuer, client id) of a connection profile.',
  scope: 'local',
  request: z.strictObject({ profileId, provider: identityProviderSchema.nullable() }),
  response: z.object({ provider: identityProviderSchema.nullable() }),
});

export const identitySignInStart = command('identity.signInStart', {
  summary: 'Start signing in with the profile’s identity provider (system browser, loopback redirect). With a code, the sign-in also accepts that invitation.',
  scope: 'local',
  request: z.strictObject({ profileId, invitationCode: invitationCodeSchema.optional() }),
  response: z.object({
    attemptId: z.uuid(),
    /** The URL the browser must open (state, nonce, PKCE challenge; no secret). */
    authorizationUrl: z.url(),
    /** False where no system browser was opened: the URL is shown to open by hand, or (below) the page goes there itself. */
    openedInSystemBrowser: z.boolean(),
    /**
     * True on the browser host: the page itself goes to the provider, which sends it back to the
     * host's /auth/callback; the page then calls signInFinish with the same attempt id.
     */
    returnsToThisPage: z.boolean(),
  }),
});

export const identitySignInFinish = command('identity.signInFinish', {
  summary: 'Wait for the identity provider’s answer to a started sign-in, verify it, and sign in (or refuse, saying what to fix).',
  scope: 'local',
  request: z.strictObject({ attemptId: z.uuid() }),
  response: z.object({ email: z.string(), orgName: z.string(), role: roleSchema }),
});

export const identitySignInCancel = command('identity.signInCancel', {
  summary: 'Give up a started sign-in.',
  scope: 'local',
  request: z.strictObject({ attemptId: z.uuid() }),
  response: ok,
});

export const invitationStatusSchema = z.enum(['outstanding', 'accepted', 'withdrawn', 'expired']);
export const invitationSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleSchema,
  status: invitationStatusSchema,
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  withdrawnAt: z.string().nullable(),
});
export type Invitation = z.infer<typeof invitationSchema>;

export const invitationsList = query('invitations.list', {
  summary: 'The org’s invitations (admins only): outstanding first.',
  request: empty,
  response: z.object({ invitations: z.array(invitationSchema) }),
});

export const invitationsCreate = command('invitations.create', {
  summary: 'Invite someone by e-mail with a role: a single-use code, shown once.',
  roles: ['admin'],
  request: z.strictObject({
    email: z.email('Enter the invitee’s e-mail address.').max(320),
    role: roleSchema,
    expiresInMinutes: z.number().int().min(15, 'An invitation lasts at least 15 minutes.').max(60 * 24 * 30, 'An invitation lasts at most 30 days.').default(24 * 60),
  }),
  response: z.object({ invitation: invitationSchema, code: z.string() }),
});

export const invitationsWithdraw = command('invitations.withdraw', {
  summary: 'Withdraw an outstanding invitation: its code stops working at once.',
  roles: ['admin'],
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ invitation: invitationSchema }),
});

export const invitationsAcceptAsOsUser = command('invitations.acceptAsOsUser', {
  summary: 'On the embedded database: accept an invitation as this computer’s OS user (no identity provider needed offline).',
  scope: 'local',
  request: z.strictObject({ code: invitationCodeSchema }),
  response: z.object({ email: z.string(), orgName: z.string(), role: roleSchema }),
});
