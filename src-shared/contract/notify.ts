import { z } from 'zod';
import { CHANNEL_KINDS } from '../domain/notify';
import { command, query } from './channel';

const name = z.string().trim().min(1, 'Give the channel a name.').max(120);
const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u), 'An http(s) URL.');

/** What is saved for each kind; the secret parts go to the keychain and never come back. */
export const channelInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('webhook'), name, url: httpUrl, signingSecret: z.string().min(16, 'At least 16 characters.').max(200) }),
  z.strictObject({ kind: z.literal('pagerduty'), name, url: httpUrl, routingKey: z.string().trim().min(8).max(100) }),
  z.strictObject({ kind: z.literal('slack'), name, url: httpUrl }),
  z.strictObject({
    kind: z.literal('email'),
    name,
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    tls: z.enum(['tls', 'starttls']),
    user: z.string().trim().min(1).max(320).nullable().default(null),
    password: z.string().max(500).nullable().default(null),
    from: z.email('An e-mail address.').max(320),
    caPem: z.string().max(20_000).nullable().default(null),
  }),
]);
export type ChannelInput = z.infer<typeof channelInputSchema>;

export const channelSchema = z.object({
  id: z.uuid(),
  kind: z.enum(CHANNEL_KINDS),
  name: z.string(),
  /** Where it goes, without secrets: a URL's origin, or the SMTP host and port. */
  target: z.string(),
  enabled: z.boolean(),
  /** Whether this workstation's keychain holds the channel's secret (only it can deliver). */
  secretHere: z.boolean(),
});
export type NotifyChannel = z.infer<typeof channelSchema>;

export const notifyChannels = query('notify.channels', {
  summary: 'Where escalations go outside the app, without their secrets.',
  request: z.strictObject({}),
  response: z.object({ channels: z.array(channelSchema) }),
});

export const notifyAddChannel = command('notify.addChannel', {
  summary: 'Add an escalation channel (admins); its URL, keys and password go to the keychain.',
  request: z.strictObject({ channel: channelInputSchema, reason: z.string().trim().max(2000).optional() }),
  response: z.object({ channel: channelSchema }),
  roles: ['admin'],
});

export const notifyRemoveChannel = command('notify.removeChannel', {
  summary: 'Remove an escalation channel (admins) and its keychain entry; its delivery records stay.',
  request: z.strictObject({ channelId: z.uuid(), reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: z.object({ removed: z.literal(true) }),
  roles: ['admin'],
});

export const deliverySchema = z.object({
  id: z.uuid(),
  notificationId: z.uuid(),
  channel: z.string(),
  kind: z.enum(CHANNEL_KINDS),
  recipient: z.string(),
  status: z.enum(['delivered', 'failed', 'gave_up']),
  attempts: z.number().int(),
  detail: z.string(),
  lastAt: z.string(),
});

export const notifyDeliveries = query('notify.deliveries', {
  summary: 'Every delivery attempt of an incident’s escalations: channel, recipient, answer.',
  request: z.strictObject({ incidentId: z.uuid() }),
  response: z.object({ deliveries: z.array(deliverySchema) }),
});
