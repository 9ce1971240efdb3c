import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';
import { McError } from '../../../../src-shared/contract/errors';
import { toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { MerkleTree } from '../../../../src-shared/domain/anchor/merkle';
import { EVIDENCE_NAMESPACE, sshsigArmor, sshsigSignedData } from '../../../../src-shared/domain/evidence/sshsig';
import { formatSums, type SumLine } from '../../../../src-shared/domain/evidence/sums';
import type { Sql } from '../../../db';
import type { Vault } from '../../../vault';
import { anchorAuditSerial, type CheckpointStore, loadKeyRing, openStored, ringKeys } from '../../audit/anchor';
import { sha256Bytes } from '../../audit/anchor/node-crypto';
import { type BundleKey, bundleKeyFiles } from './bundle-keys';
import { bundleReadme } from './readme';
import { type AuditPass, auditPass } from './audit-pass';
import { type BundleScope, SOURCES, sourceLines } from './sources';
import { drillScopeName, pilotScopeName, scopeName } from '../../../../src-shared/domain/evidence/bundle-scope';
import { incidentRef } from '../../../../src-shared/domain/incident-lifecycle';
import { bundleReport } from './report';
import { ReportDigest } from './digest';
import { writeZip, type ZipEntry } from './zip-writer';

export const BUNDLE_FORMAT = 'umamiedge-evidence-bundle';
/**
 * Deflate level 1: records are JSON lines that repeat their keys, which the fastest level already
 * packs to within ~30% of level 6 at about three times the speed (deflate was half of an
 * export's time). zlib's output for a given level is fixed, so bundles stay byte-identical.
 */
const ZIP_LEVEL = 1;

export interface BundleProgress {
  phase: 'anchoring' | 'records' | 'signing' | 'zipping' | 'done';
  /** Files written (records) or zipped so far, and the total when known. */
  done: number;
  total: number | null;
}

export interface ExportBundleOptions {
  orgId: string;
  orgName: string;
  /** A demo org: its records are simulated, and the bundle says so. */
  orgSimulated?: boolean;
  scope: BundleScope;
  outFile: string;
  vault: Vault;
  store: CheckpointStore;
  appVersion: string;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (p: BundleProgress) => void;
}

/** A scope as a manifest states it: always named from its record (older bundles may lack it). */
export type NamedScope = BundleScope & { name: string };

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  bundle_id: string;
  org: { id: string; name: string; simulated: boolean };
  scope: NamedScope;
  exported_at: string;
  app_version: string;
  /** Lines per records file. */
  counts: Record<string, number>;
  /** Files listed in SHA256SUMS (every file but SHA256SUMS and its two signatures). */
  files: number;
  audit: { tree_size: number; root: string; events: number; first_seq: number | null; last_seq: number | null };
  /** The current key: it signed SHA256SUMS and the latest checkpoint. */
  key: { name: string; fingerprint: string; identity: string };
  /** Every key of this workstation for the org, current first; retired ones may have signed older checkpoints. */
  keys: BundleKey[];
}

export interface ExportedBundle {
  file: string;
  bytes: number;
  manifest: Manifest;
}

/** Node's encoder (the same RFC 4648 text as toBase64): a bundle encodes ~15 hashes per event. */
const base64 = (h: Uint8Array) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new McError('CONFLICT', 'The export was cancelled; no file was written.');
}

/**
 * The bundle's id: an RFC 9562 version 8 UUID from the hash of what it holds (every file staged
 * so far, the org, scope, export time and app version), not a random one, so that exporting the
 * same records at the same time gives a byte-identical bundle (a random id made every export differ).
 */
