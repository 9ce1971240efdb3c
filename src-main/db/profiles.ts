import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SslMode } from './pg-config';

/**
 * Connection profiles live in <dataDir>/config.json: fields only. Passwords live in the OS
 * keychain under accounts derived from the profile id; nothing secret is ever written here.
 */
export interface RemoteProfileFields {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: SslMode;
  sslRootCert: string | null;
  operatorEmail: string;
}

export interface StoredProfile extends RemoteProfileFields {
  id: string;
  kind: 'embedded' | 'remote';
}

interface ConfigFile {
  version: 1;
  /** Random per data folder: names this installation's keychain entries and database login role. */
  instanceId: string;
  activeProfileId: string;
  embedded: { operatorEmail: string };
  profiles: (RemoteProfileFields & { id: string })[];
  /** Per profile id: the organisation's OpenID Connect provider (public settings only). */
  identityProviders?: Record<string, IdentityProviderSettings>;
  /** Per profile id: session length and idle lock (issue 10); read through parseSessionPolicy. */
  sessionPolicies?: Record<string, { maxHours?: unknown; idleMinutes?: unknown }>;
}

/** Where a profile's operators sign in: public values (no client secret: the desktop is a public client). */
export interface IdentityProviderSettings {
  issuer: string;
  clientId: string;
}

export const EMBEDDED_ID = 'embedded';
export const EMBEDDED_DATABASE = 'mission_control';
export const EMBEDDED_SUPERUSER = 'mc_owner';
/** The demo org's admin: who a fresh embedded install acts as. */
export const DEMO_ADMIN_EMAIL = 'ada.okafor@demo.umamiedge.test';

export class ProfileStore {
  private config: ConfigFile;
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = join(dataDir, 'config.json');
    this.config = this.read();
  }

  private read(): ConfigFile {
    if (existsSync(this.file)) {
      let parsed: Partial<ConfigFile>;
      try {
        parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<ConfigFile>;
      } catch {
        throw new Error(`The settings file ${this.file} is not valid JSON. Fix or remove it (profiles will be lost; passwords stay in the keychain).`);
      }
      return {
        version: 1,
        instanceId: parsed.instanceId ?? randomBytes(6).toString('hex'),
        activeProfileId: parsed.activeProfileId ?? EMBEDDED_ID,
        embedded: { operatorEmail: parsed.embedded?.operatorEmail ?? DEMO_ADMIN_EMAIL },
        profiles: Array.isArray(parsed.profiles) ? parsed.profiles : [],
        identityProviders: parsed.identityProviders && typeof parsed.identityProviders === 'object' ? parsed.identityProviders : {},
        sessionPolicies: parsed.sessionPolicies && typeof parsed.sessionPolicies === 'object' ? parsed.sessionPolicies : {},
      };
    }
    const fresh: ConfigFile = {
      version: 1,
      instanceId: randomBytes(6).toString('hex'),
      activeProfileId: EMBEDDED_ID,
      embedded: { operatorEmail: DEMO_ADMIN_EMAIL },
      profiles: [],
    };
    this.write(fresh);
    return fresh;
  }

  /** Write-then-rename so a crash mid-write never leaves a half file. */
  private write(config: ConfigFile): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    this.config = config;
  }

  get instanceId(): string {
    return this.config.instanceId;
  }

  get activeId(): string {
    return this.config.activeProfileId;
  }

  get path(): string {
    return this.file;
  }

  embedded(port = 0): StoredProfile {
    return {
      id: EMBEDDED_ID,
      kind: 'embedded',
      name: 'Embedded (this workstation)',
      host: '127.0.0.1',
      port,
      database: EMBEDDED_DATABASE,
      user: EMBEDDED_SUPERUSER,
      sslmode: 'disable',
      sslRootCert: null,
      operatorEmail: this.config.embedded.operatorEmail,
    };
  }

  list(embeddedPort = 0): StoredProfile[] {
    return [this.embedded(embeddedPort), ...this.config.profiles.map((p) => ({ ...p, kind: 'remote' as const }))];
  }

  get(id: string, embeddedPort = 0): StoredProfile | null {
    return this.list(embeddedPort).find((p) => p.id === id) ?? null;
  }

  /** Create (no id) or replace a remote profile's fields. */
  saveRemote(id: string | undefined, fields: RemoteProfileFields): StoredProfile {
    const profiles = [...this.config.profiles];
    const newId = id ?? randomUUID();
    const idx = profiles.findIndex((p) => p.id === newId);
    const row = { id: newId, ...fields };
    if (idx >= 0) profiles[idx] = row;
    else profiles.push(row);
    this.write({ ...this.config, profiles });
    return { ...row, kind: 'remote' };
  }

  setEmbeddedOperator(email: string): void {
    this.write({ ...this.config, embedded: { operatorEmail: email } });
  }

  deleteRemote(id: string): boolean {
    const profiles = this.config.profiles.filter((p) => p.id !== id);
    if (profiles.length === this.config.profiles.length) return false;
    this.write({ ...this.config, profiles });
    return true;
  }

  identityProvider(id: string): IdentityProviderSettings | null {
    const v = this.config.identityProviders?.[id];
    return v && typeof v.issuer === 'string' && typeof v.clientId === 'string' ? { issuer: v.issuer, clientId: v.clientId } : null;
  }

  setIdentityProvider(id: string, settings: IdentityProviderSettings | null): void {
    const all = { ...(this.config.identityProviders ?? {}) };
    if (settings) all[id] = { issuer: settings.issuer, clientId: settings.clientId };
    else delete all[id];
    this.write({ ...this.config, identityProviders: all });
  }

  /** The stored session policy of a profile, as written (the session clock validates it); null: none set. */
  sessionPolicyRaw(id: string): { maxHours?: unknown; idleMinutes?: unknown } | null {
    const v = this.config.sessionPolicies?.[id];
    return v && typeof v === 'object' ? v : null;
  }

  setSessionPolicy(id: string, policy: { maxHours: number; idleMinutes: number | null }): void {
    const all = { ...(this.config.sessionPolicies ?? {}) };
    all[id] = { maxHours: policy.maxHours, idleMinutes: policy.idleMinutes };
    this.write({ ...this.config, sessionPolicies: all });
  }

  setActive(id: string): void {
    this.write({ ...this.config, activeProfileId: id });
  }
}

