import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from './fixtures';

test.describe('change control', () => {
  test('records a deployment run, starts its canary, lists it without evidence until evidence is attached', async ({ page, host }) => {
    await page.goto(`${host.url}#/deployments`);
    await expect(page.getByRole('heading', { name: 'Deployments' })).toBeVisible();
    await page.getByLabel('Release name').fill('Spring routing release');
    await page.getByLabel('Environment').selectOption('staging');
    await page.getByRole('button', { name: 'Record run' }).click();
    const row = page.getByTestId('run-Spring routing release');
    await expect(row).toHaveAttribute('data-status', 'planned');
    await row.getByRole('button', { name: 'Start' }).click();
    await expect(row).toHaveAttribute('data-status', 'canary');
    await expect(row).toContainText('canary 10%');
    await expect(page.getByTestId('change-events')).toContainText('New deploy started: Spring routing release to staging at 10%.');
    // Each alert line starts with its time: no list marker, which sat on the panel's left border.
    expect(await page.getByTestId('change-events').locator('ul').evaluate((ul) => getComputedStyle(ul).listStyleType)).toBe('none');
    // Checking the canary inside its first window only waits.
    await row.getByRole('button', { name: 'Check canary' }).click();
    await expect(page.getByRole('status').filter({ hasText: /window has \d+ min to go/ })).toBeVisible();

    const pending = page.getByTestId('without-evidence');
    await expect(pending).toContainText('Spring routing release');
    await pending.getByRole('button', { name: 'Attach evidence' }).first().click();
    // A wrong sha256 for a file is refused and nothing changes.
    const dir = mkdtempSync(join(tmpdir(), 'mc-e2e-evidence-'));
    const file = join(dir, 'CR-1042.txt');
    writeFileSync(file, 'Change record CR-1042 approved');
    await page.getByLabel('Evidence URI').fill(pathToFileURL(file).href);
    await page.getByLabel('Evidence sha256').fill('0'.repeat(64));
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'not the evidence you meant' })).toBeVisible();
    await expect(pending).toContainText('Spring routing release');
    await page.getByLabel('Evidence sha256').fill('');
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await expect(pending).not.toContainText('Spring routing release');
    await expect(row).not.toContainText('none');

    // Rolled back with a reason.
    await row.getByRole('button', { name: 'Roll back' }).click();
    await page.getByTestId('reason').fill('Latency regression in the canary');
    await page.getByTestId('reason-submit').click();
    await expect(row).toHaveAttribute('data-status', 'rolled_back');
    await expect(page.getByTestId('dora')).toContainText('100%');
    // The figures say what they count: no succeeded deployment beside a 100% failure rate of finished runs.
    await expect(page.getByTestId('dora').getByRole('columnheader', { name: 'Deployments (succeeded)' })).toBeVisible();
    await expect(page.getByTestId('dora').getByRole('columnheader', { name: 'Change failure rate (of finished runs)' })).toBeVisible();
  });

  test('adds a kill switch and flips it after confirmation; a bad key is refused', async ({ page, host }) => {
    await page.goto(`${host.url}#/flags`);
    await expect(page.getByRole('heading', { name: 'Feature flags' })).toBeVisible();
    await page.getByLabel('Key').fill('Bad Key');
    await page.getByRole('button', { name: 'Add flag' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'A flag key is' })).toBeVisible();
    await page.getByLabel('Key').fill('model.llama-70b');
    await page.getByLabel('Description').fill('Serve Llama 70B');
    await page.getByLabel('On', { exact: true }).check();
    await page.getByRole('button', { name: 'Add flag' }).click();
    const row = page.getByTestId('flag-model.llama-70b-org');
    await expect(row).toHaveAttribute('data-enabled', 'true');
    await row.getByRole('button', { name: 'Turn off' }).click();
    // Cancelling changes nothing.
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(row).toHaveAttribute('data-enabled', 'true');
    await row.getByRole('button', { name: 'Turn off' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
    await expect(row).toHaveAttribute('data-enabled', 'false');
    await page.goto(`${host.url}#/deployments`);
    await expect(page.getByTestId('change-events')).toContainText('Feature flag changed: model.llama-70b org-wide on → off.');
  });

  test('lists flag changes without evidence beside deployments, links them to a run, and downloads the database types', async ({ page, host }) => {
    await page.goto(`${host.url}#/flags`);
    await page.getByLabel('Key').fill('router.shadow-traffic');
    await page.getByLabel('Description').fill('Mirror traffic to the new runtime group');
    await page.getByRole('button', { name: 'Add flag' }).click();
    await expect(page.getByTestId('flag-router.shadow-traffic-org')).toBeVisible();

    await page.goto(`${host.url}#/deployments`);
    const pending = page.getByTestId('without-evidence');
    await expect(pending).toContainText('Flag change');
    await expect(pending).toContainText('router.shadow-traffic');
    await page.getByLabel('Release name').fill('Shadow traffic release');
    await page.getByRole('button', { name: 'Record run' }).click();
    const row = page.getByTestId('run-Shadow traffic release');
    await row.getByRole('button', { name: 'Link changes' }).click();
    const dialog = page.getByTestId('link-changes');
    await dialog.getByLabel(/Feature flag added: router\.shadow-traffic/).check();
    await page.getByRole('button', { name: 'Save links' }).click();
    await expect(row.getByTestId('run-links')).toContainText('router.shadow-traffic');
    await expect(row.getByRole('button', { name: 'Edit links' })).toBeVisible();

    await page.goto(`${host.url}#/migrations`);
    const types = page.getByTestId('db-types');
    // An unknown schema is refused with its name.
    await types.getByLabel('Schemas for types').fill('no_such_schema');
    await types.getByRole('button', { name: 'Download types' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'no_such_schema' })).toBeVisible();
    await types.getByLabel('Schemas for types').fill('mc');
    const download = page.waitForEvent('download');
    await types.getByRole('button', { name: 'Download types' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.database\.ts$/);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync((await file.path())!, 'utf8');
    expect(text).toContain('export interface Database');
    expect(text).toMatch(/deployment_runs: \{[^}]*release_name: string;/);
  });
});
