import type { Credential, CredentialKind } from '../../../src-shared/contract/credentials';
import { checkpointKeyAccount, checkpointKeyAge } from '../audit/anchor';
import { readKeyHistory } from '../audit/anchor/key-history';
import { runtimeKeyAccount } from '../runtimes/runtimes';
import type { ReadDeps } from './deps';

/**
 * The documented order of a rotate-all run: sessions → signing keys → database roles → API and
 * ingest keys (and the secrets held elsewhere, reported there) → node keys. Sessions first so a
 * thief's session cannot watch the rest happen; node keys last because they need a person at
 * every node.
 */
export const STAGE: Record<CredentialKind, number> = {
  session: 1,
  signing_key: 2,
  database_role: 3,
  ingest_login: 4,
  customer_key: 4,
  runtime_credential: 4,
  notify_secret: 4,
  node_key: 5,
};

/** One inventory entry, with what a run needs to plan it. */
export interface Entry extends Credential {
  /** Node and customer keys: 'active' or 'grace' (only keys that still work are listed). */
  keyStatus?: 'active' | 'grace';
  /** This workstation's own session: kept by a run (ending it would stop the run). */
  own?: boolean;
}

const KEY_STATUS = `CASE WHEN k.superseded_by IS NOT NULL THEN 'grace' ELSE 'active' END`;
const KEY_VALID = `k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND (k.superseded_by IS NULL OR k.grace_until > now())`;

/** The last time a run rotated a credential (roles keep no creation time of their own). */
async function lastRotated(sql: ReadDeps['sql'], kind: CredentialKind, ref: string): Promise<string | null> {
  const r = await sql.maybeOne<{ at: string | null }>(
    `SELECT max(finished_at) AS at FROM mc.credential_rotation_items WHERE kind = $1 AND ref = $2 AND state = 'rotated'`,
    [kind, ref],
  );
  return r?.at ?? null;
}

async function sessions(deps: ReadDeps, ownRole: string | null): Promise<Entry[]> {
  const rows = await deps.sql.query<{ role_name: string; created_at: string; name: string | null }>(
    `SELECT s.role_name, s.created_at, o.display_name AS name FROM mc.credential_sessions() s LEFT JOIN mc.operators o ON o.id = s.operator_id`,
  );
  return rows.map((r) => {
    const own = r.role_name === ownRole;
    return {
      kind: 'session',
      ref: r.role_name,
      label: own ? 'This workstation’s sign-in' : 'Signed-in session (database login)',
      owner: r.name ?? 'former member',
      whereUsed: own ? 'this workstation' : 'a workstation signed in to this org',
      createdAt: r.created_at,
      lastUsedAt: null,
      rotatable: !own,
      howToRotate: own ? 'A run keeps the session it runs in. After the run, sign out and sign in again (Session menu) to replace it.' : null,
      own,
    } satisfies Entry;
  });
}

async function signingKey(deps: ReadDeps): Promise<Entry[]> {
  const history = (() => {
    try {
      return readKeyHistory(deps.checkpoints.dir, deps.orgId);
    } catch {
      return null;
    }
  })();
  // The same reading as the advisory scan's key age (a key never rotated dates from its first
  // checkpoint), so the two views cannot disagree about one key.
  const age = (() => {
    try {
      return checkpointKeyAge(deps.checkpoints, deps.orgId);
    } catch {
      return null;
    }
  })();
  const held = (await deps.vault.get(checkpointKeyAccount(deps.checkpoints.dir, deps.orgId)).catch(() => null)) !== null;
  const checkpoints = (() => {
    try {
      return deps.checkpoints.read(deps.orgId);
    } catch {
      return [];
    }
  })();
  return [
    {
      kind: 'signing_key',
      ref: history?.current.fingerprint ?? (held ? 'checkpoint key (never rotated)' : 'checkpoint key (not created yet)'),
      label: 'Audit checkpoint signing key (Ed25519)',
      owner: 'this workstation',
      whereUsed: 'signs the audit log’s checkpoints, which evidence bundles carry',
      createdAt: age?.createdAt ?? null,
      lastUsedAt: checkpoints.at(-1)?.seenAt ?? null,
      rotatable: true,
      howToRotate: null,
    },
  ];
}

/** A keychain that did not answer when the list was made: the login is listed, not hidden. */
const KEYCHAIN_SILENT = 'The OS keychain did not answer when this list was made, so whether it holds this password is unknown: unlock the keychain and refresh the list (r).';

const LOGIN_LABELS = {
  authenticator: { label: 'App database login (password)', whereUsed: 'live updates and upkeep of the app' },
  ingest: { label: 'Ingest login of this installation’s agents (password)', whereUsed: 'the demo agent and the simulator (telemetry door)' },
  advisor: { label: 'Advisory-scan login (password)', whereUsed: 'the advisory scan (its own read-only login)' },
} as const;

