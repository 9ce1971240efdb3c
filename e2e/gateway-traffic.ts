import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EMBEDDED_DATABASE, EMBEDDED_SUPERUSER, ProfileStore, secretAccounts } from '../src-main/db/profiles';
import { DataFolderFallbackVault } from '../src-main/vault/data-folder-fallback';
import { KeyringVault } from '../src-main/vault/keychain';
import { type Host, TEST_KEYCHAIN_SERVICE } from './host';

/**
 * The host's embedded database as its owner, for writing what the gateway's definer functions
 * write (API request log rows and usage events): the specs of /usage need served traffic, and the
 * gateway is another process.
 */
export async function ownerOf(host: Host): Promise<pg.Client> {
  const store = new ProfileStore(host.dataDir);
  const vault = new DataFolderFallbackVault(new KeyringVault(TEST_KEYCHAIN_SERVICE), host.dataDir);
  const password = await vault.get(secretAccounts.embeddedSuperuser(store.instanceId));
  if (!password) throw new Error('the host’s embedded superuser password is not in the test keychain');
  const port = Number(readFileSync(join(host.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const socket = join(host.dataDir, 'run');
  const c = new pg.Client({ host: existsSync(socket) ? socket : '127.0.0.1', port, user: EMBEDDED_SUPERUSER, password, database: EMBEDDED_DATABASE });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export interface Served {
  orgId: string;
  customerId: string;
  runtimeId: string | null;
  model?: string;
  prompt?: number;
  completion?: number;
  simulated?: boolean;
  /** false: logged as served, never metered (a spool that did not drain). */
  metered?: boolean;
  at?: Date;
}

/** One request as the gateway records it; returns its request id. */
export async function serve(c: pg.Client, s: Served): Promise<string> {
  const id = `req_${randomBytes(8).toString('hex')}`;
  const at = (s.at ?? new Date(Date.now() - 60_000)).toISOString();
  const served = s.runtimeId !== null;
  await c.query(
    `INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, runtime_id, status, outcome, latency_ms, prompt_tokens, completion_tokens, simulated, gateway_instance)
     VALUES ($1, $2, $3, $3, $4, 'ume_live_E2EUSE', 'chat.completions', $5, $6, $7, $8, 420, $9, $10, $11, 'e2e')`,
    [s.orgId, id, at, s.customerId, s.model ?? 'llama-3.1-8b', s.runtimeId, served ? 200 : 429, served ? 'served' : 'rate_limited', served ? (s.prompt ?? 100) : 0, served ? (s.completion ?? 200) : 0, s.simulated ?? false],
  );
  if (served && s.metered !== false) {
    await c.query(
      `INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, runtime_id, prompt_tokens, completion_tokens, simulated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [s.orgId, id, at, s.customerId, s.model ?? 'llama-3.1-8b', s.runtimeId, s.prompt ?? 100, s.completion ?? 200, s.simulated ?? false],
    );
  }
  return id;
}
