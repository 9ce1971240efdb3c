import { expect, test } from './fixtures';
import { addPilot } from './pilots';

test.describe('advisories', () => {
  test('a writer scans, sees an advisory with its evidence and fix, and acknowledges it with a reason', async ({ page, host }) => {
    // A new pilot has none of its customer's evidence yet: the scan must say so.
    const customer = `Advisory Probe ${Date.now().toString(36)}`;
    await addPilot(page, host, customer);

    await page.goto(`${host.url}#/advisories`);
    const view = page.getByTestId('advisories-view');
    await expect(view.getByRole('heading', { name: 'Advisories' })).toBeVisible();
    await view.getByTestId('advisories-scan').first().click();
    await expect(page.getByText(/Scan done: \d+ raised/)).toBeVisible();

    // The report says what each check found; the backup checks read the org's backup records.
    const report = view.getByTestId('advisories-report');
    await expect(report.locator('tr', { hasText: 'Backup overdue' })).toContainText(/\d+ found/);
    await expect(report.locator('tr', { hasText: 'Pilot missing evidence' })).toContainText(/\d+ found/);

    const row = view.locator(`tr[data-check=pilot_evidence_missing][data-subject^="${customer}"]`);
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('of seven missing');
    await expect(row.getByRole('link', { name: 'Open readiness' })).toBeVisible();

    // Bad input: a reason too short is refused in the dialog, and the advisory stays open.
    await row.getByTestId('advisory-acknowledge').click();
    const dialog = page.getByRole('dialog', { name: /Acknowledge: Pilot missing evidence/ });
    await dialog.getByTestId('reason').fill('no');
    await dialog.getByTestId('reason-submit').click();
    await expect(dialog).toContainText('at least 3 characters');
    await dialog.getByTestId('reason').fill('Pilot starts next quarter; evidence follows the kickoff');
    await dialog.getByTestId('reason-submit').click();
    await expect(dialog).toHaveCount(0);

    // It moves to the acknowledged tab with who and why.
    await expect(row).toHaveCount(0);
    await view.getByTestId('advisories-tab-acknowledged').click();
    const acked = view.locator(`tr[data-check=pilot_evidence_missing][data-subject^="${customer}"]`);
    await expect(acked.getByTestId('advisory-ack')).toContainText('Pilot starts next quarter; evidence follows the kickoff');

    // A second scan refreshes it rather than raising it again.
    await view.getByTestId('advisories-scan').first().click();
    await expect(page.getByText(/Scan done:/).last()).toBeVisible();
    await expect(view.locator(`tr[data-check=pilot_evidence_missing][data-subject^="${customer}"]`)).toHaveCount(1);

    // Thresholds: a value out of bounds is refused next to its field and nothing is saved.
    await view.getByTestId('advisories-thresholds').click();
    const t = page.getByRole('dialog', { name: 'Advisory thresholds' });
    await t.locator('input[name=nodeSilentMinutes]').fill('0');
    await t.getByTestId('save-thresholds').click();
    await expect(t.locator('.field.invalid')).toContainText('At least 1.');
    await page.keyboard.press('Escape');
    await expect(t).toHaveCount(0);
  });
});
