import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signNote } from '../src-shared/domain/anchor/signed-note';
import { openSshPublicKey, sshFingerprint } from '../src-shared/domain/anchor/ssh-key';
import { expect, test } from './fixtures';

// The anchored verify as an operator sees it: the checkpoint banner, the key fingerprint for
// out-of-band pinning, and the checkpoints exported for a witness. (Tampering itself is exercised
// against a real Postgres in src-main/services/audit/anchor/anchor.test.ts.)
test.describe('audit chain anchored in signed checkpoints', () => {
  test('Verify chain signs and checks checkpoints; Export checkpoints saves the signed notes', async ({ page, host }) => {
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await page.getByTestId('verify-chain').click();
    const banner = page.getByTestId('anchor-verdict');
    await expect(banner).toHaveAttribute('data-state', /^(first|anchored)$/);
    await expect(page.getByTestId('anchor-fingerprint')).toContainText(/SHA256:[A-Za-z0-9+/]{43}/);
    const fingerprint = await page.getByTestId('anchor-fingerprint').textContent();

    await page.getByTestId('verify-chain').click();
    await expect(banner).toHaveAttribute('data-state', 'anchored');
    await expect(banner).toContainText(/Anchored: consistent with checkpoint \d+ \(\d+ events, root [A-Za-z0-9+/]{43}=, seen /);
    await expect(page.getByTestId('anchor-fingerprint')).toHaveText(fingerprint ?? '');

    const headSeq = Number(/head #(\d+)/.exec((await page.getByTestId('verdict').textContent()) ?? '')?.[1]);
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-checkpoints').click()]);
    expect(file.suggestedFilename()).toMatch(/^audit-checkpoints-[0-9a-f-]{36}\.json$/);
    const saved = JSON.parse(readFileSync((await file.path())!, 'utf8')) as { version: number; checkpoints: { note: string; seenAt: string }[] };
    expect(saved.version).toBe(1);
    const last = saved.checkpoints.at(-1)!.note;
    // origin, size, root, blank line, one Ed25519 signature line (4-byte key ID + 64-byte signature = 68 bytes = 92 base64 chars).
    expect(last).toMatch(/^umamiedge\.mission-control\/[0-9a-f-]{36}\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 umamiedge\.mission-control\/[0-9a-f-]{36}\/workstation [A-Za-z0-9+/]{91}=\n$/);
    expect(Number(last.split('\n')[1])).toBe(headSeq);
  });

  test('Rotate signing key lists the retired key; Import witness checkpoints refuses a wrong pin and keeps a pinned witness', async ({ page, host }) => {
    await page.goto(`${host.url}#/audit`);
    await page.getByTestId('verify-chain').click();
    await expect(page.getByTestId('anchor-verdict')).toHaveAttribute('data-state', /^(first|anchored)$/);
    const before = ((await page.getByTestId('anchor-fingerprint').textContent()) ?? '').match(/SHA256:\S{43}/)?.[0] ?? '';
    const retiredBefore = await page.getByTestId('anchor-key-retired').count();
    await expect(page.getByTestId('anchor-key-current')).toContainText(before);

    // Rotate: the dialog says what happens; the old key is then listed as retired.
    await page.getByTestId('rotate-key').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('its public key stays in the key list');
    await dialog.locator('textarea').fill('e2e rotation');
    await dialog.getByTestId('reason-submit').click();
    await expect(page.getByTestId('anchor-key-retired')).toHaveCount(retiredBefore + 1);
    await expect(page.getByTestId('anchor-key-retired').first()).toContainText(before);
    await expect(page.getByTestId('anchor-key-current')).not.toContainText(before);
    await expect(page.getByTestId('anchor-verdict')).toHaveAttribute('data-state', 'anchored');

    // A witness: another key signs this workstation's latest checkpoint text (what its own verify would sign).
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-checkpoints').click()]);
    const last = (JSON.parse(readFileSync((await file.path())!, 'utf8')) as { checkpoints: { note: string }[] }).checkpoints.at(-1)!.note;
    const text = last.slice(0, last.indexOf('\n\n') + 1);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'));
    const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
    const note = signNote(sha256, text, { name: 'witness.example/ws2', publicKey: raw, sign: (m) => new Uint8Array(sign(null, m, privateKey)) });
    const dir = mkdtempSync(join(tmpdir(), 'mc-witness-'));
    writeFileSync(join(dir, 'checkpoint'), note);
    writeFileSync(join(dir, 'witness.pub'), `${openSshPublicKey(raw, 'ws2')}\n`);
    const pin = sshFingerprint(sha256, raw);

    await page.getByTestId('import-witness').click();
    await page.getByTestId('witness-checkpoints').setInputFiles(join(dir, 'checkpoint'));
    await page.getByTestId('witness-key').setInputFiles(join(dir, 'witness.pub'));
    await page.getByTestId('witness-pin').fill(`SHA256:${'A'.repeat(43)}`);
    await page.getByTestId('witness-submit').click();
    await expect(page.getByRole('dialog')).toContainText(`The key file's fingerprint is ${pin}, not the pinned`);
    await page.getByTestId('witness-pin').fill(pin);
    await page.getByTestId('witness-submit').click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    const row = page.getByTestId('witness').filter({ hasText: pin });
    await expect(row).toHaveAttribute('data-state', 'consistent');
    await expect(page.getByTestId('anchor-verdict')).toContainText(`Consistent with witness ${pin}'s checkpoint`);
  });
});
