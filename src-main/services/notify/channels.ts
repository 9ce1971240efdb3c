import type { ChannelInput, NotifyChannel } from '../../../src-shared/contract/notify';
import { McError } from '../../../src-shared/contract/errors';
import type { ChannelKind } from '../../../src-shared/domain/notify';
import type { Sql } from '../../db';
import type { Vault } from '../../vault';
import type { AuditDraft, AuditRecord } from '../audit';
import type { SmtpConfig } from './send';

/** The parts of a channel that never leave the keychain (nor reach a log, the database or the renderer). */
export interface ChannelSecret {
  url?: string;
  signingSecret?: string;
  routingKey?: string;
  password?: string | null;
}

/** One keychain entry per channel; the org is part of the name so two orgs never share one. */
export const channelAccount = (orgId: string, channelId: string) => `notify:${orgId}:${channelId}`;

export interface ChannelRow {
  id: string;
  kind: ChannelKind;
  name: string;
  config: { target: string; smtp?: SmtpConfig };
  enabled: boolean;
}

function publicConfig(c: ChannelInput): ChannelRow['config'] {
  if (c.kind === 'email') {
    return { target: `${c.host}:${c.port}`, smtp: { host: c.host, port: c.port, tls: c.tls, user: c.user, from: c.from, caPem: c.caPem } };
  }
  return { target: new URL(c.url).origin };
}

function secretOf(c: ChannelInput): ChannelSecret {
  switch (c.kind) {
    case 'webhook':
      return { url: c.url, signingSecret: c.signingSecret };
    case 'pagerduty':
      return { url: c.url, routingKey: c.routingKey };
    case 'slack':
      return { url: c.url };
    case 'email':
      return { password: c.password };
  }
}

export async function readSecret(vault: Vault, orgId: string, channelId: string): Promise<ChannelSecret | null> {
  const raw = await vault.get(channelAccount(orgId, channelId)).catch(() => null);
  return raw ? (JSON.parse(raw) as ChannelSecret) : null;
}

async function toChannel(r: ChannelRow, vault: Vault, orgId: string): Promise<NotifyChannel> {
  return { id: r.id, kind: r.kind, name: r.name, target: r.config.target, enabled: r.enabled, secretHere: (await readSecret(vault, orgId, r.id)) !== null };
}

export async function channelRows(sql: Sql): Promise<ChannelRow[]> {
  return sql.query<ChannelRow>('SELECT id, kind, name, config, enabled FROM mc.notification_channels ORDER BY name');
}

export async function listChannels(sql: Sql, vault: Vault, orgId: string): Promise<NotifyChannel[]> {
  return Promise.all((await channelRows(sql)).map((r) => toChannel(r, vault, orgId)));
}

/**
 * Add a channel: the row (what is not secret) and the audit event in the transaction, then the
 * keychain entry. If the keychain refuses, the error rolls the row back: no channel without its secret.
 */
export async function addChannel(sql: Sql, vault: Vault, orgId: string, input: ChannelInput, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<NotifyChannel> {
  if (await sql.maybeOne('SELECT 1 FROM mc.notification_channels WHERE lower(name) = lower($1)', [input.name])) {
    throw new McError('CONFLICT', `A channel named “${input.name}” exists already.`, { name: 'Pick another name.' });
  }
  const config = publicConfig(input);
  const row = await sql.one<ChannelRow>(
    `INSERT INTO mc.notification_channels (org_id, kind, name, config, created_by) VALUES (mc.current_org_id(), $1, $2, $3, mc.current_operator_id())
     RETURNING id, kind, name, config, enabled`,
    [input.kind, input.name, JSON.stringify(config)],
  );
  await audit({ action: 'notify.channel_added', target: { type: 'notification_channel', id: row.id }, data: { kind: input.kind, name: input.name, target: config.target } });
  await vault.set(channelAccount(orgId, row.id), JSON.stringify(secretOf(input)));
  return toChannel(row, vault, orgId);
}

export async function removeChannel(sql: Sql, vault: Vault, orgId: string, channelId: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<void> {
  const row = await sql.maybeOne<ChannelRow>('DELETE FROM mc.notification_channels WHERE id = $1 RETURNING id, kind, name, config, enabled', [channelId]);
  if (!row) throw new McError('NOT_FOUND', 'That channel does not exist in this org.');
  await audit({ action: 'notify.channel_removed', target: { type: 'notification_channel', id: row.id }, data: { kind: row.kind, name: row.name, target: row.config.target } });
  await vault.delete(channelAccount(orgId, channelId)).catch(() => false);
}