function contentId(opts: ExportBundleOptions, now: Date, sums: readonly SumLine[]): string {
  const h = createHash('sha256')
    .update(JSON.stringify([opts.orgId, opts.scope, now.toISOString(), opts.appVersion]))
    .update(formatSums(sums))
    .digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A scope naming a record (incident, pilot, drill, corridor) that this org does not have is refused: an empty signed bundle would look like evidence of nothing happening. */
async function checkScopeExists(sql: Sql, scope: BundleScope): Promise<void> {
  const [table, id, what, where] =
    scope.kind === 'incident'
      ? ['incidents', scope.incidentId, 'incident', 'Incidents']
      : scope.kind === 'pilot'
        ? ['pilots', scope.pilotId, 'customer pilot', 'Readiness']
        : scope.kind === 'drill'
          ? ['drills', scope.drillId, 'failover drill', 'Drills']
          : scope.kind === 'corridor'
            ? ['corridors', scope.corridorId, 'corridor', 'Corridors']
            : [null, null, null, null];
  if (table === null) return;
  if (!(await sql.maybeOne(`SELECT 1 FROM mc.${table} WHERE org_id = mc.current_org_id() AND id = $1::uuid`, [id]))) {
    throw new McError('NOT_FOUND', `This org has no ${what} ${id}: copy its id from ${where}.`);
  }
}

/**
 * The scope as the manifest states it, named from its own record (the incident's ref and title as
 * the app shows them, the drill's scope and hypothesis, the pilot's customer and tier, the corridor's name, the org's
 * name for a period), read here once: README, report.html and an opened bundle all title it with
 * these words (scopeTitle). A name in the request is never trusted: the scope is rebuilt from its
 * kind and ids. Runs after checkScopeExists, so the record is there.
 */
async function namedScope(sql: Sql, scope: BundleScope): Promise<NamedScope> {
  switch (scope.kind) {
    case 'period': {
      const o = await sql.one<{ name: string }>('SELECT name FROM mc.orgs WHERE id = mc.current_org_id()');
      return { kind: 'period', from: scope.from, to: scope.to, name: scopeName(o.name) };
    }
    case 'incident': {
      const i = await sql.one<{ number: number; title: string; drill: boolean }>('SELECT number, title, drill FROM mc.incidents WHERE org_id = mc.current_org_id() AND id = $1::uuid', [scope.incidentId]);
      return { kind: 'incident', incidentId: scope.incidentId, name: scopeName(`${incidentRef(i.number)}: ${i.title}${i.drill ? ' (a drill)' : ''}`) };
    }
    case 'pilot': {
      const p = await sql.one<{ customer_name: string; tier: string }>('SELECT customer_name, tier FROM mc.pilots WHERE org_id = mc.current_org_id() AND id = $1::uuid', [scope.pilotId]);
      return { kind: 'pilot', pilotId: scope.pilotId, name: pilotScopeName(p.customer_name, p.tier) };
    }
    case 'drill': {
      const d = await sql.one<{ scope_name: string; hypothesis: string }>('SELECT scope_name, hypothesis FROM mc.drills WHERE org_id = mc.current_org_id() AND id = $1::uuid', [scope.drillId]);
      return { kind: 'drill', drillId: scope.drillId, name: drillScopeName(d.scope_name, d.hypothesis) };
    }
    case 'corridor': {
      const c = await sql.one<{ name: string }>('SELECT name FROM mc.corridors WHERE org_id = mc.current_org_id() AND id = $1::uuid', [scope.corridorId]);
      return { kind: 'corridor', corridorId: scope.corridorId, name: scopeName(c.name) };
    }
  }
}

/** Bytes a staged file encodes at a time before it hashes, CRCs and deflates them. */
const STAGE_BUFFER = 256 * 1024;
/** Buffers handed to zlib that an awaited write lets stand before it waits for the oldest. */
const STAGE_AHEAD = 2;
const utf8 = new TextEncoder();
/**
 * Buffers zlib has finished with, shared by every staged file (a bundle stages ~40 one after the
 * other): each file takes its buffers from here and gives them back, so an export keeps a few
 * buffers in all, not a free list per file held until the bundle is done (that held ~14 MB by the
 * end). Capped at what one page of the audit pass has out at once (500 events of a few KB, about
 * a dozen buffers): a buffer dropped there has lived through collections while zlib held it, and
 * only a full collection frees it, so a cap below that made memory climb with every page.
 */
const spare: Buffer[] = [];
const SPARE_MAX = 16;
const takeBuffer = () => spare.pop() ?? Buffer.allocUnsafe(STAGE_BUFFER);
const giveBack = (b: Buffer) => {
  if (spare.length < SPARE_MAX && b.length === STAGE_BUFFER) spare.push(b);
};
/** Exports staging now: the spares are dropped when the last one ends (the app's process lives on). */
let exportsStaging = 0;
const stagingEnded = () => {
  if (--exportsStaging === 0) spare.length = 0;
};

/** A staged file as SHA256SUMS lists it and the zip stores it. */
type StagedEntry = SumLine & Omit<ZipEntry, 'name'>;

/**
 * A file in the staging folder, written line by line, hashed (sha256 for SHA256SUMS, CRC-32 for
 * the zip) and deflated on the way: what lands in the folder is the entry's deflate stream, so
 * zipping is a copy. Text is encoded into a buffer; a full one is hashed and handed to zlib (which
 * works in the thread pool meanwhile) and goes back to the spare buffers once zlib has consumed it,
 * so an export allocates no page-sized strings or buffers. `put` never waits (the audit pass encodes
 * each event as its row is read); `drain` waits until zlib has taken everything, which bounds the
 * buffers out to what one page writes.
 */
export class StagedFile {
  private readonly hash = createHash('sha256');
  private readonly deflate = createDeflateRaw({ level: ZIP_LEVEL });
  private readonly out;
  private readonly piped: Promise<void>;
  private buf: Buffer = takeBuffer();
  /** Closed or discarded: nothing more is written, and no buffer goes back to the spares from it. */
  private done = false;
  private used = 0;
  /** zlib's hold on each buffer handed to it, oldest first: settled once it has consumed it. */
  private readonly held: Promise<void>[] = [];
  private crc = 0;
  private size = 0;
  lines = 0;

  constructor(readonly root: string, readonly path: string) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    this.out = createWriteStream(join(root, path), { mode: 0o600 });
    this.piped = pipeline(this.deflate, this.out);
    this.piped.catch(() => undefined);
  }

  /** Text (each string a whole line or several) or bytes, appended without waiting. */
  put(text: string | Uint8Array): void {
    if (this.done) throw new Error(`${this.path} is closed: nothing more can be written to it`);
    if (typeof text !== 'string') {
      for (let off = 0; off < text.length; ) {
        const n = Math.min(text.length - off, STAGE_BUFFER - this.used);
        this.buf.set(text.subarray(off, off + n), this.used);
        this.used += n;
        off += n;
        if (this.used === STAGE_BUFFER) this.send();
      }
      return;
    }
    // encodeInto writes whole characters only; what did not fit goes into the next buffer.
    for (let rest = text; ; ) {
      const r = utf8.encodeInto(rest, this.buf.subarray(this.used));
      this.used += r.written;
      if (r.read === rest.length) return;
      this.send();
      rest = rest.slice(r.read);
    }
  }

  /** One line (or record) of the file, appended without waiting. */
  putLine(text: string): void {
    this.put(text);
    this.lines++;
  }

  /** As put, then waits while more than a couple of buffers are still with zlib. */
  async write(text: string | Uint8Array, lines = 0): Promise<void> {
    this.lines += lines;
    this.put(text);
    await this.settle(STAGE_AHEAD);
  }

  /** Waits until zlib has consumed every buffer handed to it (the last one's error, if any, is thrown). */
  drain(): Promise<void> {
    return this.settle(0);
  }

  private async settle(ahead: number): Promise<void> {
    // Raced with the file: if writing the staged file fails (a full disk), zlib is torn down
    // and the callbacks it holds never come; the file's error ends the wait instead of a hang.
    while (this.held.length > ahead) await Promise.race([this.held.shift(), this.piped]);
  }

  private send(): void {
    if (this.used === 0) return;
    const full = this.buf;
    const bytes = full.subarray(0, this.used);
    this.hash.update(bytes);
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    const taken = new Promise<void>((ok, no) =>
      this.deflate.write(bytes, (e) => {
        if (e) return no(e);
        // A discarded file's buffers are not handed on: zlib may still call back after destroy.
        if (!this.done) giveBack(full);
        ok();
      }),
    );
    taken.catch(() => undefined);
    this.held.push(taken);
    this.buf = takeBuffer();
    this.used = 0;
  }

  async close(): Promise<StagedEntry> {
    if (this.done) throw new Error(`${this.path} is closed already`);
    this.send();
    await this.drain();
    this.deflate.end();
    await this.piped;
    // The file is done: its last (empty) buffer goes back for the next file.
    this.done = true;
    giveBack(this.buf);
    this.buf = Buffer.alloc(0);
    return { path: this.path, sha256: this.hash.digest('hex'), deflatedFile: join(this.root, this.path), crc32: this.crc, size: this.size, compressedSize: this.out.bytesWritten };
  }

  /** On a cancel or an error, before the staging folder is removed: zlib and the file are closed. */
  discard(): void {
    this.done = true;
    this.deflate.destroy();
    this.out.destroy();
  }
}