async function appLogins(deps: ReadDeps): Promise<Entry[]> {
  const info = await deps.db.appLogins();
  if (!info) return [];
  const out: Entry[] = [];
  for (const l of info.logins) {
    const kind: CredentialKind = l.kind === 'ingest' ? 'ingest_login' : 'database_role';
    out.push({
      kind,
      ref: l.role,
      label: LOGIN_LABELS[l.kind].label,
      owner: `this installation, profile “${info.profile.name}”`,
      whereUsed: LOGIN_LABELS[l.kind].whereUsed,
      createdAt: await lastRotated(deps.sql, kind, l.role),
      lastUsedAt: null,
      rotatable: l.held === true,
      howToRotate: l.held === true ? null : l.held === 'unknown' ? KEYCHAIN_SILENT : 'This workstation’s keychain holds no password for it: reconnect the profile in Connections, then rotate.',
    });
  }
  out.push(...(await otherProfiles(deps)));
  out.push({
    kind: 'database_role',
    ref: info.profile.kind === 'embedded' ? 'embedded server owner' : `owner of profile “${info.profile.name}”`,
    label: 'Database owner password (migrations, logins)',
    owner: info.profile.kind === 'embedded' ? 'this workstation' : 'the database’s administrator',
    whereUsed: 'migrations and making the app’s logins',
    createdAt: null,
    lastUsedAt: null,
    rotatable: false,
    howToRotate:
      info.profile.kind === 'embedded'
        ? 'The embedded server listens on loopback only and its owner password never leaves this workstation; it is not rotated by a run. If this workstation itself is compromised, rebuild it and restore from a backup.'
        : 'Change the owner’s password on the server (or the Supabase dashboard), then edit the profile in Connections and enter the new one.',
  });
  return out;
}

/** A login on another profile than the active one: its ref names the profile, so a run rotates it there. */
export function otherProfileRef(role: string, profileId: string): string {
  return `${role}@profile:${profileId}`;
}

export function parseLoginRef(ref: string): { role: string; profileId: string | null } {
  const at = ref.indexOf('@profile:');
  return at < 0 ? { role: ref, profileId: null } : { role: ref.slice(0, at), profileId: ref.slice(at + '@profile:'.length) };
}

/**
 * This installation's logins on the workstation's other profiles: their passwords are in this
 * keychain too, so a breach of this workstation exposes them as well.
 */
async function otherProfiles(deps: ReadDeps): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const { profile, logins } of await deps.db.otherProfileLogins()) {
    for (const l of logins) {
      const kind: CredentialKind = l.kind === 'ingest' ? 'ingest_login' : 'database_role';
      const ref = otherProfileRef(l.role, profile.id);
      const embedded = profile.kind === 'embedded';
      out.push({
        kind,
        ref,
        label: `${LOGIN_LABELS[l.kind].label} on profile “${profile.name}”`,
        owner: `this installation, profile “${profile.name}” (not the connected one)`,
        whereUsed: `${LOGIN_LABELS[l.kind].whereUsed}, when that profile is active`,
        createdAt: await lastRotated(deps.sql, kind, ref),
        lastUsedAt: null,
        // Rotated through that profile's owner password; the embedded server runs only while it is active.
        rotatable: !embedded && l.held === true,
        howToRotate: embedded
          ? 'The embedded database is not the active one: activate it in Connections and rotate there (it listens on this workstation’s loopback only).'
          : l.held === 'unknown'
            ? KEYCHAIN_SILENT
            : null,
      });
    }
  }
  return out;
}

async function customerKeys(deps: ReadDeps): Promise<Entry[]> {
  const rows = await deps.sql.query<{ id: string; prefix: string; mode: string; customer: string; created_at: string; last_used_at: string | null; status: 'active' | 'grace' }>(
    `SELECT k.id, k.prefix, k.mode, c.name AS customer, k.created_at, k.last_used_at, ${KEY_STATUS} AS status
       FROM mc.customer_keys k JOIN mc.customers c ON c.org_id = k.org_id AND c.id = k.customer_id
      WHERE ${KEY_VALID} ORDER BY c.name, k.created_at`,
  );
  return rows.map((r) => ({
    kind: 'customer_key',
    ref: r.id,
    label: `${r.prefix}… (${r.mode})${r.status === 'grace' ? ', in grace' : ''}`,
    owner: r.customer,
    whereUsed: 'the customer’s API clients (gateway)',
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    rotatable: true,
    howToRotate: null,
    keyStatus: r.status,
  }));
}

