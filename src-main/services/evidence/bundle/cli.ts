import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appVersion, defaultDataDir } from '../../../core/paths';
import { attachToDataDir } from '../../../db/attach';
import { DataFolderFallbackVault, KeyringVault } from '../../../vault';
import { WRITER_ROLES } from '../../../../src-shared/contract/roles';
import { appendAudit } from '../../audit/append';
import { CheckpointStore, importWitnessSerial, MAX_WITNESS_IMPORT_CHARS } from '../../audit/anchor';
import { type BundleProgress, stageBundle, zipStaged } from './bundle';
import { type BundleScope, scopeTitle } from '../../../../src-shared/domain/evidence/bundle-scope';
import { verifyBundle } from './verify';

const USAGE = `Usage:
  npm run evidence -- export --from TIME --to TIME --out FILE [--data-dir DIR]
  npm run evidence -- export --incident ID --out FILE [--data-dir DIR]
  npm run evidence -- export --pilot ID --out FILE [--data-dir DIR]
  npm run evidence -- export --drill ID --out FILE [--data-dir DIR]
  npm run evidence -- export --corridor ID|KEY --out FILE [--data-dir DIR]
  npm run evidence -- verify FILE [--pin SHA256:...]
  npm run evidence -- import-checkpoints FILE --key PUB --pin SHA256:... [--data-dir DIR]

export  writes an evidence bundle of the org the data folder's active profile is signed in to
        (like npm run agent: the app must have connected once from that data folder). TIME is
        an ISO 8601 time such as 2026-11-01T00:00:00Z; --to is exclusive. --pilot: a customer
        pilot's id (Readiness shows it), for its gates and the seven records of the principle.
        --incident: an incident's id (Incidents shows it). --drill: a failover drill's id (Drills
        shows it), for its steps, its drill incident, the routing decisions and evidence it made.
        --corridor: a corridor's id or key (eu, north-america; Corridors shows them), for its
        policy, sites, nodes and keys, pilots, incidents, drills, checklists, deployments,
        evidence, customers and the routing decisions served there.
        The scopes are those the app's Export dialog offers.
verify  checks a bundle with no database and no network: every file against SHA256SUMS, both
        signatures, the file count, each audit event's hash and inclusion proof against the
        signed checkpoint. --pin: the key fingerprint you hold out of band.
import-checkpoints  keeps another workstation's (a witness's) signed checkpoints of the org:
        FILE is its Export checkpoints JSON (up to 32 MiB) or a bundle's log/checkpoint; --key
        its public key (keys/signing-key.pub.pem or keys/signing-key.pub); --pin the fingerprint
        it gave you out of band. Every Verify chain then checks the database against them.
Exit code: 0 verified / exported, 1 failed, 2 bad arguments.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`evidence: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, incident: { type: 'string' }, pilot: { type: 'string' }, drill: { type: 'string' }, corridor: { type: 'string' }, out: { type: 'string' }, pin: { type: 'string' }, key: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values: a, positionals } = parsed;
  if (a.help || !command || command === 'help') return void process.stdout.write(`${USAGE}\n`);

  if (command === 'verify') {
    const file = positionals[0];
    if (!file || positionals.length > 1) fail(`verify takes one bundle file.\n${USAGE}`);
    const v = await verifyBundle(resolve(file), a.pin);
    // What the bundle says it is, in the words of its README and report (trusted only if verified).
    const m = v.manifest;
    if (m) process.stdout.write(`bundle  ${scopeTitle(m.scope)}; org ${m.org.name}; exported ${m.exported_at} by Mission Control ${m.app_version}\n`);
    for (const c of v.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.detail}\n`);
    if (a.pin === undefined && v.fingerprint) process.stdout.write(`note  compare the key fingerprint ${v.fingerprint} with the one you hold (or pass --pin)\n`);
    process.stdout.write(v.ok ? 'verified\n' : 'NOT VERIFIED\n');
    process.exit(v.ok ? 0 : 1);
  }
  if (command === 'import-checkpoints') return importCheckpoints(positionals, a);
  if (command !== 'export') fail(`unknown command "${command}".\n${USAGE}`);

  const time = (v: string | undefined, name: string) => {
    if (!v || Number.isNaN(Date.parse(v))) fail(`--${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z.`);
    return new Date(v).toISOString();
  };
  let scope: BundleScope;
  /** A corridor named by its key is looked up once the data folder is attached. */
  let corridorKey: string | null = null;
  if ([a.incident, a.pilot, a.drill, a.corridor, a.from ?? a.to].filter((v) => v !== undefined).length > 1) fail('give one of --incident, --pilot, --drill, --corridor or --from/--to.');
  if (a.corridor !== undefined) {
    if (/^[0-9a-f-]{36}$/i.test(a.corridor)) scope = { kind: 'corridor', corridorId: a.corridor.toLowerCase() };
    else if (/^[a-z0-9][a-z0-9_-]{0,40}$/.test(a.corridor)) {
      corridorKey = a.corridor;
      scope = { kind: 'corridor', corridorId: '' };
    } else fail('--corridor is a corridor id (a UUID) or its key, such as eu or north-america (Corridors shows them).');
  } else if (a.drill !== undefined) {
    if (!/^[0-9a-f-]{36}$/i.test(a.drill)) fail('--drill is a failover drill id (a UUID; Drills shows it).');
    scope = { kind: 'drill', drillId: a.drill.toLowerCase() };
  } else if (a.pilot !== undefined) {
    if (!/^[0-9a-f-]{36}$/i.test(a.pilot)) fail('--pilot is a customer pilot id (a UUID; Readiness shows it).');
    scope = { kind: 'pilot', pilotId: a.pilot.toLowerCase() };
  } else if (a.incident !== undefined) {
    if (!/^[0-9a-f-]{36}$/i.test(a.incident)) fail('--incident is an incident id (a UUID; Incidents shows it).');
    scope = { kind: 'incident', incidentId: a.incident.toLowerCase() };
  } else {
    const from = time(a.from, 'from');
    const to = time(a.to, 'to');
    if (from >= to) fail('--from must be before --to.');
    scope = { kind: 'period', from, to };
  }
  if (!a.out) fail('--out FILE is required (the bundle is a zip).');
  const dataDir = resolve(a['data-dir'] ?? defaultDataDir());
  const vault = new DataFolderFallbackVault(new KeyringVault(), dataDir);
  const db = await attachToDataDir(dataDir, vault).catch((err: Error) => fail(err.message, 1));
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  try {
    if (corridorKey !== null) {
      const key = corridorKey;
      const row = await db.tx((sql) => sql.maybeOne<{ id: string }>('SELECT id FROM mc.corridors WHERE org_id = mc.current_org_id() AND key = $1', [key]));
      if (!row) fail(`this org has no corridor with the key "${key}" (Corridors lists them).`, 1);
      scope = { kind: 'corridor', corridorId: row.id };
    }
    const opts = {
      orgId: db.session.orgId,
      orgName: db.session.orgName,
      orgSimulated: db.session.orgSimulated,
      scope,
      outFile: resolve(a.out as string),
      vault,
      store: new CheckpointStore(dataDir),
      appVersion: appVersion(),
      signal: stop.signal,
      onProgress: (p: BundleProgress) => {
        if (p.phase === 'zipping' && p.total) process.stderr.write(`\rzipping ${p.done}/${p.total}`);
      },
    };
    // Records read in one transaction; signing and zipping after it ends.
    const staged = await db.tx((sql) => stageBundle(sql, opts));
    const r = await zipStaged(staged, opts.outFile, opts);
    process.stderr.write('\n');
    // For npm run bench: the peak memory of this process, to show an export stays flat as bundles grow.
    if (process.env.MC_REPORT_RSS === '1') process.stderr.write(`peak rss ${process.resourceUsage().maxRSS} KiB\n`);
    process.stdout.write(`${r.file}: ${r.bytes} bytes, ${r.manifest.audit.events} audit events, ${r.manifest.files} files; key ${r.manifest.key.fingerprint}\n`);
  } catch (err) {
    fail((err as Error).message, 1);
  } finally {
    await db.close().catch(() => undefined);
  }
  process.exit(0);
}

/** A witness's checkpoints into this data folder, audited in the org's chain like the Audit view's import. */
async function importCheckpoints(positionals: string[], a: { key?: string; pin?: string; 'data-dir'?: string }): Promise<void> {
  const file = positionals[0];
  if (!file || positionals.length > 1) fail(`import-checkpoints takes one checkpoints file.\n${USAGE}`);
  if (!a.key) fail('--key PUB is required: the witness’s public key file (keys/signing-key.pub.pem or keys/signing-key.pub).');
  if (!a.pin) fail('--pin SHA256:... is required: the witness key’s fingerprint, as the witness gave it to you out of band.');
  const read = (path: string, max: number, what: string) => {
    try {
      if (statSync(path).size > max) fail(`${what} ${path} is larger than ${max} bytes: it is not one.`, 1);
      return readFileSync(path, 'utf8');
    } catch (err) {
      return fail(`cannot read ${what} ${path}: ${(err as Error).message}`, 1);
    }
  };
  const checkpoints = read(resolve(file), MAX_WITNESS_IMPORT_CHARS, 'the checkpoints file');
  const publicKey = read(resolve(a.key), 4096, 'the key file');
  const dataDir = resolve(a['data-dir'] ?? defaultDataDir());
  const vault = new DataFolderFallbackVault(new KeyringVault(), dataDir);
  const db = await attachToDataDir(dataDir, vault).catch((err: Error) => fail(err.message, 1));
  try {
    if (!WRITER_ROLES.includes(db.session.role)) fail(`${db.session.role}s read and export; importing a witness's checkpoints needs an operator, incident commander or admin.`, 1);
    const r = await importWitnessSerial(db.session.orgId, new CheckpointStore(dataDir), vault, { checkpoints, publicKey, pin: a.pin });
    if (r.added > 0) {
      await db.tx((sql) =>
        appendAudit(sql, db.session, { action: 'audit.witness_checkpoints_imported', target: { type: 'org', id: db.session.orgId }, data: { witnessFingerprint: r.fingerprint, added: r.added, latestSize: r.latest.size, latestRoot: r.latest.root } }, { reason: 'npm run evidence -- import-checkpoints', requestId: null }),
      );
    }
    process.stdout.write(`witness ${r.fingerprint}: ${r.added} checkpoint${r.added === 1 ? '' : 's'} added, ${r.duplicates} already kept, ${r.total} in all; latest ${r.latest.size} events, root ${r.latest.root}\n`);
  } catch (err) {
    fail((err as Error).message, 1);
  } finally {
    await db.close().catch(() => undefined);
  }
  process.exit(0);
}

void main();
