import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { newCorridorOnReadiness } from './corridors';
import { addPilot } from './pilots';
import { expect, type Host, test } from './fixtures';

/** A corridor of its own, its go-live gates set up: its attestation gates are open. */
async function newCorridorGates(page: Page, host: Host, name: string) {
  await (await newCorridorOnReadiness(page, host, name)).getByTestId('prepare-gates').click();
  const run = page.getByTestId('run-page');
  await expect(run.getByTestId('run-title')).toHaveText(`Corridor go-live gates: ${name}`);
  return run;
}

test.describe('gates that need proof', () => {
  test('a live gate whose records say no stays open, saying why; an attestation gate needs a sentence and a file, and passes with them, its sha256 shown and exported', async ({ page, host }) => {
    const customer = `Proof Bank ${Date.now().toString(36).slice(-5)}`;
    const run = await addPilot(page, host, customer);

    // "OAuth login works" is answered from records: on the demo database nobody signed in through
    // an identity provider, so the live check says no and the gate stays open.
    const oauth = run.getByTestId('item-oauth');
    await expect(oauth.getByTestId('item-proof')).toHaveAttribute('data-proof', 'live');
    await oauth.getByTestId('item-badge').click();
    await oauth.getByTestId('set-done').click();
    await expect(oauth.getByTestId('item-error')).toContainText('Nobody in this org has signed in through an identity provider yet');
    await expect(oauth).toHaveAttribute('data-status', 'open');

    // "Add one committed-capacity customer" is not something the app can answer: an attestation.
    const gates = await newCorridorGates(page, host, `Attest ${customer.slice(-5)}`);
    const customerGate = gates.getByTestId('item-customer');
    await expect(customerGate.getByTestId('item-proof')).toHaveAttribute('data-proof', 'attestation');
    await expect(customerGate.getByTestId('item-proof')).toContainText('Needs an attestation');
    await customerGate.getByTestId('item-badge').click();
    await customerGate.getByTestId('set-done').click();
    await expect(customerGate.getByTestId('item-error')).toHaveText(
      'This gate needs an attestation: your note of at least a sentence (20 characters, four words) and an attached file or link, whose sha256 is stored. Missing: a note of at least a sentence and an attached file or link.',
    );
    await expect(customerGate).toHaveAttribute('data-status', 'open');
    await page.reload();
    await expect(page.getByTestId('item-customer')).toHaveAttribute('data-status', 'open');
    await expect(page.getByTestId('item-customer').getByTestId('item-set-by')).toHaveCount(0);

    // The file is read and hashed by the app (the main process), not by this page.
    const dir = await mkdtemp(join(tmpdir(), 'mc-attest-'));
    try {
      const bytes = `Committed-capacity order signed by ${customer}.`;
      const file = join(dir, 'capacity-order.txt');
      await writeFile(file, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const again = page.getByTestId('item-customer');
      await again.getByTestId('item-badge').click();
      await again.locator('textarea[name=note]').fill('The customer signed a committed-capacity order for this corridor.');
      await again.locator('input[name=attachment]').fill(file);
      await again.getByTestId('set-done').click();
      await expect(again).toHaveAttribute('data-status', 'done');
      await expect(again.getByTestId('item-badge')).toHaveText('Passed');
      await expect(again.getByTestId('attachment-sha256')).toHaveText(sha);
      await expect(again.getByTestId('item-attachment')).toContainText('Attested by Ada Okafor');
      await expect(again.getByTestId('item-set-by')).toContainText('Ada Okafor');

      // A waived gate stays "Waived" in the export, with who waived it and why; the passed one
      // carries its attachment's sha256.
      const payout = page.getByTestId('item-payout');
      await payout.getByTestId('item-badge').click();
      await payout.locator('textarea[name=note]').fill('Waived: site-owner payouts start in the second phase.');
      await payout.getByTestId('set-skipped').click();
      await expect(payout).toHaveAttribute('data-status', 'skipped');
      await expect(payout.getByTestId('item-badge')).toHaveText('Waived');
      await page.getByRole('heading', { name: 'Go-live gates' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('e')]);
      expect(download.suggestedFilename()).toMatch(/^gates-attest-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv$/);
      const rows = (await readFile((await download.path())!, 'utf8')).split('\r\n');
      expect(rows[0]).toBe('Run,Subject,Item,Status,Proof needed,Owner,Set by,Set at (UTC),Note or reason,Evidence record,Evidence link,Attachment,Attachment sha256,Live check when set,Live check at export');
      const customerRow = rows.find((r) => r.includes(',Add one committed-capacity customer.,'))!;
      expect(customerRow).toContain(',Passed,');
      expect(customerRow).toContain(`,${sha},`);
      const payoutRow = rows.find((r) => r.includes(',Waived,'))!;
      expect(payoutRow).toContain('Ada Okafor');
      expect(payoutRow).toContain('Waived: site-owner payouts start in the second phase.');
      expect(rows.filter((r) => r.includes(',Waived,'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
