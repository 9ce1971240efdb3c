import { readFileSync } from 'node:fs';
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
});
