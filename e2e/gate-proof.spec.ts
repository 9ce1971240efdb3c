import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';

test.describe('gates that need proof', () => {
  test('a gate with no proof stays refused, saying what it needs; an attestation with an attached file passes it, its sha256 shown', async ({ page, host }) => {
    const customer = `Proof Bank ${Date.now().toString(36).slice(-5)}`;
    await page.goto(`${host.url}#/readiness`);
    await page.getByTestId('add-pilot').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=customerName]').fill(customer);
    await dialog.locator('select[name=corridorId]').selectOption({ label: 'EU' });
    await dialog.getByTestId('save-pilot').click();
    const run = page.getByTestId('run-page');
    await expect(run.getByTestId('run-title')).toHaveText(`Customer pilot acceptance gates: ${customer}`);

    // "OAuth login works" is not something the app can answer: it declares an attestation.
    const oauth = run.getByTestId('item-oauth');
    await expect(oauth.getByTestId('item-proof')).toHaveAttribute('data-proof', 'attestation');
    await expect(oauth.getByTestId('item-proof')).toContainText('Needs an attestation');
    await oauth.getByTestId('item-badge').click();
    await oauth.getByTestId('set-done').click();
    await expect(oauth.getByTestId('item-error')).toHaveText(
      'This gate needs an attestation: your note of at least a sentence (20 characters, four words) and an attached file or link, whose sha256 is stored. Missing: a note of at least a sentence and an attached file or link.',
    );
    await expect(oauth).toHaveAttribute('data-status', 'open');
    await page.reload();
    await expect(page.getByTestId('item-oauth')).toHaveAttribute('data-status', 'open');
    await expect(page.getByTestId('item-oauth').getByTestId('item-set-by')).toHaveCount(0);

    // The file is read and hashed by the app (the main process), not by this page.
    const dir = await mkdtemp(join(tmpdir(), 'mc-attest-'));
    try {
      const bytes = `OAuth sign-in tested for ${customer} through its identity provider.`;
      const file = join(dir, 'oauth-login.txt');
      await writeFile(file, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const again = page.getByTestId('item-oauth');
      await again.getByTestId('item-badge').click();
      await again.locator('textarea[name=note]').fill('Signed in with a customer account through its identity provider.');
      await again.locator('input[name=attachment]').fill(file);
      await again.getByTestId('set-done').click();
      await expect(again).toHaveAttribute('data-status', 'done');
      await expect(again.getByTestId('item-badge')).toHaveText('Passed');
      await expect(again.getByTestId('attachment-sha256')).toHaveText(sha);
      await expect(again.getByTestId('item-attachment')).toContainText('Attested by Ada Okafor');
      await expect(again.getByTestId('item-set-by')).toContainText('Ada Okafor');

      // A waived gate stays "Waived" in the export, with who waived it and why; the passed one
      // carries its attachment's sha256.
      const models = page.getByTestId('item-models');
      await models.getByTestId('item-badge').click();
      await models.locator('textarea[name=note]').fill('Waived: the pilot serves one model, checked by hand.');
      await models.getByTestId('set-skipped').click();
      await expect(models).toHaveAttribute('data-status', 'skipped');
      await expect(models.getByTestId('item-badge')).toHaveText('Waived');
      await page.getByRole('heading', { name: 'Go-live gates' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('e')]);
      expect(download.suggestedFilename()).toMatch(/^gates-proof-bank-[a-z0-9]+-\d{4}-\d{2}-\d{2}\.csv$/);
      const rows = (await readFile((await download.path())!, 'utf8')).split('\r\n');
      expect(rows[0]).toBe('Run,Subject,Item,Status,Proof needed,Owner,Set by,Set at (UTC),Note or reason,Evidence record,Evidence link,Attachment,Attachment sha256,Live check when set,Live check at export');
      const oauthRow = rows.find((r) => r.includes(',OAuth login works.,'))!;
      expect(oauthRow).toContain(',Passed,');
      expect(oauthRow).toContain(`,${sha},`);
      const modelsRow = rows.find((r) => r.includes(',Waived,'))!;
      expect(modelsRow).toContain('Ada Okafor');
      expect(modelsRow).toContain('Waived: the pilot serves one model, checked by hand.');
      expect(rows.filter((r) => r.includes(',Waived,'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
