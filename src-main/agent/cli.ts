import { resolve } from 'node:path';
import { choiceArg, cliArgs, httpUrlArg, numberArg as num } from '../cli/args';
import { WRITER_ROLES } from '../../src-shared/contract/roles';
import { defaultDataDir } from '../core/paths';
import { secretAccounts } from '../db';
import { attachToDataDir } from '../db/attach';
import { newSecret } from '../db/authenticator';
import { appendAudit } from '../services/audit';
import { provisionDemoGrid } from '../services/grid';
import { DataFolderFallbackVault, KeyringVault } from '../vault';
import { fleetWithKeys } from './fleet';
import { postToDoor } from './door-client';
import { resilientIngest } from './resilient-ingest';
import { DoorSpool, SPOOL_DEFAULTS, SpoolDropped } from './spool';
import { Simulator } from './simulator';

const USAGE = `Usage: npm run agent -- [--nodes N] [--rate R] [--batch-seconds S] [--bad-key-rate P] [--bad-sample-rate P]
                        [--duration SECONDS] [--data-dir DIR] [--via sql|http --url URL] [--spool-batches N]

Simulated node agents for the database a running Mission Control uses (its active profile):
makes sure the demo grid has N nodes (operators' roles permitting), gives each a node key, and
sends telemetry through the real ingest function (or the HTTP door) until stopped (Ctrl+C) or
--duration ends.

  --nodes N            nodes to play (default 400; the demo grid grows to N, 10 per site)
  --rate R             sample sets (one value of each of the 9 metrics) per second per node (default 0.1)
  --batch-seconds S    how often each node sends a batch (default 30)
  --bad-key-rate P     share of batches sent with a key nobody issued (default 0.005)
  --bad-sample-rate P  share of batches with an impossible value, refused whole (default 0.002)
  --duration SECONDS   stop after this long (default: run until Ctrl+C)
  --data-dir DIR       the data folder of the running app (default: ${defaultDataDir()})
  --via sql|http       sql (default): call the ingest function on the app's database; http: POST
                       the batches to a telemetry door (npm run ingest-server) at --url
  --url URL            the door's address, e.g. http://127.0.0.1:8787 (with --via http)
  --spool-batches N    with --via http: batches held while the door is away or busy (default
                       ${SPOOL_DEFAULTS.maxBatches}); past it the oldest is dropped, counted and reported`;

async function main(): Promise<void> {
  const args = cliArgs(
    {
      nodes: { type: 'string' },
      rate: { type: 'string' },
      'batch-seconds': { type: 'string' },
      'bad-key-rate': { type: 'string' },
      'bad-sample-rate': { type: 'string' },
      duration: { type: 'string' },
      'data-dir': { type: 'string' },
      via: { type: 'string' },
      url: { type: 'string' },
      'spool-batches': { type: 'string' },
    },
    USAGE,
  );
  const nodes = num(args.nodes, 400, 'nodes', 1, 50_000);
  const via = choiceArg(args.via, 'sql', 'via', ['sql', 'http'] as const);
  if (via === 'sql' && (args.url !== undefined || args['spool-batches'] !== undefined)) {
    process.stderr.write('--url and --spool-batches go with --via http.\n');
    process.exit(2);
  }
  const doorUrl = via === 'http' ? httpUrlArg(args.url, 'url') : null;
  const spoolBatches = num(args['spool-batches'], SPOOL_DEFAULTS.maxBatches, 'spool-batches', 1, 1_000_000, true);
  const sim = {
    rate: num(args.rate, 0.1, 'rate', 0.001, 10),
    batchSeconds: num(args['batch-seconds'], 30, 'batch-seconds', 1, 3600),
    badKeyRate: num(args['bad-key-rate'], 0.005, 'bad-key-rate', 0, 1),
    badSampleRate: num(args['bad-sample-rate'], 0.002, 'bad-sample-rate', 0, 1),
    agent: 'npm run agent',
    // Through the door the spool bounds what is held (more than it may wait; the oldest is dropped).
    maxInFlight: doorUrl ? spoolBatches + SPOOL_DEFAULTS.concurrency + 1000 : 8,
  };
  const duration = args.duration === undefined ? null : num(args.duration, 0, 'duration', 1, 86_400 * 30);
  const dataDir = resolve(args['data-dir'] ?? defaultDataDir());

  // The same data-folder fallback as the app for the embedded database's own credentials.
  const vault = new DataFolderFallbackVault(new KeyringVault(), dataDir);
  let db;
  try {
    db = await attachToDataDir(dataDir, vault);
  } catch (err) {
    process.stderr.write(`agent: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { session } = db;
  const canWrite = WRITER_ROLES.includes(session.role);
  const account = secretAccounts.simulator(db.store.instanceId);
  let seed = await vault.get(account);
  if (!seed) {
    seed = newSecret();
    await vault.set(account, seed);
  }
  const fleet = await db.tx(async (sql) => {
    if (canWrite) await provisionDemoGrid(sql, nodes, (d) => appendAudit(sql, session, d, { reason: 'npm run agent', requestId: null }));
    return fleetWithKeys(sql, session, seed, { limit: nodes, label: 'simulator', canWrite, requestId: null });
  });
  if (fleet.length === 0) {
    process.stderr.write(`agent: ${session.orgName} has no nodes, and ${session.operatorName} (${session.role}) may not create any.\n`);
    process.exit(1);
  }
  // The app may restart meanwhile (the embedded server comes back on a new port): batches wait and go again.
  const stopping = new AbortController();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const spool = doorUrl ? new DoorSpool((b, signal) => postToDoor(doorUrl, b, signal), doorUrl, say, stopping.signal, { maxBatches: spoolBatches }) : null;
  const ingest = spool ?? resilientIngest(db, say, stopping.signal);
  const simulator = new Simulator(fleet, ingest.send, sim, (err) => {
    // Spool drops are counted and reported in the status line, not one line each.
    if (!stopping.signal.aborted && !(err instanceof SpoolDropped)) process.stderr.write(`agent: a batch failed: ${err.message}\n`);
  });
  process.stdout.write(
    `agent: ${fleet.length} nodes of ${session.orgName} (${db.profile.name}) sending ${sim.rate} sample sets/s each in batches every ${sim.batchSeconds} s ${doorUrl ? `to the door at ${doorUrl}` : 'through the ingest function'}. Ctrl+C stops.\n`,
  );
  simulator.start();
  const started = Date.now();
  const line = () => {
    const s = simulator.stats;
    const secs = (Date.now() - started) / 1000;
    const waiting = ingest.waitingFor ? `, waiting for the ${spool ? 'door' : 'database'} (${ingest.waitingFor}) with ${ingest.held} batch(es) held` : '';
    const dropped = spool ? `, dropped ${spool.stats.dropped} batch(es) (${spool.stats.droppedSamples} samples) past the spool of ${spoolBatches}` : '';
    return `agent: ${s.batches} batches, ${s.accepted} samples accepted (${Math.round(s.accepted / secs)}/s), rejected ${JSON.stringify(s.rejected)}, failed ${s.failed}${dropped}${waiting}\n`;
  };
  const report = setInterval(() => process.stdout.write(line()), 10_000);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(report);
    const unsent = ingest.held;
    // Batches still waiting for the database are given up now, and said so.
    stopping.abort();
    await simulator.stop();
    process.stdout.write(line());
    if (unsent > 0) process.stdout.write(`agent: stopped with ${unsent} batch(es) never answered by the ${spool ? 'door' : 'database'} (not sent, or sent without an answer).\n`);
    await db.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (duration !== null) setTimeout(() => void stop(), duration * 1000);
}

void main();
