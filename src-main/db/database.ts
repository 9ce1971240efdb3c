import { randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { McError } from '../../src-shared/contract/errors';
import type { Session } from '../../src-shared/contract/system';
import type { Logger } from '../core/log';
import { KeychainUnavailableError, type Vault } from '../vault';
import { ADVISOR_LOGIN, advisorRoleName, authenticatorRoleName, ensureAdvisorLogin, ensureAuthenticator, ensureGatewayLogin, ensureIngestLogin, gatewayRoleName, ingestRoleName, newSecret } from './authenticator';
import { EmbeddedServer, type ServerBinaries } from './embedded-server';
import { recoverInterruptedRestore } from './restore-marker';
import { NotifyListener, type DbNotification } from './listener';
import { applyMigrations, migrationState, migrationStateOf, type MigrationFile } from './migrations';
import { bindLoginOrgs, memberLoginOrg } from './login-orgs';
import { withOrgTx, type TxOptions } from './org-tx';
import { clientConfig, describeTarget, type PgTarget } from './pg-config';
import { EMBEDDED_DATABASE, EMBEDDED_ID, EMBEDDED_SUPERUSER, type ProfileStore, type StoredProfile, secretAccounts } from './profiles';
import { appRoleExpectations, roleConfinementProblems } from './role-confinement';
import { createMemberLogin, decodeMemberLogin, dropMemberLogin, encodeMemberLogin, MEMBER_LOGIN, type MemberLogin, membershipOf, sameEmail } from './member-logins';
import { loadDemoSeed } from './seed';
import { loginName, supabaseConnectHint, supabaseRefusal } from './supabase-modes';
import { sessionFor } from './session';
import type { Sql } from './sql';

export const MIN_SERVER_VERSION_NUM = 150000;

export type AppLoginKind = 'authenticator' | 'ingest' | 'advisor';

export type DbState = 'connecting' | 'connected' | 'disconnected' | 'error';

/** A restore holding writes on this workstation (set by the restore, honoured by the router and the workers). */
export interface MaintenanceState {
  kind: 'restore';
  since: string;
  by: string;
  backupId: string;
}

export interface MigrationSummary {
  applied: number;
  total: number;
  pending: string[];
  drift: string[];
}

interface ActiveConnection {
  profile: StoredProfile;
  target: PgTarget;
  /** The installation's authenticator: live updates and upkeep that act for no operator (RLS shows it no org). */
  pool: pg.Pool;
  /** The signed-in membership's own login: every operator transaction runs here. */
  member: pg.Pool | null;
  /** The installation's node-agent login, for the demo agent and the simulator; made on first use. */
  ingest: { config: pg.PoolConfig; pool: pg.Pool | null };
  /** The advisory scan's own login (sql/0054); made on first use. */
  advisor: { config: pg.PoolConfig; pool: pg.Pool | null };
  listener: NotifyListener;
  serverVersion: string;
  session: Session | null;
  sessionMessage: string | null;
}

export interface DatabaseOptions {
  dataDir: string;
  store: ProfileStore;
  vault: Vault;
  log: Logger;
  sqlDir: string;
  migrations: MigrationFile[];
  /** Load the demo org into a fresh embedded database (default true). */
  seedDemo?: boolean;
  embeddedBinaries?: ServerBinaries;
}

export interface ProbeResult {
  ok: boolean;
  target: string;
  serverVersion: string | null;
  latencyMs: number | null;
  migrations: MigrationSummary | null;
  message: string | null;
}

/** Readable cause of a connection failure, without anything the server echoed back verbatim. */
export function connectFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing is listening at that host and port';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return 'the server did not answer in time';
    case '28P01':
      return 'the password was rejected';
    case '28000':
      return 'the server refused this user (pg_hba.conf or role rules)';
    case '3D000':
      return 'that database does not exist';
    case 'ENOENT':
      return 'a file named in the profile (CA certificate) was not found';
    default:
      if (e.message?.includes('timeout')) return 'the server did not answer in time';
      if (e.message?.includes('SSL') || e.message?.includes('certificate')) return `TLS failed: ${e.message}`;
      return e.message ?? 'unknown error';
  }
}