/** A bundle staged in its folder, signed, ready to be zipped (outside any database transaction). */
export interface StagedBundle {
  staging: string;
  /** In the zip's order (sorted by name). */
  entries: ZipEntry[];
  manifest: Manifest;
}

/**
 * Export an evidence bundle (docs/formats.md, "Evidence bundle"): the scope's records as canonical
 * JSONL, the audit events with inclusion proofs against this workstation's signed checkpoint, a
 * consistency proof from its previous checkpoint, SHA256SUMS signed twice (SSHSIG and raw Ed25519)
 * with the org's checkpoint key, a README and an offline report. Files are staged in a folder
 * beside the output (streamed: memory holds one page of rows), then zipped in sorted order with
 * fixed times, to a partial file renamed at the end: a cancel or crash leaves no bundle behind.
 * The audit log is checked first: a broken chain or a history that disagrees with a stored
 * checkpoint refuses the export rather than signing over it.
 */
export async function stageBundle(sql: Sql, opts: ExportBundleOptions): Promise<StagedBundle> {
  const progress = (p: BundleProgress) => opts.onProgress?.(p);
  const now = opts.now?.() ?? new Date();
  await checkScopeExists(sql, opts.scope);
  const scope = await namedScope(sql, opts.scope);
  progress({ phase: 'anchoring', done: 0, total: null });
  mkdirSync(dirname(opts.outFile), { recursive: true });
  const staging = mkdtempSync(join(dirname(opts.outFile), '.evidence-'));
  const open: StagedFile[] = [];
  exportsStaging++;
  try {
    const sums: SumLine[] = [];
    const staged: StagedEntry[] = [];
    const counts: Record<string, number> = {};
    const stageFile = async (path: string, fill: (f: StagedFile) => Promise<void>) => {
      aborted(opts.signal);
      const f = new StagedFile(staging, path);
      open.push(f);
      await fill(f);
      const entry = await f.close();
      staged.push(entry);
      return { entry, lines: f.lines };
    };
    const stage = async (path: string, fill: (f: StagedFile) => Promise<void>) => {
      const { entry, lines } = await stageFile(path, fill);
      sums.push({ path: entry.path, sha256: entry.sha256 });
      if (path.startsWith('records/')) counts[path] = lines;
      progress({ phase: 'records', done: sums.length, total: null });
    };

    // One pass over the log: the chain recomputed, the Merkle leaves taken and the scope's events
    // written on the way. Nothing is signed unless the chain and the anchor both hold.
    let pass: AuditPass | null = null;
    const digest = new ReportDigest();
    await stage('records/audit-events.jsonl', async (f) => {
      pass = await auditPass(sql, opts.orgId, opts.scope, f, () => aborted(opts.signal), (e, subject) => digest.event(e, subject));
    });
    const { chain, leaves, seqs } = pass as unknown as AuditPass;
    // Built once: the anchor's consistency proofs and every event's inclusion proof come from it.
    const tree = new MerkleTree(sha256Bytes, leaves);
    const anchor = await anchorAuditSerial(sql, opts.orgId, opts.store, opts.vault, chain.ok, tree);
    if (!chain.ok) throw new McError('CONFLICT', `The audit chain does not verify, so no bundle is signed over it: ${chain.breaks[0]?.description ?? 'see Audit → Verify chain'}.`);
    if (anchor.state !== 'anchored' && anchor.state !== 'first') throw new McError('CONFLICT', `The audit log could not be anchored, so no bundle is signed over it: ${anchor.message}`);
    const ring = await loadKeyRing(opts.vault, opts.store.dir, opts.orgId);
    const key = ring.current;
    // Stored checkpoints may be signed by a key this workstation retired; each is opened with its own.
    const stored = openStored(opts.store.read(opts.orgId), ringKeys(ring), opts.orgId);
    const latestNote = stored.at(-1)?.note as string;
    const checkpoint = parseCheckpoint(latestNote.slice(0, latestNote.lastIndexOf('\n\n') + 1));
    if (tree.size !== checkpoint.size || toBase64(tree.root()) !== toBase64(checkpoint.root)) {
      throw new McError('CONFLICT', 'The audit log changed while the bundle was being prepared; export again.');
    }

    // Line for line with the events written: their inclusion proofs against the checkpoint.
    let first: number | null = null;
    let last: number | null = null;
    await stage('log/proofs/inclusion.jsonl', async (f) => {
      for (const seq of seqs) {
        first ??= seq;
        last = seq;
        const proof = tree.inclusionProof(seq - 1).map(base64);
        f.putLine(`${JSON.stringify({ seq, leaf_index: seq - 1, tree_size: checkpoint.size, proof })}\n`);
        if (f.lines % 1000 === 0) {
          aborted(opts.signal);
          await f.drain();
        }
      }
    });
    for (const source of SOURCES) {
      await stage(source.file, async (f) => {
        for await (const line of sourceLines(sql, source, opts.scope, (row) => digest.row(source.file, row))) await f.write(line, 1);
      });
    }

    // The checkpoint, and how it extends the one this workstation signed before it.
    await stage('log/checkpoint', (f) => f.write(latestNote));
    // The last checkpoint of a smaller tree (a rotation signs the same tree again with the new key).
    const prev = stored.findLast((c) => c.size < checkpoint.size);
    const previousNote = prev?.note;
    if (prev && previousNote) {
      await stage('log/proofs/consistency.json', (f) =>
        f.write(`${JSON.stringify({ from: { size: prev.size, root: toBase64(prev.root), note: previousNote }, to: { size: checkpoint.size, root: toBase64(checkpoint.root) }, proof: tree.consistencyProof(prev.size, checkpoint.size).map(toBase64) }, null, 1)}\n`),
      );
    }

    // The keys an auditor checks with, and pins by fingerprint.
    const identity = `${opts.orgId}@umamiedge-mission-control`;
    const keyFiles = bundleKeyFiles(ring, identity);
    for (const k of keyFiles.files) await stage(k.path, (f) => f.write(k.text));

    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      version: 1,
      bundle_id: contentId(opts, now, sums),
      org: { id: opts.orgId, name: opts.orgName, simulated: opts.orgSimulated ?? false },
      scope,
      exported_at: now.toISOString(),
      app_version: opts.appVersion,
      counts,
      // This file, the README and the report are listed too.
      files: sums.length + 3,
      audit: { tree_size: checkpoint.size, root: toBase64(checkpoint.root), events: counts['records/audit-events.jsonl'] ?? 0, first_seq: first, last_seq: last },
      key: { name: key.name, fingerprint: key.fingerprint, identity },
      keys: keyFiles.keys,
    };
    await stage('manifest.json', (f) => f.write(`${JSON.stringify(manifest, null, 1)}\n`));
    const read = digest.result();
    await stage('README.txt', (f) => f.write(bundleReadme(manifest)));
    await stage('report.html', (f) => f.write(bundleReport(manifest, read)));

    // SHA256SUMS over every file above, signed twice with the same key.
    progress({ phase: 'signing', done: 0, total: null });
    const sumsText = formatSums(sums);
    const sumsBytes = Buffer.from(sumsText, 'utf8');
    await stageFile('SHA256SUMS', (f) => f.write(sumsBytes));
    await stageFile('SHA256SUMS.ed25519', (f) => f.write(key.sign(sumsBytes)));
    const sshsig = key.sign(sshsigSignedData(EVIDENCE_NAMESPACE, createHash('sha512').update(sumsBytes).digest()));
    await stageFile('SHA256SUMS.sig', (f) => f.write(sshsigArmor(key.publicKey, EVIDENCE_NAMESPACE, sshsig)));

    const entries = staged.map(({ path, deflatedFile, crc32, size, compressedSize }) => ({ name: path, deflatedFile, crc32, size, compressedSize })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { staging, entries, manifest };
  } catch (err) {
    for (const f of open) f.discard();
    rmSync(staging, { recursive: true, force: true });
    if (opts.signal?.aborted) aborted(opts.signal);
    throw err;
  } finally {
    stagingEnded();
  }
}

