import type { Fact } from '../../../src-shared/contract/runbooks';
import { STATE_LABELS } from '../../../src-shared/domain/component-status';
import type { FactName } from '../../../src-shared/domain/runbooks';
import type { Sql } from '../../db';
import { DRILL_WEEK_MS, lastBackupStatus } from '../backups/status';
import { listComponents } from '../status';

/**
 * The live facts a runbook step shows, each a named provider computed from records at one moment.
 * A provider with nothing to read says so (`unknown`); one whose record source this build does not
 * have says that (`unavailable`), never a made-up figure.
 */
export type FactProvider = (sql: Sql, now: Date) => Promise<Fact>;

/** How far back "recent" changes and access reach. */
export const RECENT_HOURS = 24;
const SHOWN = 8;

const fact = (name: FactName, now: Date, f: Omit<Fact, 'name' | 'at'>): Fact => ({ name, at: now.toISOString(), ...f });
const since = (now: Date) => new Date(now.getTime() - RECENT_HOURS * 3600_000).toISOString();
const hhmm = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

const status: FactProvider = async (sql, now) => {
  const components = await listComponents(sql, now);
  if (components.length === 0) return fact('status', now, { title: 'Component status', level: 'unknown', summary: 'No component is recorded for this org.', lines: [], view: 'status' });
  const notOk = components.filter((c) => c.state !== 'operational');
  const worst = notOk.some((c) => c.state === 'major_outage' || c.state === 'partial_outage') ? 'bad' : notOk.some((c) => c.state !== 'under_maintenance') ? 'warn' : 'ok';
  // A component with no state recorded is not known to be down: counted apart, listed after the known ones.
  const down = notOk.filter((c) => c.state !== null);
  const unknown = notOk.filter((c) => c.state === null);
  const parts = [
    ...(down.length ? [`${down.length} of ${components.length} components not operational`] : [`${components.length - unknown.length} of ${components.length} components operational`]),
    ...(unknown.length ? [`${unknown.length} with no state known`] : []),
  ];
  return fact('status', now, {
    title: 'Component status',
    level: worst,
    summary: notOk.length === 0 ? `All ${components.length} components operational.` : `${parts.join('; ')}.`,
    lines: [...down, ...unknown].slice(0, SHOWN).map((c) => `${c.name}: ${c.state ? STATE_LABELS[c.state] : "no state known"} (${c.basis})`),
    view: 'status',
  });
};

const CHANGE_WORDS: Record<string, string> = {
  'deploy.started': 'Deployment started',
  'deploy.finished': 'Deployment finished',
  'deploy.rolled_back': 'Deployment rolled back',
  'canary.aborted': 'Canary aborted',
  'flag.changed': 'Flag changed',
  'migration.applied': 'Migration applied',
  'migration.failed': 'Migration failed',
};

const recentChanges: FactProvider = async (sql, now) => {
  const rows = await sql.query<{ at: string; kind: string; message: string; n: number }>(
    `SELECT at, kind, message, count(*) OVER ()::int AS n FROM mc.change_events
      WHERE at > $1 AND at <= $2 AND kind = ANY ($3::text[]) ORDER BY at DESC, id DESC LIMIT ${SHOWN}`,
    [since(now), now.toISOString(), Object.keys(CHANGE_WORDS)],
  );
  const n = rows[0]?.n ?? 0;
  return fact('recent-changes', now, {
    title: `Changes in the last ${RECENT_HOURS} h (deployments, migrations, flags)`,
    level: n === 0 ? 'ok' : rows.some((r) => r.kind === 'migration.failed' || r.kind === 'canary.aborted') ? 'bad' : 'warn',
    summary: n === 0 ? `No deployment, migration or flag change in the last ${RECENT_HOURS} hours.` : `${n} change(s) in the last ${RECENT_HOURS} hours; newest first.`,
    lines: rows.map((r) => `${hhmm(r.at)} · ${CHANGE_WORDS[r.kind] ?? r.kind}: ${r.message}`),
    view: 'deployments',
  });
};