async function serverVersion(client: pg.ClientBase): Promise<{ text: string; num: number }> {
  const r = await client.query<{ v: string; n: string }>(`SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`);
  return { text: r.rows[0]?.v ?? '?', num: Number(r.rows[0]?.n ?? 0) };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `password` logs in as target.user; false only when the server refuses the credential. */
async function logsIn(target: PgTarget, password: string): Promise<boolean> {
  const c = new pg.Client(clientConfig(target, password));
  c.on('error', () => undefined);
  try {
    await c.connect();
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '28P01' || code === '28000') return false;
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function timedPing(client: pg.ClientBase | pg.Pool, samples = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    await client.query('SELECT 1');
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return Math.round(best * 100) / 100;
}

/**
 * The database side of the app: which profile is active, the embedded server, the app's pool and
 * live-update listener. Events: 'changed' ({ resync }) whenever state or session changes,
 * 'notification' (DbNotification) for every row change any instance commits.
 */
export class DatabaseManager extends EventEmitter {
  state: DbState = 'disconnected';
  message: string | null = null;
  private active: ActiveConnection | null = null;
  private embedded: EmbeddedServer | null = null;
  private switching: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DatabaseOptions) {
    super();
  }

  get profileStore(): ProfileStore {
    return this.opts.store;
  }

  get embeddedPort(): number {
    return this.embedded?.info?.port ?? 0;
  }

  get activeProfile(): StoredProfile | null {
    return this.active?.profile ?? null;
  }

  get session(): Session | null {
    return this.active?.session ?? null;
  }

  get live(): boolean {
    return this.active?.listener.live ?? false;
  }

  get serverVersion(): string | null {
    return this.active?.serverVersion ?? null;
  }

  private changed(resync: boolean): void {
    this.emit('changed', { resync });
  }

  /** Connect the active profile at start-up; failure leaves the app up in the 'error' state. */
  async start(): Promise<void> {
    const id = this.opts.store.activeId;
    try {
      const recovered = recoverInterruptedRestore(this.opts.dataDir, this.clusterDir);
      if (recovered) {
        this.opts.log.warn(recovered);
        this.emit('restore-recovered', recovered);
      }
    } catch (err) {
      this.state = 'error';
      this.message = (err as Error).message;
      this.opts.log.error({ err: this.message }, 'database: an interrupted restore could not be undone');
      this.changed(false);
      return;
    }
    try {
      await this.activate(id);
    } catch (err) {
      this.state = 'error';
      this.message = err instanceof Error ? err.message : String(err);
      this.opts.log.error({ profileId: id, err: this.message }, 'database: could not connect the active profile');
      this.changed(false);
    }
  }

  /** Which connection each session was signed in on (sessions are only ever made by open()). */
  private readonly sessionConnection = new WeakMap<Session, ActiveConnection>();
  private readonly quiescers: Array<() => Promise<void>> = [];
  private quiescingNow = false;

  /**
   * Work bound to the current connection (the demo agent, the ops clock) registers a stop here. A
   * switch runs them all, and waits for what they had in flight, before the next connection
   * becomes active: nothing meant for one database may land in another.
   */
  beforeSwitch(stop: () => Promise<void>): void {
    this.quiescers.push(stop);
  }

  /** True while a switch is stopping the old connection's workers, or a restore holds writes; they must not start again meanwhile. */
  get quiescing(): boolean {
    return this.quiescingNow || this.maintenanceState !== null;
  }

  private maintenanceState: MaintenanceState | null = null;

  /** A restore under way on this workstation: the router refuses commands while it is set. */
  get maintenance(): MaintenanceState | null {
    return this.maintenanceState;
  }

  /**
   * Stop writes for a restore: the maintenance state is set first (the router refuses commands,
   * workers see `quiescing` and do not start again), then every worker registered with
   * beforeSwitch stops with what it had in flight, as before a profile switch.
   */
  async beginMaintenance(state: MaintenanceState): Promise<void> {
    if (this.maintenanceState) throw new McError('CONFLICT', 'A restore is already in progress on this workstation.');
    this.maintenanceState = state;
    this.changed(false);
    await this.switching;
    for (const stop of this.quiescers) {
      await stop().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'database: a worker did not stop cleanly before the restore'));
    }
  }

  /** Lift the maintenance state: commands are accepted again and workers follow the connection. */
  endMaintenance(): void {
    if (!this.maintenanceState) return;
    this.maintenanceState = null;
    this.changed(true);
  }

  /** The embedded cluster's folder (PGDATA) in the data folder. */
  get embeddedClusterDir(): string {
    return this.clusterDir;
  }

  /**
   * For a restore: let go of the active embedded connection and stop its server, so its cluster
   * folder may be moved. Only while the maintenance state holds writes.
   */
  detachEmbedded(message: string): Promise<void> {
    const run = this.switching.then(async () => {
      if (!this.maintenanceState) throw new McError('CONFLICT', 'Stop writes (a restore) before detaching the embedded database.');
      const active = this.active;
      if (active?.profile.kind !== 'embedded') throw new McError('CONFLICT', 'The embedded database is not the active connection.');
      this.active = null;
      this.state = 'connecting';
      this.message = message;
      this.changed(false);
      await this.closeConnection(active);
      await this.stopEmbedded();
    });
    this.switching = run.catch(() => undefined);
    return run;
  }

  /**
   * Start the embedded server on whatever cluster folder is in place now (made fresh by initdb when
   * there is none), with the database the app uses created empty: the owner credentials a restore
   * loads the backup with. The app stays detached until reattachEmbedded().
   */
  async startEmbeddedForRestore(): Promise<{ target: PgTarget; password: string }> {
    if (!this.maintenanceState || this.active) throw new McError('CONFLICT', 'Detach the embedded database (a restore) first.');
    return this.ensureEmbedded();
  }

  /** Stop the embedded server a restore started (before it moves the cluster folders back). */
  async stopEmbeddedForRestore(): Promise<void> {
    if (this.active) throw new McError('CONFLICT', 'The embedded database is connected; it cannot be stopped under the app.');
    await this.stopEmbedded();
  }

  /** Connect the app to the embedded database again (migrations, logins, sign-in), as a switch does. */
  reattachEmbedded(): Promise<StoredProfile> {
    return this.activate(EMBEDDED_ID);
  }

  /** Bumped by every switch an operator asks for; a background restart gives way to it. */
  private generation = 0;

  /** Switch to a profile. If it cannot be opened, the current connection stays as it was. */
  activate(id: string): Promise<StoredProfile> {
    // Refuse before anything moves: a bogus id must not turn a real switch under way into a CONFLICT
    // or make a crashed embedded server's restart give way.
    if (!this.opts.store.get(id)) return Promise.reject(new McError('NOT_FOUND', `There is no connection profile "${id}".`));
    this.generation++;
    return this.enqueueActivation(id, this.generation);
  }

  private enqueueActivation(id: string, generation: number): Promise<StoredProfile> {
    const run = this.switching.then(() => {
      if (generation !== this.generation) throw new McError('CONFLICT', 'Another switch was asked for meanwhile.');
      return this.doActivate(id);
    });
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async doActivate(id: string): Promise<StoredProfile> {
    const profile = this.opts.store.get(id);
    if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${id}".`);
    const previousState = this.state;
    this.state = this.active ? this.state : 'connecting';
    this.changed(false);
    let next: ActiveConnection;
    try {
      next = await this.open(profile);
    } catch (err) {
      this.state = this.active ? previousState : 'error';
      const reason = err instanceof McError ? err.message : `Could not connect profile “${profile.name}”: ${connectFailure(err)}.`;
      if (!this.active) this.message = reason;
      this.changed(false);
      throw err instanceof McError ? err : new McError('UNAVAILABLE', reason);
    }
    this.quiescingNow = true;
    try {
      for (const stop of this.quiescers) {
        await stop().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'database: a worker did not stop cleanly before the switch'));
      }
    } finally {
      this.quiescingNow = false;
    }
    const prev = this.active;
    this.active = next;
    this.state = 'connected';
    this.message = next.sessionMessage;
    this.opts.store.setActive(profile.id);
    if (prev) await this.closeConnection(prev);
    if (profile.kind !== 'embedded') await this.stopEmbedded();
    this.changed(true);
    return next.profile;
  }

  private get clusterDir(): string {
    return join(this.opts.dataDir, 'pg');
  }

  /** The embedded superuser's password: created with the cluster, kept only in the keychain. */
  private async embeddedPassword(): Promise<string> {
    const account = secretAccounts.embeddedSuperuser(this.opts.store.instanceId);
    const existing = await this.opts.vault.get(account);
    if (existing) return existing;
    if (existsSync(join(this.clusterDir, 'PG_VERSION'))) {
      throw new McError(
        'UNAVAILABLE',
        'The embedded database exists, but its password is no longer in the OS keychain. Restore the keychain entry, ' +
          'or move the data folder’s “pg” directory away to start a fresh embedded database.',
      );
    }
    // Stored before initdb runs, so an interrupted first start can reuse it.
    const created = newSecret();
    await this.opts.vault.set(account, created);
    return created;
  }

  private async ensureEmbedded(): Promise<{ target: PgTarget; password: string }> {
    const password = await this.embeddedPassword();
    if (!this.embedded) {
      this.embedded = new EmbeddedServer({
        clusterDir: this.clusterDir,
        superuser: EMBEDDED_SUPERUSER,
        password,
        log: this.opts.log,
        serverLogFile: join(this.opts.dataDir, 'logs', 'postgres.log'),
        onUnexpectedExit: (code, signal) => {
          this.restarting = this.restartEmbedded(code, signal);
        },
        ...(this.opts.embeddedBinaries ? { binaries: this.opts.embeddedBinaries } : {}),
      });
    }
    const info = await this.embedded.start();
    const target: PgTarget = { host: info.socketDir ?? info.host, port: info.port, database: EMBEDDED_DATABASE, user: EMBEDDED_SUPERUSER, sslmode: 'disable' };
    // First start: the app's database does not exist yet.
    const admin = new pg.Client(clientConfig({ ...target, database: 'postgres' }, password));
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
    } finally {
      await admin.end();
    }
    return { target, password };
  }

  private async ownerCredentials(profile: StoredProfile): Promise<{ target: PgTarget; password: string }> {
    if (profile.kind === 'embedded') return this.ensureEmbedded();
    const password = await this.opts.vault.get(secretAccounts.profilePassword(this.opts.store.instanceId, profile.id));
    if (!password) {
      throw new McError('UNAVAILABLE', `Profile “${profile.name}” has no password stored in the OS keychain. Edit the profile and enter its password.`);
    }
    return { target: profile, password };
  }

  private async open(profile: StoredProfile): Promise<ActiveConnection> {
    const where = () => `profile “${profile.name}” (${describeTarget(profile)})`;
    let creds: { target: PgTarget; password: string };
    try {
      creds = await this.ownerCredentials(profile);
    } catch (err) {
      if (err instanceof McError) throw err;
      if (err instanceof KeychainUnavailableError) {
        throw new McError('UNAVAILABLE', `Cannot open ${where()}: its password lives in the OS keychain, which is unavailable.`);
      }
      throw new McError('UNAVAILABLE', `Could not start the embedded database: ${(err as Error).message}`);
    }
    const refusal = supabaseRefusal(creds.target);
    if (refusal) throw new McError('UNAVAILABLE', `Cannot open ${where()}: ${refusal}`);
    const owner = new pg.Client(clientConfig(creds.target, creds.password));
    owner.on('error', () => undefined);
    try {
      await owner.connect();
    } catch (err) {
      const hint = supabaseConnectHint(creds.target, (err as { code?: string }).code);
      throw new McError('UNAVAILABLE', `Could not connect ${where()}: ${connectFailure(err)}.${hint ? ` ${hint}` : ''}`);
    }
    let version: { text: string; num: number };
    let authPassword: string;
    let ingestPassword: string;
    let advisorPassword: string;
    let memberLogin: { login: MemberLogin | null; message: string | null };
    const role = authenticatorRoleName(this.opts.store.instanceId);
    try {
      version = await serverVersion(owner);
      if (version.num < MIN_SERVER_VERSION_NUM) {
        throw new McError('UNAVAILABLE', `${where()} runs PostgreSQL ${version.text}; Mission Control needs PostgreSQL 15 or later.`);
      }
      try {
        await applyMigrations(owner, this.opts.migrations, {
          onProgress: (p) => this.opts.log.info({ file: p.file, index: p.index, total: p.total, durationMs: p.durationMs }, 'migration'),
        });
      } catch (err) {
        throw new McError('UNAVAILABLE', `Could not prepare ${where()}: ${(err as Error).message}`);
      }
      if (profile.kind === 'embedded' && (this.opts.seedDemo ?? true)) {
        if (await loadDemoSeed(owner, this.opts.sqlDir)) this.opts.log.info('database: loaded the demo org');
      }
      authPassword = await this.roleSecret(secretAccounts.authenticator(this.opts.store.instanceId, profile.id), { ...creds.target, user: role }, (pw, mode) =>
        ensureAuthenticator(owner, role, pw, mode),
      );
      ingestPassword = await this.roleSecret(
        secretAccounts.ingest(this.opts.store.instanceId, profile.id),
        { ...creds.target, user: ingestRoleName(this.opts.store.instanceId) },
        (pw, mode) => ensureIngestLogin(owner, ingestRoleName(this.opts.store.instanceId), pw, mode),
      );
      const advisor = advisorRoleName(this.opts.store.instanceId);
      advisorPassword = await this.roleSecret(secretAccounts.advisor(this.opts.store.instanceId, profile.id), { ...creds.target, user: advisor }, (pw, mode) =>
        ensureAdvisorLogin(owner, advisor, pw, mode),
      );
      memberLogin = await this.memberCredential(owner, profile, creds.target);
      // The installation's node-agent and scan logins serve the org this workstation is signed in
      // to (sql/0058); bound here, on the owner connection that made them, on every connect (an org
      // created or joined here is bound on the connect that follows). Rotating their passwords
      // keeps the binding: it is keyed by role name.
      const memberOrg = memberLogin.login ? await memberLoginOrg(owner, memberLogin.login.role) : null;
      if (memberOrg) {
        await owner.query('BEGIN');
        try {
          await bindLoginOrgs(owner, ingestRoleName(this.opts.store.instanceId), 'ingest', [memberOrg]);
          await bindLoginOrgs(owner, advisor, 'advisor', [memberOrg]);
          await owner.query('COMMIT');
        } catch (err) {
          await owner.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
      const expectations = appRoleExpectations(role, ingestRoleName(this.opts.store.instanceId));
      expectations.push({ role: 'mc_advisor', login: false, memberOf: [] }, { role: advisor, login: true, memberOf: ADVISOR_LOGIN.memberOf });
      if (memberLogin.login) expectations.push({ role: memberLogin.login.role, login: true, memberOf: MEMBER_LOGIN.memberOf });
      const problems = await roleConfinementProblems(owner, expectations);
      if (problems.length > 0) {
        throw new McError(
          'UNAVAILABLE',
          `Refusing ${where()}: row-level security would not hold there, because ${problems.join('; ')}. An administrator of that server must fix the role${problems.length > 1 ? 's' : ''} first.`,
        );
      }
    } catch (err) {
      if (err instanceof McError) throw err;
      if (err instanceof KeychainUnavailableError) throw new McError('UNAVAILABLE', err.message);
      throw new McError('UNAVAILABLE', `Could not prepare ${where()}: ${connectFailure(err)}.`);
    } finally {
      await owner.end().catch(() => undefined);
    }
    // On Supabase's session pooler the app's own logins carry the project ref like the profile's user.
    const appTarget: PgTarget = { ...creds.target, user: loginName(creds.target, role) };
    const pool = new pg.Pool({ ...clientConfig(appTarget, authPassword), max: 8, idleTimeoutMillis: 30_000 });
    // Without this handler an idle connection dropped by the server would crash the process.
    pool.on('error', (err) => this.opts.log.warn({ err: err.message }, 'database: idle connection error'));
    const listener = new NotifyListener(clientConfig(appTarget, authPassword), this.opts.log);
    const member = memberLogin.login ? new pg.Pool({ ...clientConfig({ ...creds.target, user: loginName(creds.target, memberLogin.login.role) }, memberLogin.login.password), max: 8, idleTimeoutMillis: 30_000 }) : null;
    member?.on('error', (err) => this.opts.log.warn({ err: err.message }, 'database: idle connection error'));
    try {
      const { session, message } = member ? await this.resolveSession(member, profile) : { session: null, message: memberLogin.message };
      await listener.start();
      listener.on('notification', (n: DbNotification) => this.emit('notification', n));
      listener.on('live', () => this.changed(false));
      listener.on('resync', () => this.changed(true));
      const ingestConfig = { ...clientConfig({ ...creds.target, user: loginName(creds.target, ingestRoleName(this.opts.store.instanceId)) }, ingestPassword), max: 4 };
      const advisorConfig = { ...clientConfig({ ...creds.target, user: loginName(creds.target, advisorRoleName(this.opts.store.instanceId)) }, advisorPassword), max: 2 };
      const connection: ActiveConnection = {
        profile: { ...profile, port: creds.target.port },
        target: creds.target,
        pool,
        member,
        ingest: { config: ingestConfig, pool: null },
        advisor: { config: advisorConfig, pool: null },
        listener,
        serverVersion: version.text,
        session,
        sessionMessage: message,
      };
      if (session) this.sessionConnection.set(session, connection);
      return connection;
    } catch (err) {
      await listener.stop();
      await pool.end().catch(() => undefined);
      await member?.end().catch(() => undefined);
      throw new McError('UNAVAILABLE', `Could not open ${where()} as the app role: ${connectFailure(err)}.`);
    }
  }

  /**
   * A remote profile saved with its owner's password typed just now: the person at the keyboard
   * proved they hold the database owner's credential, which can make any login anyway, so the
   * next connect may make one for the e-mail they saved. Kept in memory only (a settings file
   * cannot grant it) and used once.
   */
  private readonly ownerClaims = new Map<string, string>();

  allowOwnerClaim(profileId: string, email: string): void {
    this.ownerClaims.set(profileId, email);
  }

  /**
   * Set up a database that has no org yet: the org, its first admin (the person at the keyboard,
   * who proves they may by typing the owner's password again) and that admin's own login, held
   * here. Then the profile reconnects as them. Refused once any org exists there: members of an
   * existing org come in by invitation.
   */
  async createOrg(profileId: string, input: { orgName: string; slug: string; displayName: string; email: string; ownerPassword: string }): Promise<StoredProfile> {
    const profile = this.opts.store.get(profileId);
    if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${profileId}".`);
    if (profile.kind !== 'remote') throw new McError('VALIDATION', 'The embedded database comes with its demo org.', { id: 'Choose a remote profile.' });
    if (this.active?.profile.id !== profileId) throw new McError('CONFLICT', `Activate “${profile.name}” first, then create its organisation.`);
    const stored = await this.opts.vault.get(secretAccounts.profilePassword(this.opts.store.instanceId, profile.id));
    if (stored === null || !sameSecret(stored, input.ownerPassword)) {
      throw new McError('FORBIDDEN', `That is not the password of ${describeTarget(profile)}.`, { ownerPassword: 'Type the database owner’s password stored with this profile.' });
    }
    const owner = new pg.Client(clientConfig(profile, input.ownerPassword));
    owner.on('error', () => undefined);
    try {
      await owner.connect();
    } catch (err) {
      throw new McError('UNAVAILABLE', `Could not connect ${describeTarget(profile)}: ${connectFailure(err)}.`);
    }
    let login: MemberLogin;
    try {
      // The owner reads every org through mc_definer's policy (a superuser would anyway).
      const orgs = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM mc.orgs');
      if ((orgs.rows[0]?.n ?? 0) > 0) {
        throw new McError('CONFLICT', `“${profile.name}” already has an organisation. Ask one of its admins for an invitation.`);
      }
      const orgId = randomUUID();
      const operatorId = randomUUID();
      await owner.query('BEGIN');
      try {
        await owner.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [orgId]);
        await owner.query('INSERT INTO mc.orgs (id, slug, name) VALUES ($1, $2, $3)', [orgId, input.slug, input.orgName]);
        await owner.query('INSERT INTO mc.operators (id, email, display_name) VALUES ($1, $2, $3)', [operatorId, input.email, input.displayName]);
        await owner.query(`INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, 'admin')`, [orgId, operatorId]);
        await owner.query('COMMIT');
      } catch (err) {
        await owner.query('ROLLBACK').catch(() => undefined);
        const e = err as { code?: string; constraint?: string };
        if (e.code === '23505') throw new McError('CONFLICT', 'That slug or e-mail is already taken in this database.', { slug: 'Choose another slug.' });
        throw err;
      }
      login = await createMemberLogin(owner, { orgId, operatorId, email: input.email });
    } catch (err) {
      if (err instanceof McError) throw err;
      throw new McError('UNAVAILABLE', `Could not create the organisation: ${connectFailure(err)}.`);
    } finally {
      await owner.end().catch(() => undefined);
    }
    await this.opts.vault.set(secretAccounts.memberLogin(this.opts.store.instanceId, profile.id), encodeMemberLogin(login));
    const { id: _id, kind: _kind, ...fields } = profile;
    this.opts.store.saveRemote(profile.id, { ...fields, operatorEmail: input.email });
    return this.activate(profile.id);
  }

  /**
   * Sign the person at the keyboard in on a profile after a step that proved who they are (the
   * identity provider's verified ID token, an invitation code together with it, or the OS user on
   * the embedded database). `prove` runs on the profile's owner connection inside one transaction
   * and names the membership; the member login is made in that same transaction, and the
   * transaction commits only once the keychain holds the login. Any failure leaves nothing behind:
   * no role, no mapping, no audit event, no keychain entry, the previous sign-in untouched.
   */
  async signInWith(
    profileId: string,
    prove: (owner: pg.ClientBase) => Promise<{ orgId: string; operatorId: string; email: string }>,
    secrets: { refreshToken?: string | null } = {},
  ): Promise<StoredProfile> {
    const profile = this.opts.store.get(profileId);
    if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${profileId}".`);
    const creds = await this.ownerCredentials(profile);
    const owner = new pg.Client(clientConfig(creds.target, creds.password));
    owner.on('error', () => undefined);
    try {
      await owner.connect();
    } catch (err) {
      throw new McError('UNAVAILABLE', `Could not connect ${describeTarget(profile)}: ${connectFailure(err)}.`);
    }
    const account = secretAccounts.memberLogin(this.opts.store.instanceId, profile.id);
    const tokenAccount = secretAccounts.refreshToken(this.opts.store.instanceId, profile.id);
    const previous = await this.opts.vault.get(account);
    let member: { orgId: string; operatorId: string; email: string };
    try {
      await owner.query('BEGIN');
      try {
        member = await prove(owner);
        const login = await createMemberLogin(owner, member);
        await this.opts.vault.set(account, encodeMemberLogin(login));
        try {
          await owner.query('COMMIT');
        } catch (err) {
          if (previous === null) await this.opts.vault.delete(account).catch(() => false);
          else await this.opts.vault.set(account, previous).catch(() => undefined);
          throw err;
        }
      } catch (err) {
        await owner.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      // The login it replaces is ended (best effort: a stale one logs in as its own membership only).
      const held = decodeMemberLogin(previous);
      if (held) await dropMemberLogin(owner, held.role).catch(() => undefined);
    } catch (err) {
      if (err instanceof McError) throw err;
      if (err instanceof KeychainUnavailableError) throw new McError('UNAVAILABLE', err.message);
      throw new McError('UNAVAILABLE', `Could not sign in on ${describeTarget(profile)}: ${connectFailure(err)}.`);
    } finally {
      await owner.end().catch(() => undefined);
    }
    if (secrets.refreshToken) await this.opts.vault.set(tokenAccount, secrets.refreshToken);
    else await this.opts.vault.delete(tokenAccount).catch(() => false);
    if (profile.kind === 'embedded') this.opts.store.setEmbeddedOperator(member.email);
    else {
      const { id: _id, kind: _kind, ...fields } = profile;
      this.opts.store.saveRemote(profile.id, { ...fields, operatorEmail: member.email });
    }
    return this.activate(profile.id);
  }

  /** Who the member login is, as the database derives it (mc.whoami): never looked up by a typed e-mail. */
  private async resolveSession(member: pg.Pool, profile: StoredProfile): Promise<{ session: Session | null; message: string | null }> {
    const session = await sessionFor(member);
    if (!session) {
      return { session: null, message: `The sign-in this workstation holds for ${profile.operatorEmail} no longer belongs to a membership (removed by an admin). Sign in again.` };
    }
    return {
      session,
      message: null,
    };
  }

  /**
   * The database login of the profile's operator, if this workstation holds one. On the embedded
   * database the OS user is the operator (it owns the data folder and the server's superuser), so
   * a login is made for the configured member when none is held. On any other database a login
   * comes only from a step that proves who someone is (org creation, an invitation code, the
   * identity provider), never from the e-mail in the settings.
   */
  private async memberCredential(owner: pg.Client, profile: StoredProfile, target: PgTarget): Promise<{ login: MemberLogin | null; message: string | null }> {
    const account = secretAccounts.memberLogin(this.opts.store.instanceId, profile.id);
    const held = decodeMemberLogin(await this.opts.vault.get(account));
    // Remote: the held login decides, whatever e-mail the settings name. Embedded: the OS user may
    // step into another (demo) member by naming them, so a login for someone else is replaced.
    const works = held ? await logsIn({ ...target, user: loginName(target, held.role) }, held.password) : false;
    if (held && works && sameEmail(held.email, profile.operatorEmail)) return { login: held, message: null };
    const claim = this.ownerClaims.get(profile.id);
    const claimed = profile.kind === 'remote' && claim !== undefined && sameEmail(claim, profile.operatorEmail);
    if (profile.kind !== 'embedded' && !claimed) {
      // Remote: the held login decides, whatever e-mail the settings name.
      if (held && works) return { login: held, message: null };
      return {
        login: null,
        message: held
          ? `The sign-in this workstation held for ${profile.operatorEmail} was ended (membership removed or reset by an admin). Sign in again.`
          : `This workstation holds no sign-in for ${profile.operatorEmail} in this database, and an e-mail in the settings signs nobody in. To sign them in, edit the profile and type the database owner’s password again, then activate it.`,
      };
    }
    const membership = await membershipOf(owner, profile.operatorEmail);
    if (!membership) {
      return { login: null, message: `No operator with the e-mail ${profile.operatorEmail} is a member of any org in this database. Set the profile’s operator e-mail in Connections.` };
    }
    const login = await createMemberLogin(owner, membership);
    await this.opts.vault.set(account, encodeMemberLogin(login));
    this.ownerClaims.delete(profile.id);
    this.opts.log.info({ profileId: profile.id, role: login.role, by: profile.kind === 'embedded' ? 'embedded operator' : 'owner credential typed' }, 'database: member login made');
    if (held) await dropMemberLogin(owner, held.role).catch(() => undefined);
    return { login, message: null };
  }

  /**
   * A login role's password, kept in the keychain. The role's attributes are re-asserted on every
   * connect (cheap, and repairs a role someone altered); its password changes only when the role
   * is new, no password is stored, or the stored one no longer logs in. Changing it every time
   * would put a fresh SCRAM verifier into the server's statement log on each connect.
   */
  private async roleSecret(account: string, login: PgTarget, ensure: (password: string, mode: 'set' | 'keep') => Promise<void>): Promise<string> {
    const stored = await this.opts.vault.get(account);
    if (stored) {
      await ensure(stored, 'keep');
      if (await logsIn(login, stored)) return stored;
      // Someone changed or reset it behind the app's back: put the stored one back.
      await ensure(stored, 'set');
      return stored;
    }
    const password = newSecret();
    await ensure(password, 'set');
    await this.opts.vault.set(account, password);
    return password;
  }

  /**
   * A customer gateway login (a member of mc_gateway, sql/0045) on the active embedded database,
   * for the demo gateway: made on first use, its password kept like the ingest login's. Only the
   * embedded database: on a shared one an operator makes gateway logins (docs/operator-guide.md).
   * The login is bound to `orgId` (the demo org it serves, sql/0058) on the same owner connection.
   */
  async embeddedGatewayLogin(orgId: string): Promise<pg.PoolConfig> {
    const active = this.active;
    const profile = active ? this.opts.store.get(active.profile.id) : null;
    if (!active || !profile || profile.kind !== 'embedded') throw new McError('UNAVAILABLE', 'The demo gateway runs on the embedded database only.');
    const creds = await this.ownerCredentials(profile);
    const owner = new pg.Client(clientConfig(creds.target, creds.password));
    owner.on('error', () => undefined);
    await owner.connect();
    try {
      const role = gatewayRoleName(this.opts.store.instanceId);
      const password = await this.roleSecret(secretAccounts.gateway(this.opts.store.instanceId, profile.id), { ...creds.target, user: role }, (pw, mode) =>
        ensureGatewayLogin(owner, role, pw, mode),
      );
      await bindLoginOrgs(owner, role, 'gateway', [orgId]);
      return clientConfig({ ...creds.target, user: role }, password);
    } finally {
      await owner.end().catch(() => undefined);
    }
  }

  /** The data-plane pool (as the installation's ingest login) of the active connection. */
  ingestPool(): pg.Pool {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', this.message ?? 'No database is connected.');
    if (!active.ingest.pool) {
      const pool = new pg.Pool(active.ingest.config);
      pool.on('error', (err) => this.opts.log.warn({ err: err.message }, 'database: idle ingest connection error'));
      active.ingest.pool = pool;
    }
    return active.ingest.pool;
  }

  /**
   * The ingest pool of the connection active now, each time it is asked for: it follows a rotation
   * of the ingest login's password (which replaces the pool), and refuses once another connection
   * is active, so a batch begun before a switch never reaches the database switched to.
   */
  boundIngestPool(): () => pg.Pool {
    const at = this.active;
    if (!at) throw new McError('UNAVAILABLE', this.message ?? 'No database is connected.');
    return () => {
      if (this.active !== at) throw new McError('UNAVAILABLE', 'The database connection changed; this batch is not sent to the new one.');
      return this.ingestPool();
    };
  }

  /** The advisory scan's pool (as the installation's scan login, sql/0054) of the active connection. */
  advisorPool(): pg.Pool {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', this.message ?? 'No database is connected.');
    if (!active.advisor.pool) {
      const pool = new pg.Pool(active.advisor.config);
      pool.on('error', (err) => this.opts.log.warn({ err: err.message }, 'database: idle advisory-scan connection error'));
      active.advisor.pool = pool;
    }
    return active.advisor.pool;
  }

  /** Run fn in an org-scoped transaction of the active connection. */
  async tx<T>(session: Session, fn: (sql: Sql) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', this.message ?? 'No database is connected. Open Connections to choose one.');
    // A session belongs to the connection it was signed in on: work begun before a switch must not
    // run, as that org and operator, on the database switched to.
    const bound = this.sessionConnection.get(session);
    if (bound && bound !== active) throw new McError('CONFLICT', 'The database connection changed while this was being done; nothing was changed here. Try again.');
    if (!active.member) throw new McError('FORBIDDEN', active.sessionMessage ?? 'You are not signed in to an org in this database.');
    // The scope is still set for readability in server logs; the database ignores it for a member login.
    return withOrgTx(active.member, { orgId: session.orgId, operatorId: session.operatorId, role: session.role }, fn, opts);
  }

  /**
   * Ask the database again who this workstation's login is (after a role change, a suspension or
   * a removal): the session the router checks follows the membership, and views are told.
   */
  async refreshSession(): Promise<Session | null> {
    const active = this.active;
    if (!active?.member) return null;
    const next = await sessionFor(active.member);
    if (this.active !== active) return this.session;
    if (JSON.stringify(next) === JSON.stringify(active.session)) return active.session;
    active.session = next;
    active.sessionMessage = next ? null : 'Your membership in this org is suspended or was removed by an admin, so this workstation sees nothing. Ask an admin of the org.';
    if (next) this.sessionConnection.set(next, active);
    this.changed(false);
    return next;
  }

  /**
   * End the signed-in operator's session on this workstation (session expiry, shift handover):
   * no new call gets the member pool (tx() finds no login; a call already running finishes on
   * its connection, and the pool closes after it), the login is
   * forgotten by the keychain together with its refresh token, and the database drops the role,
   * so nothing of that session can act again, not even after a restart. The profile stays
   * connected (live updates, Connections) with nobody signed in; `why` is what the views say.
   */
  async signOut(why: string): Promise<void> {
    const active = this.active;
    if (!active) return;
    const member = active.member;
    active.member = null;
    active.session = null;
    active.sessionMessage = why;
    this.message = why;
    // What is signed out is read before anything waits: Pool.end() waits for calls in flight (an
    // export's long read), and the next operator may sign in meanwhile into the same keychain
    // account. Their login must never be the one deleted or dropped here.
    const account = secretAccounts.memberLogin(this.opts.store.instanceId, active.profile.id);
    const tokenAccount = secretAccounts.refreshToken(this.opts.store.instanceId, active.profile.id);
    const raw = await this.opts.vault.get(account).catch(() => null);
    const held = decodeMemberLogin(raw);
    const still = async () => raw !== null && (await this.opts.vault.get(account).catch(() => null)) === raw;
    if (await still()) {
      await this.opts.vault.delete(account).catch((err: Error) => this.opts.log.warn({ err: err.message }, 'sign-out: the keychain kept the member login'));
      await this.opts.vault.delete(tokenAccount).catch(() => false);
    }
    // No new call can use the pool (active.member is cleared); calls already running finish on it.
    void member?.end().catch(() => undefined);
    if (held) {
      await this.withOwner((owner) => dropMemberLogin(owner, held.role)).catch((err: Error) =>
        this.opts.log.warn({ err: err.message }, 'sign-out: the database login could not be dropped now; it is no longer held here'),
      );
    }
    this.changed(true);
  }

  /** A transaction as mc_app with no org: for platform upkeep that needs no operator. */
  async systemTx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', this.message ?? 'No database is connected.');
    return withOrgTx(active.pool, null, fn, { statementTimeout: '5min' });
  }

  /** A connected profile's live figures for the Connections screen. */
  async activeStatus(): Promise<{ profile: StoredProfile; serverVersion: string; latencyMs: number; migrations: MigrationSummary; live: boolean } | null> {
    const active = this.active;
    if (!active) return null;
    const latencyMs = await timedPing(active.pool);
    const migrations = await withOrgTx(active.pool, null, (sql) => migrationStateOf(sql, this.opts.migrations), { readOnly: true });
    return { profile: active.profile, serverVersion: active.serverVersion, latencyMs, migrations, live: active.listener.live };
  }

  /** Test a saved profile with its stored credentials, without switching to it. */
  async probeProfile(profile: StoredProfile): Promise<ProbeResult> {
    if (profile.kind === 'embedded' && !this.embedded?.info) {
      // Testing must not start (or create) the embedded cluster as a side effect.
      return {
        ok: false,
        target: `“${profile.name}”`,
        serverVersion: null,
        latencyMs: null,
        migrations: null,
        message: 'The embedded database is not running while another profile is active; activate it to use it.',
      };
    }
    let creds: { target: PgTarget; password: string | null };
    try {
      creds =
        profile.kind === 'embedded'
          ? await this.ensureEmbedded()
          : { target: profile, password: await this.opts.vault.get(secretAccounts.profilePassword(this.opts.store.instanceId, profile.id)) };
    } catch (err) {
      return { ok: false, target: `“${profile.name}”`, serverVersion: null, latencyMs: null, migrations: null, message: (err as Error).message };
    }
    return this.probe(creds.target, creds.password, `“${profile.name}”`);
  }

  /** Try a profile (saved or draft) without switching to it. Never throws: failure is a result. */
  async probe(target: PgTarget, password: string | null, label: string): Promise<ProbeResult> {
    const name = `${label} (${describeTarget(target)})`;
    if (password === null) return { ok: false, target: name, serverVersion: null, latencyMs: null, migrations: null, message: 'No password is stored for this profile; enter one.' };
    const refusal = supabaseRefusal(target);
    if (refusal) return { ok: false, target: name, serverVersion: null, latencyMs: null, migrations: null, message: refusal };
    let client: pg.Client;
    try {
      client = new pg.Client(clientConfig(target, password));
    } catch (err) {
      return { ok: false, target: name, serverVersion: null, latencyMs: null, migrations: null, message: connectFailure(err) };
    }
    client.on('error', () => undefined);
    try {
      await client.connect();
      const v = await serverVersion(client);
      const latencyMs = await timedPing(client);
      const migrations = await migrationState(client, this.opts.migrations).catch(() => null);
      const tooOld = v.num < MIN_SERVER_VERSION_NUM;
      return {
        ok: !tooOld,
        target: name,
        serverVersion: v.text,
        latencyMs,
        migrations,
        message: tooOld ? `PostgreSQL ${v.text} is too old; Mission Control needs 15 or later.` : null,
      };
    } catch (err) {
      const hint = supabaseConnectHint(target, (err as { code?: string }).code);
      return { ok: false, target: name, serverVersion: null, latencyMs: null, migrations: null, message: hint ? `${connectFailure(err)}. ${hint}` : connectFailure(err) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private restarting: Promise<void> = Promise.resolve();

  /** Resolves when the latest restart of a crashed embedded server has come back or given way. */
  restartSettled(): Promise<void> {
    return this.restarting;
  }

  /**
   * The embedded server died under us (crash, OOM killer, kill -9). Committed data is safe on
   * disk; bring the server back (on a new port) and reconnect, a few times with backoff.
   */
  private async restartEmbedded(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const dead = this.active;
    if (dead?.profile.kind !== 'embedded' || this.closing) return;
    const generation = this.generation;
    this.opts.log.error({ code, signal }, 'embedded postgres exited unexpectedly; restarting');
    // Let go of the dead server at once: nothing may keep dialling its port with our passwords.
    this.active = null;
    this.state = 'connecting';
    this.message = 'The embedded database stopped unexpectedly; restarting it…';
    this.changed(false);
    await this.closeConnection(dead);
    for (const delayMs of [500, 1500, 4000, 8000]) {
      await new Promise((r) => setTimeout(r, delayMs));
      // An operator switched profiles (or the app is closing) meanwhile: their choice wins.
      if (this.closing || generation !== this.generation) return;
      try {
        await this.enqueueActivation(EMBEDDED_ID, generation);
        this.opts.log.info('embedded postgres restarted');
        return;
      } catch (err) {
        if (generation !== this.generation) return;
        this.opts.log.warn({ err: (err as Error).message }, 'embedded postgres restart attempt failed');
      }
    }
    this.state = 'error';
    this.message = 'The embedded database stopped and could not be restarted. See logs/postgres.log in the data folder, then restart Mission Control.';
    this.changed(false);
  }

  private async closeConnection(c: ActiveConnection): Promise<void> {
    c.listener.removeAllListeners();
    await c.listener.stop();
    await c.pool.end().catch(() => undefined);
    await c.member?.end().catch(() => undefined);
    await c.ingest.pool?.end().catch(() => undefined);
    await c.advisor.pool?.end().catch(() => undefined);
  }

  private async stopEmbedded(): Promise<void> {
    const e = this.embedded;
    this.embedded = null;
    if (e) await e.stop();
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await this.switching;
    const a = this.active;
    this.active = null;
    if (a) await this.closeConnection(a);
    await this.stopEmbedded();
    this.state = 'disconnected';
  }

  /** The migration files this build carries (the migrations center lists them). */
  get migrationFiles(): readonly MigrationFile[] {
    return this.opts.migrations;
  }

  /** The app's own logins on the active profile (names; whether this workstation's keychain holds each), for the credential inventory. */
  async appLogins(): Promise<{ profile: StoredProfile; logins: { kind: AppLoginKind; role: string; held: boolean | 'unknown' }[]; memberRole: string | null } | null> {
    const active = this.active;
    if (!active) return null;
    const id = this.opts.store.instanceId;
    const member = decodeMemberLogin(await this.opts.vault.get(secretAccounts.memberLogin(id, active.profile.id)).catch(() => null));
    return { profile: active.profile, logins: await this.loginsOf(active.profile), memberRole: member?.role ?? null };
  }

  /**
   * The app's logins on every other profile of this workstation whose keychain holds a password
   * for them (the profile was connected here once, which made them). A breach of this workstation
   * exposes those passwords too, so rotate-all lists and rotates them as well.
   */
  async otherProfileLogins(): Promise<{ profile: StoredProfile; logins: { kind: AppLoginKind; role: string; held: boolean | 'unknown' }[] }[]> {
    const activeId = this.active?.profile.id ?? null;
    const out = [];
    for (const profile of this.opts.store.list()) {
      if (profile.id === activeId) continue;
      // A keychain that did not answer hides nothing: such a login is listed as unknown.
      const logins = (await this.loginsOf(profile)).filter((l) => l.held !== false);
      if (logins.length > 0) out.push({ profile, logins });
    }
    return out;
  }

  private async loginsOf(profile: StoredProfile): Promise<{ kind: AppLoginKind; role: string; held: boolean | 'unknown' }[]> {
    const id = this.opts.store.instanceId;
    const held = async (account: string): Promise<boolean | 'unknown'> => {
      try {
        return (await this.opts.vault.get(account)) !== null;
      } catch {
        return 'unknown';
      }
    };
    return [
      { kind: 'authenticator', role: authenticatorRoleName(id), held: await held(secretAccounts.authenticator(id, profile.id)) },
      { kind: 'ingest', role: ingestRoleName(id), held: await held(secretAccounts.ingest(id, profile.id)) },
      { kind: 'advisor', role: advisorRoleName(id), held: await held(secretAccounts.advisor(id, profile.id)) },
    ];
  }

  /**
   * A new password for one of the app's own logins (rotate-all), on the active profile or, given
   * its id, on another remote profile of this workstation (through that profile's owner password;
   * its database need not be the connected one). The order keeps one password that works at every
   * point: the role gets the new password, the new one must log in, and only then does the keychain
   * hold it; a failure before that puts the old password back. A crash between the ALTER and the
   * keychain write is repaired by the next connect (roleSecret puts the stored, old password back).
   * Then the old password must be refused, and on the active profile the live pools switch:
   * connections already open stay, new ones use the new password.
   */
  async rotateAppLogin(kind: AppLoginKind, fault?: (phase: 'after-new') => void, profileId?: string): Promise<{ role: string; oldRefused: boolean; profile: StoredProfile }> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', 'No database is connected.');
    const profile = profileId === undefined || profileId === active.profile.id ? active.profile : this.opts.store.get(profileId);
    if (!profile) throw new McError('NOT_FOUND', 'That connection profile no longer exists on this workstation.');
    const isActive = profile === active.profile;
    // A non-active embedded profile has no server running to rotate on (and listens on loopback only).
    if (!isActive && profile.kind === 'embedded') throw new McError('CONFLICT', 'The embedded database is not the active one: its logins are rotated while it is active.');
    const id = this.opts.store.instanceId;
    const login = {
      authenticator: { account: secretAccounts.authenticator(id, profile.id), role: authenticatorRoleName(id), ensure: ensureAuthenticator },
      ingest: { account: secretAccounts.ingest(id, profile.id), role: ingestRoleName(id), ensure: ensureIngestLogin },
      advisor: { account: secretAccounts.advisor(id, profile.id), role: advisorRoleName(id), ensure: ensureAdvisorLogin },
    }[kind];
    const { account, role, ensure } = login;
    const old = await this.opts.vault.get(account);
    if (!old) throw new McError('UNAVAILABLE', `This workstation's keychain holds no password for ${role} on profile “${profile.name}”; connect that profile first.`);
    const base: PgTarget = isActive ? active.target : profile;
    const target: PgTarget = { ...base, user: loginName(base, role) };
    const asOwner = <T>(fn: (client: pg.Client) => Promise<T>) => (isActive ? this.withOwner(fn) : this.withOwnerOf(profile, fn));
    const fresh = newSecret();
    await asOwner((owner) => ensure(owner, role, fresh, 'set'));
    try {
      fault?.('after-new');
      if (!(await logsIn(target, fresh))) throw new Error(`the new password of ${role} does not log in`);
      await this.opts.vault.set(account, fresh);
    } catch (err) {
      await asOwner((owner) => ensure(owner, role, old, 'set'));
      throw err;
    }
    const oldRefused = !(await logsIn(target, old));
    if (isActive && this.active === active) {
      if (kind === 'authenticator') {
        const previous = active.pool;
        const pool = new pg.Pool({ ...clientConfig(target, fresh), max: 8, idleTimeoutMillis: 30_000 });
        pool.on('error', (err) => this.opts.log.warn({ err: err.message }, 'database: idle connection error'));
        active.pool = pool;
        active.listener.setPassword(fresh);
        void previous.end().catch(() => undefined);
      } else {
        // The data-plane pools are made on first use from their config: the next one uses the new password.
        const slot = kind === 'ingest' ? 'ingest' : 'advisor';
        const previous = active[slot].pool;
        active[slot] = { config: { ...active[slot].config, password: fresh }, pool: null };
        void previous?.end().catch(() => undefined);
      }
    }
    this.opts.log.info({ role, profile: profile.id }, 'database: app login password rotated');
    return { role, oldRefused, profile };
  }

  /**
   * End one signed-in session of an org (a compromise): its member login's mapping first (its next
   * statement sees nothing), then the role, then its open connections where the owner may end
   * them. This workstation's own session is refused: a run never ends the session it runs in.
   * Returns whether the login is gone (false: it was gone already).
   */
  async endSession(orgId: string, role: string): Promise<boolean> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', 'No database is connected.');
    const own = decodeMemberLogin(await this.opts.vault.get(secretAccounts.memberLogin(this.opts.store.instanceId, active.profile.id)).catch(() => null));
    if (own?.role === role) throw new McError('CONFLICT', 'That is this workstation’s own session; sign out and in again to replace it.');
    return this.withOwner(async (owner) => {
      const mapped = await owner.query('SELECT 1 FROM mc.member_logins WHERE org_id = $1 AND role_name = $2', [orgId, role]);
      if (mapped.rowCount === 0) return false;
      await dropMemberLogin(owner, role);
      // Not every owner may end another role's connections (remote, non-superuser): the mapping is gone either way.
      await owner.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]).catch(() => undefined);
      const left = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if ((left.rowCount ?? 0) > 0) throw new Error(`the session login ${role} was still there after it was ended`);
      return true;
    });
  }

  /**
   * The active profile's owner target and password, for pg_dump and the built-in archive
   * (backups): they stay in the main process, passed to pg_dump only through its environment.
   */
  async activeOwnerCredentials(): Promise<{ target: PgTarget; password: string; embedded: boolean }> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', 'No database is connected.');
    const creds = await this.ownerCredentials(active.profile);
    return { ...creds, embedded: active.profile.kind === 'embedded' };
  }

  /**
   * A short-lived owner connection to the active database, for the migrations center (dry runs
   * and operators' SQL files): the app's own role can never run DDL. Closed when fn settles.
   */
  async withOwner<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const active = this.active;
    if (!active) throw new McError('UNAVAILABLE', 'No database is connected.');
    return this.withOwnerOf(active.profile, fn);
  }

  private async withOwnerOf<T>(profile: StoredProfile, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const creds = await this.ownerCredentials(profile);
    const client = new pg.Client(clientConfig(creds.target, creds.password));
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