/**
 * Zip a staged bundle: sorted entries, fixed times, copied from the staged deflate streams to a
 * partial file renamed at the end. A cancel ends the zip between two reads; the staging folder
 * and the partial file are removed whatever happens.
 */
export async function zipStaged(staged: StagedBundle, outFile: string, opts: { signal?: AbortSignal; onProgress?: (p: BundleProgress) => void } = {}): Promise<ExportedBundle> {
  const { staging, entries, manifest } = staged;
  const partial = `${outFile}.partial`;
  try {
    aborted(opts.signal);
    await writeZip(partial, entries, { checkCancel: () => aborted(opts.signal), onEntry: (i) => opts.onProgress?.({ phase: 'zipping', done: i, total: entries.length }) });
    aborted(opts.signal);
    renameSync(partial, outFile);
    opts.onProgress?.({ phase: 'done', done: entries.length, total: entries.length });
    return { file: outFile, bytes: statSync(outFile).size, manifest };
  } catch (err) {
    rmSync(partial, { force: true });
    if (opts.signal?.aborted) aborted(opts.signal);
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Stage and zip in one go (the zip inside the caller's transaction: for tests and small scopes). */
export async function exportBundle(sql: Sql, opts: ExportBundleOptions): Promise<ExportedBundle> {
  return zipStaged(await stageBundle(sql, opts), opts.outFile, opts);
}