const pool: FactProvider = async (sql, now) => {
  // Connections are the database's, not an org's: the count covers every role; the states are those
  // this login may see (pg_stat_activity hides other roles' sessions' details).
  const r = await sql.one<{ total: number; max: number; active: number; idle_in_tx: number; oldest_tx_s: number | null }>(
    `SELECT count(*)::int AS total, current_setting('max_connections')::int AS max,
            count(*) FILTER (WHERE state = 'active')::int AS active,
            count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_tx,
            extract(epoch FROM max(now() - xact_start) FILTER (WHERE pid <> pg_backend_pid()))::float8 AS oldest_tx_s
       FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
  );
  const share = r.total / r.max;
  return fact('pool', now, {
    title: 'Database connections',
    level: share >= 0.9 ? 'bad' : share >= 0.75 || r.idle_in_tx > 0 ? 'warn' : 'ok',
    summary: `${r.total} of ${r.max} connections in use (${Math.round(share * 100)}%).`,
    lines: [
      `Active (visible to this login): ${r.active}`,
      `Idle in a transaction (visible to this login): ${r.idle_in_tx}`,
      r.oldest_tx_s === null ? 'No other open transaction visible to this login.' : `Oldest open transaction visible to this login: ${Math.round(r.oldest_tx_s)} s`,
    ],
    view: 'connections',
  });
};

const queue: FactProvider = async (sql, now) => {
  const q = await sql.one<{ waiting: number; oldest: string | null; dead: number; p95: number | null; node_queue: number | null; reporting: number }>(
    `SELECT (SELECT count(*)::int FROM mc.ingest_queue) AS waiting,
            (SELECT min(received_at) FROM mc.ingest_queue) AS oldest,
            (SELECT count(*)::int FROM mc.ingest_dead_letters) AS dead,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM written_at - received_at) * 1000)
               FROM mc.ingest_batches WHERE received_at > $1::timestamptz - interval '15 minutes' AND written_at > received_at) AS p95,
            (SELECT sum(queue_depth)::float8 FROM mc.node_latest WHERE seen_at > $1::timestamptz - interval '5 minutes') AS node_queue,
            (SELECT count(*)::int FROM mc.node_latest WHERE seen_at > $1::timestamptz - interval '5 minutes') AS reporting`,
    [now.toISOString()],
  );
  const ageS = q.oldest ? Math.max(0, Math.round((now.getTime() - new Date(q.oldest).getTime()) / 1000)) : 0;
  return fact('queue', now, {
    title: 'Queues',
    level: ageS > 300 || q.dead > 0 ? 'bad' : q.waiting > 0 && ageS > 60 ? 'warn' : 'ok',
    summary: q.waiting === 0 ? 'No telemetry batch waiting in the ingest queue.' : `${q.waiting} telemetry batch(es) waiting; the oldest for ${ageS} s.`,
    lines: [
      `Dead letters (given up on): ${q.dead}`,
      q.p95 === null ? 'Processing time p95 (15 min): no queued batch written' : `Processing time p95 (15 min): ${Math.round(q.p95)} ms`,
      q.reporting === 0 ? 'Node request queues: no node reported in the last 5 min' : `Requests queued on ${q.reporting} reporting node(s): ${Math.round(q.node_queue ?? 0)}`,
    ],
    view: 'observability',
  });
};

const ACCESS_ACTIONS = '^(identity|session|members|invitations|keys|customerKeys|connections)\\.';
const REFUSED_ACTIONS = ['identity.sign_in_refused', 'session.unlock_refused'];

const accessLog: FactProvider = async (sql, now) => {
  const rows = await sql.query<{ at: string; action: string; actor_name: string; n: number; refused: number; actors: number }>(
    `SELECT at, action, actor_name, count(*) OVER ()::int AS n,
            count(*) FILTER (WHERE action = ANY ($4::text[])) OVER ()::int AS refused,
            (SELECT count(DISTINCT actor_name)::int FROM mc.audit_events WHERE at > $1 AND at <= $2 AND action ~ $3) AS actors
       FROM mc.audit_events WHERE at > $1 AND at <= $2 AND action ~ $3
      ORDER BY seq DESC LIMIT ${SHOWN}`,
    [since(now), now.toISOString(), ACCESS_ACTIONS, REFUSED_ACTIONS],
  );
  const first = rows[0];
  return fact('access-log', now, {
    title: `Access in the last ${RECENT_HOURS} h (sign-ins, sessions, members, keys)`,
    level: !first ? 'ok' : first.refused > 0 ? 'warn' : 'ok',
    summary: !first
      ? `No sign-in, session, member or key event in the last ${RECENT_HOURS} hours.`
      : `${first.n} event(s) by ${first.actors} actor(s), ${first.refused} refused sign-in or unlock; newest first.`,
    lines: rows.map((r) => `${hhmm(r.at)} · ${r.action} · ${r.actor_name}`),
    view: 'audit',
  });
};

/**
 * The backup and restore-drill fact, from the org's backup and drill records (Backups,
 * `lastBackupStatus`): a restore is only as good as the last backup, and that backup only as good
 * as the last drill that restored it.
 */
const backups: FactProvider = async (sql, now) => {
  const org = await sql.one<{ id: string }>('SELECT mc.current_org_id() AS id');
  const b = await lastBackupStatus(sql, org.id);
  const ageH = (iso: string) => Math.round((now.getTime() - new Date(iso).getTime()) / 3_600_000);
  const drillFresh = b.lastDrillAt !== null && b.lastDrillOk === true && now.getTime() - new Date(b.lastDrillAt).getTime() <= DRILL_WEEK_MS;
  const lines = [
    b.lastBackupAt ? `Last backup ${hhmm(b.lastBackupAt)} (${ageH(b.lastBackupAt)} h ago, ${b.lastBackupFormat === 'pg_dump_custom' ? 'pg_dump -Fc' : 'built-in archive'}); ${b.backupsKept} kept` : 'No backup recorded.',
    b.lastDrillAt
      ? `Last restore drill ${hhmm(b.lastDrillAt)}: ${b.lastDrillOk ? 'passed' : 'FAILED'}${b.lastDrillDurationMs !== null ? ` in ${Math.round(b.lastDrillDurationMs / 1000)} s` : ''}`
      : 'No restore drill recorded: nothing proves a backup restores.',
  ];
  return fact('backups', now, {
    title: 'Last backup and restore drill',
    level: !b.lastBackupAt ? 'bad' : drillFresh ? 'ok' : 'warn',
    summary: !b.lastBackupAt
      ? 'No backup of this database is recorded: there is nothing to restore from. Back up first (Backups).'
      : drillFresh
        ? 'A backup exists and a restore drill in the last 7 days passed.'
        : 'A backup exists, but no restore drill in the last 7 days passed: run one before relying on it.',
    lines,
    view: 'backups',
  });
};

export const FACT_PROVIDERS: Record<FactName, FactProvider> = {
  status,
  'recent-changes': recentChanges,
  pool,
  queue,
  'access-log': accessLog,
  backups,
};

/** The named facts, in the order asked, each from its own provider at the same `now`. */
export async function computeFacts(sql: Sql, names: readonly FactName[], now = new Date()): Promise<Fact[]> {
  const out: Fact[] = [];
  for (const name of [...new Set(names)]) out.push(await FACT_PROVIDERS[name](sql, now));
  return out;
}