async function nodeKeys(deps: ReadDeps): Promise<Entry[]> {
  const rows = await deps.sql.query<{ id: string; prefix: string; hostname: string; created_at: string; last_used_at: string | null; status: 'active' | 'grace' }>(
    `SELECT k.id, k.prefix, n.hostname, k.created_at, k.last_used_at, ${KEY_STATUS} AS status
       FROM mc.node_keys k JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      WHERE ${KEY_VALID} AND n.lifecycle <> 'retired' ORDER BY n.hostname, k.created_at`,
  );
  return rows.map((r) => ({
    kind: 'node_key',
    ref: r.id,
    label: `${r.prefix}…${r.status === 'grace' ? ' (in grace)' : ''}`,
    owner: r.hostname,
    whereUsed: `the node agent on ${r.hostname} (telemetry door)`,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    rotatable: true,
    howToRotate: null,
    keyStatus: r.status,
  }));
}

async function runtimes(deps: ReadDeps): Promise<Entry[]> {
  const rows = await deps.sql.query<{ id: string; name: string; kind: string; created_at: string; last_probe_at: string | null }>(
    'SELECT id, name, kind, created_at, last_probe_at FROM mc.runtimes WHERE api_key_set ORDER BY name',
  );
  const out: Entry[] = [];
  for (const r of rows) {
    const here = (await deps.vault.get(runtimeKeyAccount(deps.orgId, r.id)).catch(() => null)) !== null;
    out.push({
      kind: 'runtime_credential',
      ref: r.id,
      label: `${r.name} API key (${r.kind})${here ? '' : ', not in this keychain'}`,
      owner: `runtime ${r.name}`,
      whereUsed: 'the prober and the gateway, calling that runtime',
      createdAt: r.created_at,
      lastUsedAt: r.last_probe_at,
      rotatable: false,
      howToRotate: `The key is the runtime server’s: set a new API key on ${r.name} (vLLM --api-key, the proxy in front of Ollama or TGI, or the provider’s console), then enter it in Runtimes → Edit. The old key stops when the server stops accepting it.`,
    });
  }
  return out;
}

const CHANNEL_SECRET: Record<string, { what: string; how: string }> = {
  webhook: { what: 'signing secret and URL', how: 'Make a new signing secret with the receiver’s owner, set it at the receiver, then re-add the channel in Notifications with it.' },
  pagerduty: { what: 'routing key', how: 'Regenerate the integration key in PagerDuty, then re-add the channel in Notifications with it.' },
  slack: { what: 'incoming-webhook URL', how: 'Revoke the webhook in Slack, create a new one, then re-add the channel in Notifications with its URL.' },
  email: { what: 'SMTP password', how: 'Change the SMTP account’s password at the mail provider, then re-add the channel in Notifications with it.' },
};

async function notifySecrets(deps: ReadDeps): Promise<Entry[]> {
  const rows = await deps.sql.query<{ id: string; kind: string; name: string; created_at: string; last_at: string | null }>(
    `SELECT c.id, c.kind, c.name, c.created_at,
            (SELECT max(d.last_at) FROM mc.notification_deliveries d WHERE d.org_id = c.org_id AND d.channel_id = c.id) AS last_at
       FROM mc.notification_channels c ORDER BY c.name`,
  );
  return rows.map((r) => {
    const s = CHANNEL_SECRET[r.kind] ?? { what: 'secret', how: 'Change it at its holder, then re-add the channel in Notifications.' };
    return {
      kind: 'notify_secret',
      ref: r.id,
      label: `${r.name}: ${s.what}`,
      owner: `notification channel ${r.name} (${r.kind})`,
      whereUsed: 'alert and incident notifications',
      createdAt: r.created_at,
      lastUsedAt: r.last_at,
      rotatable: false,
      howToRotate: `Held by the receiving service, not the app: ${s.how}`,
    } satisfies Entry;
  });
}

/** Every credential the app knows, in the documented rotation order. */
export async function collectCredentials(deps: ReadDeps): Promise<Entry[]> {
  const info = await deps.db.appLogins();
  const all = [
    ...(await sessions(deps, info?.memberRole ?? null)),
    ...(await signingKey(deps)),
    ...(await appLogins(deps)),
    ...(await customerKeys(deps)),
    ...(await runtimes(deps)),
    ...(await notifySecrets(deps)),
    ...(await nodeKeys(deps)),
  ];
  // Stable by stage: within a stage, the order above (kind, then owner).
  return all.map((e, i) => ({ e, i })).sort((a, b) => STAGE[a.e.kind] - STAGE[b.e.kind] || a.i - b.i).map(({ e }) => e);
}

/** The inventory as the contract shows it (no planning fields). */
export async function listCredentials(deps: ReadDeps): Promise<Credential[]> {
  return (await collectCredentials(deps)).map(({ keyStatus: _k, own: _o, ...c }) => c);
}
