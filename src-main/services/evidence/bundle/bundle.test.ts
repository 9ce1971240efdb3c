import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_NAMESPACE, sshsigArmor, sshsigSignedData } from '../../../../src-shared/domain/evidence/sshsig';
import { formatSums } from '../../../../src-shared/domain/evidence/sums';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, testServers } from '../../../testing/db';
import { coreOn, DIRECT } from '../../../testing/harness';
import { needKeychain } from '../../../testing/keychain-gate';
import { TEST_SERVICE } from '../../../testing/keychain';
import { CheckpointStore, checkpointKeyAccount, loadOrCreateCheckpointKey } from '../../audit/anchor';
import type { BundleScope } from '../../../../src-shared/domain/evidence/bundle-scope';
import { exportBundle, type Manifest } from './bundle';
import { verifyBundle } from './verify';

const server = testServers()[0]!;
const ROOT = join(__dirname, '..', '..', '..', '..');
const keychain = await needKeychain();
const tools = ['sha256sum', 'ssh-keygen', 'openssl', 'unzip'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (tools.length > 0 && process.env.MC_REQUIRE_ALL === '1') throw new Error(`MC_REQUIRE_ALL=1 but ${tools.join(', ')} missing (apt-get install coreutils openssh-client openssl unzip)`);

type Core = Awaited<ReturnType<typeof coreOn>>;
const run = (cmd: string, cwd: string) => spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8' });

describe.skipIf(!keychain || tools.length > 0)('evidence bundles, checked with sha256sum, ssh-keygen and openssl', () => {
  let db: TestDatabase;
  let core: Core;
  let orgId: string;
  const dir = mkdtempSync(join(tmpdir(), 'mc-bundle-'));
  let bundle: string;
  let manifest: Manifest;

  const exportTo = (file: string, scope: BundleScope = { kind: 'period' as const, from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, signal?: AbortSignal, now?: Date) =>
    core.db.tx(core.db.session!, (sql) =>
      exportBundle(sql, { orgId, orgName: 'Bundle Org', scope, outFile: file, vault: core.vault, store: new CheckpointStore(core.dataDir), appVersion: 'test', signal, ...(now ? { now: () => now } : {}) }),
    );

  /** Unzip a bundle into a fresh folder. */
  function unzip(file: string): string {
    const to = mkdtempSync(join(dir, 'x-'));
    execFileSync('unzip', ['-q', file, '-d', to]);
    return to;
  }

  /** Zip a folder back (any order: the verifier must not rely on it). */
  async function rezip(from: string, file: string): Promise<void> {
    const zip = new yazl.ZipFile();
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(from)) zip.addBuffer(readFileSync(f), relative(from, f));
    zip.end();
    const out = createWriteStream(file);
    zip.outputStream.pipe(out);
    await finished(out);
  }

  /** What only the key holder can do: new SHA256SUMS over the folder, signed again with the org's own key. */
  async function resign(folder: string): Promise<void> {
    const key = await loadOrCreateCheckpointKey(core.vault, new CheckpointStore(core.dataDir).dir, orgId);
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    const lines = walk(folder)
      .map((f) => relative(folder, f))
      .filter((p) => !p.startsWith('SHA256SUMS'))
      .map((path) => ({ path, sha256: createHash('sha256').update(readFileSync(join(folder, path))).digest('hex') }));
    const sums = Buffer.from(formatSums(lines));
    writeFileSync(join(folder, 'SHA256SUMS'), sums);
    writeFileSync(join(folder, 'SHA256SUMS.ed25519'), key.sign(sums));
    writeFileSync(join(folder, 'SHA256SUMS.sig'), sshsigArmor(key.publicKey, EVIDENCE_NAMESPACE, key.sign(sshsigSignedData(EVIDENCE_NAMESPACE, createHash('sha512').update(sums).digest()))));
  }

  const failedChecks = async (file: string, pin?: string) => (await verifyBundle(file, pin)).checks.filter((c) => !c.ok).map((c) => c.name);

  beforeAll(async () => {
    db = await migratedDatabase(server);
    const org = await createOrg(db, 'bundle');
    orgId = org.orgId;
    const [componentId] = await seedComponents(db, orgId, [{ key: 'c1', name: 'Component 1', kind: 'runtime' }]);
    core = await coreOn(db, org.operator.email);
    for (let i = 0; i < 9; i++) {
      const r = await core.router.invoke('status.setState', { componentId, state: i % 2 ? 'operational' : 'degraded_performance', reason: `change ${i}` }, DIRECT);
      expect(r.ok).toBe(true);
    }
    // Reasons of many multi-byte characters (about 100 KB in all): the zip is read in chunks, and a
    // character split between two must not break an event's hash in the verifier.
    for (let i = 0; i < 20; i++) {
      const r = await core.router.invoke('status.setState', { componentId, state: i % 2 ? 'operational' : 'partial_outage', reason: `Übergabe ${i}: ${'€ü'.repeat(900)}` }, DIRECT);
      expect(r.ok).toBe(true);
    }
    bundle = join(dir, 'bundle.zip');
    manifest = (await exportTo(bundle)).manifest;
  }, 120_000);

  afterAll(async () => {
    if (core) await core.vault.delete(checkpointKeyAccount(new CheckpointStore(core.dataDir).dir, orgId)).catch(() => false);
    await core?.cleanup();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes sha256sum, ssh-keygen -Y verify and openssl pkeyutl as the README says, and the key fingerprint is the manifest’s', () => {
    const x = unzip(bundle);
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).toBe(0);
    // README's step 1 for macOS (Perl's shasum, as macOS ships it) reads the same file.
    const readme = readFileSync(join(x, 'README.txt'), 'utf8');
    expect(readme).toContain("step 1 is 'shasum -a 256 -c SHA256SUMS'");
    expect(run('shasum -a 256 -c SHA256SUMS', x).status).toBe(0);
    const edited = unzip(bundle);
    appendFileSync(join(edited, 'manifest.json'), ' ');
    expect(run('shasum -a 256 -c SHA256SUMS', edited).stdout).toContain('manifest.json: FAILED');
    const ssh = run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n ${EVIDENCE_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`, x);
    expect(ssh.stdout + ssh.stderr).toContain(`Good "${EVIDENCE_NAMESPACE}" signature for ${manifest.key.identity}`);
    expect(ssh.status).toBe(0);
    const ossl = run('openssl pkeyutl -verify -pubin -inkey keys/signing-key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519', x);
    expect(ossl.stdout).toContain('Signature Verified Successfully');
    expect(run('ssh-keygen -lf keys/signing-key.pub', x).stdout).toContain(manifest.key.fingerprint);
    // Another namespace (a signature made for something else) is refused by ssh-keygen itself.
    expect(run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n file -s SHA256SUMS.sig < SHA256SUMS`, x).status).not.toBe(0);
    // The README's own file count.
    expect(Number(run("find . -type f ! -name 'SHA256SUMS*' | wc -l", x).stdout.trim())).toBe(manifest.files);
    expect(readFileSync(join(x, 'README.txt'), 'utf8')).toContain(manifest.key.fingerprint);
    // A period is named by its org as its record says (not the name the caller passed), in README too.
    expect(manifest.scope).toEqual({ kind: 'period', from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', name: 'Org bundle' });
    expect(readFileSync(join(x, 'README.txt'), 'utf8')).toContain('Scope:     The whole org (Org bundle), 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z (end excluded)\n');
  });

  it('README’s commands work verbatim, in order, for an auditor who unzips it where other files are', () => {
    const readme = readFileSync(join(unzip(bundle), 'README.txt'), 'utf8');
    const section = readme.slice(readme.indexOf('Check it'), readme.indexOf('What it proves'));
    // Every indented command but the checkout's own verifier (step 5), with the zip's name put in.
    const commands = section
      .split('\n')
      .filter((l) => /^ {5}\S/.test(l))
      .map((l) => l.trim())
      .filter((c) => !c.startsWith('npm run'));
    expect(commands[0]).toMatch(/^unzip .*<this zip>/);
    // A downloads folder: the zip beside other files.
    const downloads = mkdtempSync(join(dir, 'downloads-'));
    writeFileSync(join(downloads, 'evidence.zip'), readFileSync(bundle));
    writeFileSync(join(downloads, 'notes.txt'), 'unrelated\n');
    const r = run(commands.map((c) => c.replaceAll('<this zip>', 'evidence.zip')).join(' &&\n'), downloads);
    expect(r.stderr).not.toMatch(/FAILED|No such file/);
    expect(r.status).toBe(0);
    // Step 4's count is the last line: the number README states.
    expect(Number(r.stdout.trim().split('\n').at(-1))).toBe(manifest.files);
    expect(readme).toContain(`SHA256SUMS.ed25519 is ${manifest.files}, and each`);
    // report.html lists the same commands in the same order (the count's expected value as a comment).
    const report = readFileSync(join(unzip(bundle), 'report.html'), 'utf8');
    const pre = /<pre data-testid="commands">([^]*?)<\/pre>/.exec(report)![1]!;
    const unescape = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(unescape(pre).split('\n')).toEqual([...commands.slice(0, -1), `${commands.at(-1)}    # prints ${manifest.files}: no file added`]);
  });

  it('holds the scope’s audit events with chain fields, and the verifier proves each in the signed log', async () => {
    expect(manifest.audit.events).toBeGreaterThanOrEqual(9);
    expect(manifest.counts['records/audit-events.jsonl']).toBe(manifest.audit.events);
    expect(manifest.org.simulated).toBe(false);
    const v = await verifyBundle(bundle, manifest.key.fingerprint);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checks.find((c) => c.name === 'audit events')?.detail).toContain(`${manifest.audit.events} audit events`);
    // Nothing secret leaves: node keys carry no key hash.
    const x = unzip(bundle);
    expect(readFileSync(join(x, 'records/node-keys.jsonl'), 'utf8')).not.toContain('key_hash');
  });

  it('is written with sorted entries and fixed times', async () => {
    const zip = await yauzl.openPromise(bundle);
    const names: string[] = [];
    const times = new Set<string>();
    for await (const e of zip.eachEntry()) {
      names.push(e.fileName);
      times.add(`${e.lastModFileDate}:${e.lastModFileTime}`);
    }
    zip.close();
    expect(names).toEqual([...names].sort());
    expect(times.size).toBe(1);
  });

  it('two exports of the same records at the same time are byte-identical; a later one differs only by its time', async () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const [a, b, c] = ['same-a.zip', 'same-b.zip', 'later.zip'].map((n) => join(dir, n)) as [string, string, string];
    const ma = (await exportTo(a, undefined, undefined, at)).manifest;
    const mb = (await exportTo(b, undefined, undefined, at)).manifest;
    expect(mb.bundle_id).toBe(ma.bundle_id);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    // Another export time: another id (the id is the content's, time included), same records.
    const mc = (await exportTo(c, undefined, undefined, new Date('2026-12-01T10:00:01Z'))).manifest;
    expect(mc.bundle_id).not.toBe(ma.bundle_id);
    expect(mc.bundle_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const records = (f: string) => readFileSync(join(unzip(f), 'records/audit-events.jsonl'));
    expect(records(c).equals(records(a))).toBe(true);
  });

  it('a period holds only its own events, each proven in the whole log; a period with none still verifies', async () => {
    const all = readFileSync(join(unzip(bundle), 'records/audit-events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; event: { at: string } });
    const mid = all[Math.floor(all.length / 2)]!;
    const part = join(dir, 'part.zip');
    const m = (await exportTo(part, { kind: 'period', from: mid.event.at, to: '2100-01-01T00:00:00Z' })).manifest;
    const seqs = readFileSync(join(unzip(part), 'records/audit-events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs[0]).toBe(all.find((e) => e.event.at >= mid.event.at)!.seq);
    expect(m.audit).toMatchObject({ events: seqs.length, first_seq: seqs[0], last_seq: seqs.at(-1) });
    expect(m.audit.tree_size).toBeGreaterThanOrEqual(all.length);
    expect(await failedChecks(part, m.key.fingerprint)).toEqual([]);
    const none = join(dir, 'none.zip');
    const n = (await exportTo(none, { kind: 'period', from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' })).manifest;
    expect(n.audit).toMatchObject({ events: 0, first_seq: null, last_seq: null });
    expect(await failedChecks(none, n.key.fingerprint)).toEqual([]);
  });

  it('a second export carries a consistency proof from the checkpoint before it', async () => {
    const r = await core.router.invoke('status.list', {}, DIRECT);
    expect(r.ok).toBe(true);
    const [c] = (r as { data: { components: { id: string }[] } }).data.components;
    await core.router.invoke('status.setState', { componentId: c!.id, state: 'major_outage', reason: 'one more' }, DIRECT);
    const second = join(dir, 'second.zip');
    const m2 = (await exportTo(second)).manifest;
    expect(m2.audit.tree_size).toBeGreaterThan(manifest.audit.tree_size);
    const v = await verifyBundle(second);
    expect(v.checks.find((c) => c.name === 'consistency')).toMatchObject({ ok: true });
    expect(v.ok).toBe(true);
  });

  it('fails on an edited file, a deleted file, an added file and an edited SHA256SUMS', async () => {
    // Edited.
    let x = unzip(bundle);
    writeFileSync(join(x, 'records/nodes.jsonl'), '{"hostname":"invented"}\n', { flag: 'a' });
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).not.toBe(0);
    await rezip(x, join(dir, 'edited.zip'));
    expect(await failedChecks(join(dir, 'edited.zip'))).toContain('files');
    // Deleted.
    x = unzip(bundle);
    rmSync(join(x, 'records/incidents.jsonl'));
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).not.toBe(0);
    await rezip(x, join(dir, 'deleted.zip'));
    expect(await failedChecks(join(dir, 'deleted.zip'))).toContain('files');
    // Added: sha256sum cannot see it; the manifest's count and the verifier do.
    x = unzip(bundle);
    writeFileSync(join(x, 'records/extra.jsonl'), '{}\n');
    expect(Number(run("find . -type f ! -name 'SHA256SUMS*' | wc -l", x).stdout.trim())).not.toBe(manifest.files);
    await rezip(x, join(dir, 'added.zip'));
    expect(await failedChecks(join(dir, 'added.zip'))).toContain('files');
    // SHA256SUMS edited to match an edited file: both signatures fail, with both tools.
    x = unzip(bundle);
    writeFileSync(join(x, 'records/audit-events.jsonl'), '');
    const sums = readFileSync(join(x, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?=  records\/audit-events\.jsonl$)/m, createHash('sha256').update('').digest('hex'));
    expect(sums).not.toBe(readFileSync(join(x, 'SHA256SUMS'), 'utf8'));
    writeFileSync(join(x, 'SHA256SUMS'), sums);
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).toBe(0);
    expect(run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n ${EVIDENCE_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`, x).status).not.toBe(0);
    expect(run('openssl pkeyutl -verify -pubin -inkey keys/signing-key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519', x).status).not.toBe(0);
    await rezip(x, join(dir, 'sums.zip'));
    expect(await failedChecks(join(dir, 'sums.zip'))).toEqual(expect.arrayContaining(['ed25519', 'sshsig']));
    // A manifest that names another key: the check says which it names and which signed.
    x = unzip(bundle);
    const m = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
    writeFileSync(join(x, 'manifest.json'), JSON.stringify({ ...m, key: { ...m.key, fingerprint: 'SHA256:someoneelse' } }));
    await rezip(x, join(dir, 'named.zip'));
    const named = (await verifyBundle(join(dir, 'named.zip'))).checks.find((c) => c.name === 'manifest key');
    expect(named).toMatchObject({ ok: false, detail: `the manifest names SHA256:someoneelse, but the bundle's key is ${manifest.key.fingerprint}` });
  });

  it('a bundle re-signed with another key passes the tools on its own keys but not the pinned fingerprint', async () => {
    const x = unzip(bundle);
    const other = mkdtempSync(join(dir, 'k-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', manifest.key.identity, '-f', join(other, 'id')]);
    const pub = readFileSync(join(other, 'id.pub'), 'utf8').trim().split(' ');
    writeFileSync(join(x, 'keys/allowed_signers'), `${manifest.key.identity} namespaces="${EVIDENCE_NAMESPACE}" ${pub[0]} ${pub[1]}\n`);
    writeFileSync(join(x, 'keys/signing-key.pub'), `${pub.join(' ')}\n`);
    // Re-list and re-sign with the forger's key (ssh-keygen -Y sign writes SHA256SUMS.sig).
    const lines = readFileSync(join(x, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l && !l.endsWith('keys/allowed_signers') && !l.endsWith('keys/signing-key.pub'));
    for (const p of ['keys/allowed_signers', 'keys/signing-key.pub']) lines.push(`${createHash('sha256').update(readFileSync(join(x, p))).digest('hex')}  ${p}`);
    writeFileSync(join(x, 'SHA256SUMS'), `${lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join('\n')}\n`);
    rmSync(join(x, 'SHA256SUMS.sig'));
    execFileSync('sh', ['-c', `ssh-keygen -q -Y sign -f ${join(other, 'id')} -n ${EVIDENCE_NAMESPACE} SHA256SUMS`], { cwd: x });
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).toBe(0);
    expect(run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n ${EVIDENCE_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`, x).status).toBe(0);
    // …but the fingerprint is not the one pinned out of band.
    expect(run('ssh-keygen -lf keys/signing-key.pub', x).stdout).not.toContain(manifest.key.fingerprint);
    await rezip(x, join(dir, 'forged.zip'));
    const failed = await failedChecks(join(dir, 'forged.zip'), manifest.key.fingerprint);
    expect(failed.length).toBeGreaterThan(0);
  });

  it('an edited, removed or reordered audit event fails its proof even when SHA256SUMS is signed again with the org key', async () => {
    const events = (x: string) => readFileSync(join(x, 'records/audit-events.jsonl'), 'utf8').split('\n').filter(Boolean);
    const proofs = (x: string) => readFileSync(join(x, 'log/proofs/inclusion.jsonl'), 'utf8').split('\n').filter(Boolean);
    const cases: [string, (x: string) => void][] = [
      [
        'edited (hash recomputed)',
        (x) => {
          const lines = events(x);
          const e = JSON.parse(lines[2]!) as { canonical: string; prev_hash: string; hash: string };
          e.canonical = e.canonical.replace(/"reason":"[^"]*"/, '"reason":"nothing happened"');
          e.hash = createHash('sha256').update(e.prev_hash + e.canonical).digest('hex');
          lines[2] = JSON.stringify(e);
          writeFileSync(join(x, 'records/audit-events.jsonl'), `${lines.join('\n')}\n`);
        },
      ],
      [
        'removed (with its proof, and the manifest count)',
        (x) => {
          const e = events(x);
          const p = proofs(x);
          e.splice(3, 1);
          p.splice(3, 1);
          writeFileSync(join(x, 'records/audit-events.jsonl'), `${e.join('\n')}\n`);
          writeFileSync(join(x, 'log/proofs/inclusion.jsonl'), `${p.join('\n')}\n`);
          const m = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as Manifest;
          m.audit.events -= 1;
          m.counts['records/audit-events.jsonl'] = m.audit.events;
          writeFileSync(join(x, 'manifest.json'), JSON.stringify(m));
        },
      ],
      [
        'reordered (with their proofs)',
        (x) => {
          const e = events(x);
          const p = proofs(x);
          [e[1], e[2]] = [e[2]!, e[1]!];
          [p[1], p[2]] = [p[2]!, p[1]!];
          writeFileSync(join(x, 'records/audit-events.jsonl'), `${e.join('\n')}\n`);
          writeFileSync(join(x, 'log/proofs/inclusion.jsonl'), `${p.join('\n')}\n`);
        },
      ],
    ];
    for (const [name, tamper] of cases) {
      const x = unzip(bundle);
      tamper(x);
      await resign(x);
      expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status, name).toBe(0);
      const file = join(dir, `events-${cases.findIndex((c) => c[0] === name)}.zip`);
      await rezip(x, file);
      expect(await failedChecks(file, manifest.key.fingerprint), name).toEqual(['audit events']);
    }
    // One event whose proof no longer holds is named in the singular.
    const x = unzip(bundle);
    const p = proofs(x);
    const one = JSON.parse(p[2]!) as { seq: number; proof: string[] };
    one.proof = [...one.proof].reverse();
    p[2] = JSON.stringify(one);
    writeFileSync(join(x, 'log/proofs/inclusion.jsonl'), `${p.join('\n')}\n`);
    await resign(x);
    await rezip(x, join(dir, 'one-proof.zip'));
    expect((await verifyBundle(join(dir, 'one-proof.zip'))).checks.find((c) => c.name === 'audit events')?.detail).toBe(`event #${one.seq} fails its hash or inclusion proof (edited, removed or reordered)`);
  });

  it('through the contract: a wall display (read-only) may not export; a workstation gets the file in its evidence folder', async () => {
    const scope = { kind: 'period', from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
    const refused = await core.router.invoke('bundles.export', { exportId: randomUUID(), scope }, { readOnly: true, via: 'ws' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const bad = await core.router.invoke('bundles.export', { exportId: randomUUID(), scope: { ...scope, to: scope.from } }, DIRECT);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const r = await core.router.invoke('bundles.export', { exportId: randomUUID(), scope }, DIRECT);
    expect(r.ok).toBe(true);
    const data = (r as { data: { path: string; fileName: string; downloadPath: string } }).data;
    expect(data.path).toBe(join(core.dataDir, 'evidence', data.fileName));
    expect(data.downloadPath).toBe(`/evidence/${data.fileName}`);
    expect((await verifyBundle(data.path, manifest.key.fingerprint)).ok).toBe(true);
  });

  it('opens in the app through the contract, with no database: a genuine bundle verifies, a tampered one and a wrong pin do not, and bad uploads are refused', async () => {
    type Opened = { ok: boolean; fingerprint: string | null; checks: { name: string; ok: boolean; detail: string }[]; manifest: { orgName: string; events: number } | null };
    const send = async (file: string, pin?: string, chunk = 128 * 1024): Promise<Opened> => {
      const bytes = readFileSync(file);
      const uploadId = randomUUID();
      for (let off = 0; off < bytes.length; off += chunk) {
        const r = await core.router.invoke('bundles.openChunk', { uploadId, offset: off, data: bytes.subarray(off, off + chunk).toString('base64') }, DIRECT);
        expect(r.ok).toBe(true);
      }
      const r = await core.router.invoke('bundles.open', pin ? { uploadId, pin } : { uploadId }, DIRECT);
      if (!r.ok) throw new Error(r.error.message);
      return (r as { data: Opened }).data;
    };
    const good = await send(bundle, manifest.key.fingerprint, 4096);
    expect(good).toMatchObject({ ok: true, fingerprint: manifest.key.fingerprint, manifest: { orgName: 'Bundle Org', events: manifest.audit.events } });
    expect(good.checks.every((c) => c.ok)).toBe(true);
    const edited = await send(join(dir, 'edited.zip'));
    expect(edited.ok).toBe(false);
    expect(edited.checks.filter((c) => !c.ok).map((c) => c.name)).toContain('files');
    const forged = await send(join(dir, 'forged.zip'), manifest.key.fingerprint);
    expect(forged.ok).toBe(false);
    const wrongPin = await send(bundle, 'SHA256:' + 'A'.repeat(43));
    expect(wrongPin.ok).toBe(false);
    // A manifest edited into another shape (no audit section, a scope kind no app knows) is a failed
    // check that says so, in the app and the command line, never an internal error.
    const reshaped: [string, (m: Record<string, unknown>) => void][] = [
      ['no-audit', (m) => delete m.audit],
      ['planet', (m) => ((m.scope as Record<string, unknown>).kind = 'planet')],
    ];
    for (const [name, edit] of reshaped) {
      const x = unzip(bundle);
      const m = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      edit(m);
      writeFileSync(join(x, 'manifest.json'), JSON.stringify(m));
      const file = join(dir, `reshaped-${name}.zip`);
      await rezip(x, file);
      const opened = await send(file);
      expect(opened.ok, name).toBe(false);
      expect(opened.manifest, name).toBeNull();
      expect(opened.checks.find((c) => c.name === 'manifest'), name).toMatchObject({ ok: false, detail: 'manifest.json is missing or not a bundle manifest' });
      expect((await verifyBundle(file)).ok, name).toBe(false);
    }
    // Nothing is left behind after an open, whatever its verdict.
    expect(readdirSync(join(core.dataDir, 'evidence-open'))).toEqual([]);

    // Bad uploads: not a zip (a verdict that says so), out of order, unknown, oversized chunk, bad pin text.
    const junkFile = join(dir, 'junk-open.zip');
    writeFileSync(junkFile, 'not a zip at all');
    const junk = await send(junkFile);
    expect(junk.ok).toBe(false);
    // The verdict speaks of the file the user chose, not of the app's private copy of the upload.
    const zipCheck = junk.checks.find((c) => c.name === 'zip')!;
    expect(zipCheck.detail).toMatch(/^The chosen file is not a readable zip/);
    expect(zipCheck.detail).toMatch(/choose the bundle’s \.zip/);
    expect(zipCheck.detail).not.toContain(core.dataDir);
    const id = randomUUID();
    expect((await core.router.invoke('bundles.openChunk', { uploadId: id, offset: 5, data: 'AAAA' }, DIRECT)) as unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await core.router.invoke('bundles.openChunk', { uploadId: id, offset: 0, data: 'AAAA' }, DIRECT);
    expect((await core.router.invoke('bundles.openChunk', { uploadId: id, offset: 0, data: 'AAAA' }, DIRECT)) as unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('out of order') } });
    expect((await core.router.invoke('bundles.openCancel', { uploadId: id }, DIRECT)) as unknown).toMatchObject({ ok: true, data: { cancelled: true } });
    expect((await core.router.invoke('bundles.open', { uploadId: id }, DIRECT)) as unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await core.router.invoke('bundles.openChunk', { uploadId: randomUUID(), offset: 0, data: 'A'.repeat(200_000) }, DIRECT)) as unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((await core.router.invoke('bundles.open', { uploadId: randomUUID(), pin: 'my key' }, DIRECT)) as unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(readdirSync(join(core.dataDir, 'evidence-open'))).toEqual([]);
  });

  it('a cancelled export leaves no file, and a file that is not a zip is refused plainly', async () => {
    const ac = new AbortController();
    ac.abort();
    const file = join(dir, 'cancelled.zip');
    await expect(exportTo(file, undefined, ac.signal)).rejects.toThrow(/cancelled/);
    expect(() => statSync(file)).toThrow();
    expect(readdirSync(dir).filter((n) => n.startsWith('.evidence-') || n.endsWith('.partial'))).toEqual([]);
    const junk = join(dir, 'junk.zip');
    writeFileSync(junk, 'not a zip');
    const v = await verifyBundle(junk);
    expect(v.ok).toBe(false);
    expect(v.checks[0]?.detail).toMatch(/not a readable zip/);
  });

  it('npm run evidence exports from the data folder and verifies with no database; bad arguments say what to give', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src-main/services/evidence/bundle/cli.ts'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE },
      });
    const out = join(dir, 'cli.zip');
    const exported = cli(['export', '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--out', out, '--data-dir', core.dataDir]);
    expect(exported.stderr.replace(/\rzipping \d+\/\d+/g, '').trim()).toBe('');
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain(manifest.key.fingerprint);
    const verified = cli(['verify', out, '--pin', manifest.key.fingerprint]);
    expect(verified.stdout).toMatch(/verified\n$/);
    // It first says which bundle this is, titled as its README and report title it.
    expect(verified.stdout.split('\n')[0]).toMatch(/^bundle  The whole org \(Org bundle\), 2000-01-01T00:00:00.000Z to 2100-01-01T00:00:00.000Z \(end excluded\); org [^;]+; exported \S+ by Mission Control /);
    expect(verified.status).toBe(0);
    const forged = cli(['verify', join(dir, 'forged.zip'), '--pin', manifest.key.fingerprint]);
    expect(forged.stdout).toContain('NOT VERIFIED');
    expect(forged.status).toBe(1);
    const bad = cli(['export', '--from', 'yesterday', '--to', '2100-01-01T00:00:00Z', '--out', out]);
    expect(bad.stderr).toContain('--from must be an ISO 8601 time');
    expect(bad.status).toBe(2);
    const notPilot = cli(['export', '--pilot', 'kenya', '--out', out]);
    expect(notPilot).toMatchObject({ status: 2, stderr: expect.stringContaining('--pilot is a customer pilot id') });
    const two = cli(['export', '--pilot', randomUUID(), '--from', '2000-01-01T00:00:00Z', '--out', out]);
    expect(two).toMatchObject({ status: 2, stderr: expect.stringContaining('give one of --incident, --pilot, --drill, --corridor or --from/--to') });
    const notDrill = cli(['export', '--drill', 'friday', '--out', out]);
    expect(notDrill).toMatchObject({ status: 2, stderr: expect.stringContaining('--drill is a failover drill id') });
    const drillAndPilot = cli(['export', '--drill', randomUUID(), '--pilot', randomUUID(), '--out', out]);
    expect(drillAndPilot).toMatchObject({ status: 2, stderr: expect.stringContaining('give one of') });
    // A well-formed id this org does not have: refused, and no file (not an empty signed bundle).
    const missing = randomUUID();
    const unknown = cli(['export', '--drill', missing, '--out', join(dir, 'no-drill.zip'), '--data-dir', core.dataDir]);
    expect(unknown).toMatchObject({ status: 1, stderr: expect.stringContaining(`This org has no failover drill ${missing}`) });
    expect(readdirSync(dir).filter((n) => n.startsWith('no-drill') || n.startsWith('.evidence-'))).toEqual([]);
  }, 60_000);

  it('writes each audit event as the Audit view’s JSONL export writes it, its subject named by the same lookup', async () => {
    let viewText = '';
    for (let after = 0; ; ) {
      const r = (await core.router.invoke('audit.export', { format: 'jsonl', afterSeq: after, untilSeq: manifest.audit.last_seq! }, DIRECT)) as { ok: true; data: { text: string; nextAfterSeq: number | null } };
      expect(r.ok).toBe(true);
      viewText += r.data.text;
      if (r.data.nextAfterSeq === null) break;
      after = r.data.nextAfterSeq;
    }
    const bundled = readFileSync(join(unzip(bundle), 'records/audit-events.jsonl'), 'utf8');
    expect(bundled).toBe(viewText);
    expect(bundled).toContain('"subject":"Component 1"');
  });

  it('refuses to sign over a chain edited in the database, and writes nothing', async () => {
    const edit = async (reason: string | null) => {
      const c = await db.owner();
      try {
        // What an owner can do with the triggers off: change an event's reason, not its hash.
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        const r = await c.query<{ reason: string }>('SELECT reason FROM mc.audit_events WHERE org_id = $1 AND seq = 3', [orgId]);
        await c.query('UPDATE mc.audit_events SET reason = $2 WHERE org_id = $1 AND seq = 3', [orgId, reason ?? r.rows[0]!.reason]);
        await c.query('COMMIT');
        return r.rows[0]!.reason;
      } finally {
        await c.end();
      }
    };
    const original = await edit('edited later');
    try {
      const file = join(dir, 'over-edited.zip');
      await expect(exportTo(file)).rejects.toThrow('The audit chain does not verify, so no bundle is signed over it: event #3 was changed after it was written (hash mismatch).');
      expect(readdirSync(dir).filter((n) => n.startsWith('over-edited') || n.startsWith('.evidence-'))).toEqual([]);
    } finally {
      await edit(original);
    }
    expect((await exportTo(join(dir, 'restored.zip'))).manifest.audit.events).toBeGreaterThan(manifest.audit.events);
  });
});