/** Keychain account names; one place so nothing else invents its own. */
export const secretAccounts = {
  embeddedSuperuser: (instanceId: string) => `${instanceId}:embedded:superuser`,
  profilePassword: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:password`,
  authenticator: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:authenticator`,
  ingest: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:ingest`,
  /** The demo gateway's database login on the embedded profile (a member of mc_gateway). */
  gateway: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:gateway`,
  /**
   * A demo customer's key (test mode), so the demo gateway's traffic is keyed like a customer's.
   * The EU demo customer keeps the account it always had; another corridor's gets its own.
   */
  demoCustomerKey: (instanceId: string, corridorKey = 'eu') => `${instanceId}:embedded:demo-customer-key${corridorKey === 'eu' ? '' : `:${corridorKey}`}`,
  /** The advisory scan's own database login on that profile (sql/0054). */
  advisor: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:advisor`,
  /** The signed-in membership's own database login on that profile (role, password and whose it is). */
  memberLogin: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:member`,
  /** Seed for the demo agent's node keys (derived per node, so restarts reuse the same keys). */
  demoAgent: (instanceId: string) => `${instanceId}:embedded:demo-agent`,
  /** The demo agent's node keys delivered by rotation runs (node id → key), used instead of the derived ones. */
  demoAgentDelivered: (instanceId: string) => `${instanceId}:embedded:demo-agent-delivered`,
  /** Seed for `npm run agent`'s node keys, per installation. */
  simulator: (instanceId: string) => `${instanceId}:simulator`,
  /** The identity provider's refresh token of the operator signed in on that profile (never leaves the main process). */
  refreshToken: (instanceId: string, profileId: string) => `${instanceId}:profile:${profileId}:refresh-token`,
};
