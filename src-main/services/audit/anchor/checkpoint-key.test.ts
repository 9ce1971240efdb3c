import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../testing/harness';
import { testVault } from '../../../testing/keychain';
import { needKeychain } from '../../../testing/keychain-gate';
import { CheckpointStore } from './checkpoint-store';
import { checkpointKeyAccount, checkpointKeySlot, legacyCheckpointKeyAccount, loadKeyRing, loadOrCreateCheckpointKey, rotateCheckpointKey } from './checkpoint-key';
import { writeKeyHistory } from './key-history';

const ok = await needKeychain();

describe.skipIf(!ok)('checkpoint key: one per checkpoint folder (real OS keychain)', () => {
  const vault = testVault();
  const folders: { dir: string; remove(): void }[] = [];
  const accounts: string[] = [];
  const folder = () => {
    const d = tempDataDir('mc-ckey-');
    folders.push(d);
    return new CheckpointStore(d.dir).dir;
  };
  afterAll(async () => {
    for (const a of accounts) await vault.delete(a).catch(() => false);
    for (const d of folders) d.remove();
  });

  it('gives two data folders of the same org their own keys, and rotating one leaves the other signing', async () => {
    // The demo org's id is the same in every installation: two folders of it on one OS account.
    const orgId = randomUUID();
    const a = folder();
    const b = folder();
    accounts.push(checkpointKeyAccount(a, orgId), checkpointKeyAccount(b, orgId));
    expect(checkpointKeySlot(a)).not.toBe(checkpointKeySlot(b));
    const keyA = await loadOrCreateCheckpointKey(vault, a, orgId);
    const keyB = await loadOrCreateCheckpointKey(vault, b, orgId);
    expect(keyA.fingerprint).not.toBe(keyB.fingerprint);

    await rotateCheckpointKey(vault, b, orgId, new Date());
    // A's key is untouched (before, B's rotation replaced the one entry both used, and A's key
    // history then named a key the keychain no longer held).
    expect((await loadKeyRing(vault, a, orgId)).current.fingerprint).toBe(keyA.fingerprint);
    expect((await loadKeyRing(vault, b, orgId)).current.fingerprint).not.toBe(keyB.fingerprint);
    // The slot is stable: read again, it names the same entry.
    expect((await loadOrCreateCheckpointKey(vault, a, orgId)).fingerprint).toBe(keyA.fingerprint);
  });

  it('a folder that signed under the old account adopts that key once; a new folder does not', async () => {
    const orgId = randomUUID();
    const legacy = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    accounts.push(legacyCheckpointKeyAccount(orgId));
    await vault.set(legacyCheckpointKeyAccount(orgId), legacy);
    const signed = folder();
    const fresh = folder();
    accounts.push(checkpointKeyAccount(signed, orgId), checkpointKeyAccount(fresh, orgId));
    // What an older release left: the folder's checkpoints file for the org.
    writeFileSync(join(signed, `${orgId}.json`), `${JSON.stringify({ version: 1, checkpoints: [] })}\n`);

    const adopted = await loadOrCreateCheckpointKey(vault, signed, orgId);
    expect(await vault.get(checkpointKeyAccount(signed, orgId))).toBe(legacy);
    // The old entry stays: another folder of an older release may still sign with it.
    expect(await vault.get(legacyCheckpointKeyAccount(orgId))).toBe(legacy);
    const own = await loadOrCreateCheckpointKey(vault, fresh, orgId);
    expect(own.fingerprint).not.toBe(adopted.fingerprint);
  });

  it('a folder whose rotation an older release cut after writing the history adopts the new key it names', async () => {
    const orgId = randomUUID();
    const pkcs8 = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const [oldPkcs8, newPkcs8] = [pkcs8(), pkcs8()];
    // The two keys as objects (fingerprint, public half, signer), each loaded from a scratch folder.
    const asKey = async (secret: string) => {
      const scratch = folder();
      accounts.push(checkpointKeyAccount(scratch, orgId));
      await vault.set(checkpointKeyAccount(scratch, orgId), secret);
      return loadOrCreateCheckpointKey(vault, scratch, orgId);
    };
    const [oldKey, newKey] = [await asKey(oldPkcs8), await asKey(newPkcs8)];
    // What the older release left: the old key current, the new one under "next", and the history naming the new one.
    const dir = folder();
    const at = new Date().toISOString();
    writeKeyHistory(dir, orgId, { current: { fingerprint: newKey.fingerprint, publicKey: newKey.publicKey, createdAt: at, retiredAt: null }, retired: [{ fingerprint: oldKey.fingerprint, publicKey: oldKey.publicKey, createdAt: null, retiredAt: at }] }, newKey.sign);
    accounts.push(legacyCheckpointKeyAccount(orgId), `audit-checkpoint-key-next:${orgId}`, checkpointKeyAccount(dir, orgId));
    await vault.set(legacyCheckpointKeyAccount(orgId), oldPkcs8);
    await vault.set(`audit-checkpoint-key-next:${orgId}`, newPkcs8);

    const ring = await loadKeyRing(vault, dir, orgId);
    expect(ring.current.fingerprint).toBe(newKey.fingerprint);
    expect(ring.retired.map((k) => k.fingerprint)).toEqual([oldKey.fingerprint]);
  });

  it('refuses a slot file that is not a slot id, naming it, and leaves it as it was', async () => {
    const dir = folder();
    const file = join(dir, 'keychain-slot');
    checkpointKeySlot(dir);
    writeFileSync(file, 'not a slot\n');
    expect(() => checkpointKeySlot(dir)).toThrow(/keychain-slot does not hold a keychain slot id \(16 hex digits\); it was left untouched/);
    await expect(loadOrCreateCheckpointKey(vault, dir, randomUUID())).rejects.toThrow(/keychain slot id/);
    expect(readFileSync(file, 'utf8')).toBe('not a slot\n');
  });
});
