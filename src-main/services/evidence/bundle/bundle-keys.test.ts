import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signNote } from '../../../../src-shared/domain/anchor/signed-note';
import { openSshPublicKey, sshFingerprint } from '../../../../src-shared/domain/anchor/ssh-key';
import { TEST_SERVICE } from '../../../testing/keychain';
import { sha256Bytes } from '../../audit/anchor/node-crypto';
import { EVIDENCE_NAMESPACE, sshsigArmor, sshsigSignedData } from '../../../../src-shared/domain/evidence/sshsig';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, testServers } from '../../../testing/db';
import { coreOn, DIRECT } from '../../../testing/harness';
import { needKeychain } from '../../../testing/keychain-gate';
import { CheckpointStore, checkpointKeyAccount, loadOrCreateCheckpointKey, rotateAuditKey } from '../../audit/anchor';
import { exportBundle, type Manifest } from './bundle';
import { verifyBundle } from './verify';

const server = testServers()[0]!;
const keychain = await needKeychain();
const tools = ['sha256sum', 'ssh-keygen', 'openssl', 'unzip'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (tools.length > 0 && process.env.MC_REQUIRE_ALL === '1') throw new Error(`MC_REQUIRE_ALL=1 but ${tools.join(', ')} missing`);
const run = (cmd: string, cwd: string) => spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8' });

describe.skipIf(!keychain || tools.length > 0)('a bundle exported after a key rotation lists every key', () => {
  let db: TestDatabase;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let orgId: string;
  const dir = mkdtempSync(join(tmpdir(), 'mc-bundle-keys-'));
  let manifest: Manifest;
  let x: string;
  let oldPkcs8: string;
  let oldFingerprint: string;

  beforeAll(async () => {
    db = await migratedDatabase(server);
    const org = await createOrg(db, 'bundle-keys');
    orgId = org.orgId;
    const [componentId] = await seedComponents(db, orgId, [{ key: 'c1', name: 'Component 1', kind: 'runtime' }]);
    core = await coreOn(db, org.admin.email);
    const add = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await core.router.invoke('status.setState', { componentId, state: i % 2 ? 'operational' : 'partial_outage', reason: `change ${i}` }, DIRECT)).ok).toBe(true);
    };
    await add(4);
    expect((await core.router.invoke('audit.verify', {}, DIRECT)).ok).toBe(true);
    await add(2);
    const store = new CheckpointStore(core.dataDir);
    oldFingerprint = (await loadOrCreateCheckpointKey(core.vault, store.dir, orgId)).fingerprint;
    // Kept only to show what a retired key can no longer do: sign a new SHA256SUMS.
    oldPkcs8 = (await core.vault.get(checkpointKeyAccount(new CheckpointStore(core.dataDir).dir, orgId))) as string;
    await core.db.tx(core.db.session!, (sql) => rotateAuditKey(sql, orgId, store, core.vault, new Date()));
    const file = join(dir, 'bundle.zip');
    manifest = (
      await core.db.tx(core.db.session!, (sql) =>
        exportBundle(sql, { orgId, orgName: 'Keys Org', scope: { kind: 'period', from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, outFile: file, vault: core.vault, store, appVersion: 'test' }),
      )
    ).manifest;
    x = mkdtempSync(join(dir, 'x-'));
    execFileSync('unzip', ['-q', file, '-d', x]);
  }, 120_000);

  afterAll(async () => {
    if (core) await core.vault.delete(checkpointKeyAccount(new CheckpointStore(core.dataDir).dir, orgId)).catch(() => false);
    await core?.cleanup();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies with ssh-keygen and openssl by the current key, and lists the retired one (allowed_signers valid-before, keys/retired, keys.json, manifest)', async () => {
    expect(manifest.key.fingerprint).not.toBe(oldFingerprint);
    expect(manifest.keys).toEqual([
      { fingerprint: manifest.key.fingerprint, file: 'keys/signing-key.pub.pem', created_at: expect.any(String), retired_at: null },
      { fingerprint: oldFingerprint, file: 'keys/retired/key-1.pub.pem', created_at: null, retired_at: manifest.keys[0]?.created_at },
    ]);
    expect(run('sha256sum -c --strict --quiet SHA256SUMS', x).status).toBe(0);
    const ssh = run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n ${EVIDENCE_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`, x);
    expect(ssh.stdout + ssh.stderr).toContain(`Good "${EVIDENCE_NAMESPACE}" signature for ${manifest.key.identity}`);
    expect(run('openssl pkeyutl -verify -pubin -inkey keys/signing-key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519', x).stdout).toContain('Signature Verified Successfully');
    // The retired key did not sign SHA256SUMS.
    expect(run('openssl pkeyutl -verify -pubin -inkey keys/retired/key-1.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519', x).status).not.toBe(0);
    // The retired PEM is the key keys.json lists, and ssh-keygen prints its fingerprint.
    const pemRaw = createPublicKey(readFileSync(join(x, 'keys/retired/key-1.pub.pem'))).export({ format: 'jwk' }).x as string;
    writeFileSync(join(dir, 'retired.pub'), `${openSshPublicKey(new Uint8Array(Buffer.from(pemRaw, 'base64url')))}\n`);
    expect(run(`ssh-keygen -lf ${join(dir, 'retired.pub')}`, x).stdout).toContain(oldFingerprint);
    const signers = readFileSync(join(x, 'keys/allowed_signers'), 'utf8');
    const stamp = (manifest.keys[1]?.retired_at as string).replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    expect(signers.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      expect.stringMatching(new RegExp(`^${manifest.key.identity} namespaces="${EVIDENCE_NAMESPACE}" ssh-ed25519 `)),
      expect.stringMatching(new RegExp(`^${manifest.key.identity} namespaces="${EVIDENCE_NAMESPACE}",valid-before="${stamp}" ssh-ed25519 `)),
    ]);
    const list = JSON.parse(readFileSync(join(x, 'keys/keys.json'), 'utf8')) as { keys: { fingerprint: string }[] };
    expect(list.keys.map((k) => k.fingerprint)).toEqual([manifest.key.fingerprint, oldFingerprint]);
    // README and report name every key.
    for (const f of ['README.txt', 'report.html']) {
      const text = readFileSync(join(x, f), 'utf8');
      expect(text, f).toContain(oldFingerprint);
      expect(text, f).toContain('retired');
    }
  });

  it('the verifier accepts the previous checkpoint signed by the retired key, and names it', async () => {
    const v = await verifyBundle(join(dir, 'bundle.zip'), manifest.key.fingerprint);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v.checks.find((c) => c.name === 'key list')?.detail).toBe('2 keys listed: the current one and 1 retired (accepted for older checkpoints, never for SHA256SUMS)');
    expect(v.checks.find((c) => c.name === 'previous checkpoint')?.detail).toBe(`the previous checkpoint is signed by the retired key ${oldFingerprint}`);
  });

  it('ssh-keygen refuses a SHA256SUMS signed now by the retired key, and accepts it only as of a time before the retirement', async () => {
    // valid-before has whole seconds: wait until the second of the retirement is over.
    const wait = Date.parse(manifest.keys[1]?.retired_at as string) + 1100 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const key = createPrivateKey({ key: Buffer.from(oldPkcs8, 'base64'), format: 'der', type: 'pkcs8' });
    const old = manifest.keys[1]!;
    const publicKey = new Uint8Array(Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url'));
    const sums = readFileSync(join(x, 'SHA256SUMS'));
    const sig = sshsigArmor(publicKey, EVIDENCE_NAMESPACE, new Uint8Array(sign(null, sshsigSignedData(EVIDENCE_NAMESPACE, createHash('sha512').update(sums).digest()), key)));
    writeFileSync(join(x, 'retired.sig'), sig);
    const verifyAt = (opt: string) => run(`ssh-keygen -Y verify -f keys/allowed_signers -I ${manifest.key.identity} -n ${EVIDENCE_NAMESPACE} ${opt} -s retired.sig < SHA256SUMS`, x);
    const now = verifyAt('');
    expect(now.stdout + now.stderr).toContain('key has expired');
    expect(now.status).not.toBe(0);
    const before = new Date(Date.parse(old.retired_at as string) - 60_000).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    expect(verifyAt(`-Overify-time=${before}`).status).toBe(0);
  });

  it('npm run evidence -- import-checkpoints keeps a pinned witness’s checkpoint and refuses a wrong pin', () => {
    const ROOT = join(__dirname, '..', '..', '..', '..');
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src-main/services/evidence/bundle/cli.ts'), ...args], { encoding: 'utf8', env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE } });
    // A witness signs the checkpoint text of this bundle's log with its own key.
    const latest = readFileSync(join(x, 'log/checkpoint'), 'utf8');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'));
    writeFileSync(join(dir, 'w.note'), signNote(sha256Bytes, latest.slice(0, latest.indexOf('\n\n') + 1), { name: 'witness.example/ws', publicKey: raw, sign: (m) => new Uint8Array(sign(null, m, privateKey)) }));
    writeFileSync(join(dir, 'w.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
    const pin = sshFingerprint(sha256Bytes, raw);
    const witnessFile = join(core.dataDir, 'audit-witnesses', `${orgId}.json`);
    const wrong = cli(['import-checkpoints', join(dir, 'w.note'), '--key', join(dir, 'w.pem'), '--pin', `SHA256:${'B'.repeat(43)}`, '--data-dir', core.dataDir]);
    expect(wrong).toMatchObject({ status: 1, stderr: expect.stringContaining(`fingerprint is ${pin}, not the pinned`) });
    expect(() => statSync(witnessFile)).toThrow();
    const noKey = cli(['import-checkpoints', join(dir, 'w.note'), '--pin', pin, '--data-dir', core.dataDir]);
    expect(noKey).toMatchObject({ status: 2, stderr: expect.stringContaining('--key PUB is required') });
    const ok = cli(['import-checkpoints', join(dir, 'w.note'), '--key', join(dir, 'w.pem'), '--pin', pin, '--data-dir', core.dataDir]);
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ status: 0, stdout: expect.stringContaining(`witness ${pin}: 1 checkpoint added`) });
    expect(JSON.parse(readFileSync(witnessFile, 'utf8'))).toMatchObject({ witnesses: [{ fingerprint: pin, checkpoints: [{ note: readFileSync(join(dir, 'w.note'), 'utf8') }] }] });
  }, 60_000);
});
