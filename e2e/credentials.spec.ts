import { expect, test } from './fixtures';
import { type Host, startHealthyHost } from './host';

/**
 * Credentials in Chromium through the browser host, on the embedded demo org (the OS user acts as
 * its admin): the inventory, then rotate all in scheduled mode to its report.
 *
 * On a host of its own, with a keychain service of its own: every host's demo org has the same
 * org id, so on the shared keychain a rotated checkpoint key would replace the one the other
 * hosts sign with (their key history then rightly refuses to anchor).
 */
let host: Host;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  host = await startHealthyHost({ env: { MC_KEYCHAIN_SERVICE: 'UmamiEdge Mission Control (e2e credentials)', MC_SESSION_MINUTE_MS: '3600000' } });
});
test.afterAll(async () => {
  await host?.stop();
});

test('the inventory lists the credentials; rotate all (scheduled) runs to a report', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`${host.url}#/credentials`);
  const inventory = page.getByTestId('credentials-inventory');
  await expect(inventory.locator('[data-testid="credential-row"][data-kind="signing_key"]')).toHaveCount(1, { timeout: 30_000 });
  await expect(inventory.locator('[data-testid="credential-row"][data-kind="database_role"]').first()).toBeVisible();
  await expect(inventory.locator('[data-testid="credential-row"][data-kind="ingest_login"]')).toHaveCount(1);
  expect(await inventory.locator('[data-testid="credential-row"][data-kind="node_key"]').count()).toBeGreaterThan(0);

  // The kind filter leaves only that kind.
  await inventory.getByLabel('Filter by kind').selectOption('signing_key');
  await expect(inventory.getByTestId('credential-row')).toHaveCount(1);
  await inventory.getByLabel('Filter by kind').selectOption('all');

  // Compromise mode asks for the typed confirmation before anything happens.
  await page.getByTestId('rotate-all').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('mode-compromise').check();
  await dialog.getByLabel('Reason').fill('spec: a breach that is not');
  await dialog.getByTestId('rotate-go').click();
  await expect(dialog.getByRole('alert')).toContainText('Type ROTATE ALL');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // Scheduled: runs credential by credential to the end.
  await page.getByTestId('rotate-all').click();
  await dialog.getByLabel('Reason').fill('spec: monthly rotation');
  await dialog.getByTestId('rotate-go').click();
  // The list follows the run: the credential being rotated is marked, and once the run is far
  // down the list (the demo grid's node keys), that row is scrolled into the list's view.
  const followed = () =>
    dialog
      .locator('li[aria-current="step"]')
      .evaluate((el) => {
        const list = (el.closest('ol') as HTMLElement).getBoundingClientRect();
        const row = el.getBoundingClientRect();
        const line = el.closest('[data-testid="rotate-progress"]')?.querySelector('p')?.textContent ?? '';
        return Number((el as HTMLElement).dataset.position) > 30 && row.top >= list.top - 1 && row.bottom <= list.bottom + 1 && line.includes('now: ');
      }, undefined, { timeout: 500 })
      .catch(() => false);
  await expect.poll(followed, { timeout: 120_000, intervals: [100] }).toBe(true);
  await expect(dialog.getByTestId('rotate-progress')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  await expect(dialog.locator('li[aria-current="step"]')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Close' }).click();

  const report = page.getByTestId('credentials-report');
  await expect(report).toHaveAttribute('data-run-state', 'done');
  await expect(report.locator('[data-testid="report-row"][data-kind="signing_key"][data-state="rotated"]')).toHaveCount(1);
  // The app's own login and the advisory scan's login.
  await expect(report.locator('[data-testid="report-row"][data-kind="database_role"][data-state="rotated"]')).toHaveCount(2);
  expect(await report.locator('[data-testid="report-row"][data-kind="node_key"][data-state="rotated"]').count()).toBeGreaterThan(0);
  await expect(report.locator('[data-testid="report-row"][data-state="failed"]')).toHaveCount(0);
  // New node keys wait for their nodes. The demo agent takes delivery for the simulated nodes it
  // runs (revealed to it, audited); nodes that send nothing (maintenance) stay listed as not switched.
  await expect(page.getByTestId('credentials-pending-switch')).toBeVisible();
  await expect(report.locator('[data-testid="report-row"][data-kind="node_key"]', { hasText: '(revealed)' }).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('credentials-runs').locator('[data-testid="run-row"][data-state="done"]').first()).toBeVisible();
});

test('rotate all in compromise mode: typed confirmation, no grace, old node keys stopped at once', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`${host.url}#/credentials`);
  await expect(page.getByTestId('credentials-inventory').locator('[data-testid="credential-row"][data-kind="signing_key"]')).toHaveCount(1, { timeout: 30_000 });

  await page.getByTestId('rotate-all').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('mode-compromise').check();
  await dialog.getByLabel('Reason').fill('spec: an operator laptop was stolen');
  // A near miss of the typed words is refused like none at all; nothing starts.
  await dialog.getByTestId('rotate-confirm').fill('rotate all');
  await dialog.getByTestId('rotate-go').click();
  await expect(dialog.getByRole('alert')).toContainText('Type ROTATE ALL');
  await expect(dialog.getByTestId('rotate-progress')).toHaveCount(0);

  await dialog.getByTestId('rotate-confirm').fill('ROTATE ALL');
  await dialog.getByTestId('rotate-go').click();
  await expect(dialog.getByTestId('rotate-progress')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();

  const report = page.getByTestId('credentials-report');
  await expect(report).toHaveAttribute('data-run-state', 'done');
  await expect(report.locator('header')).toContainText('compromise run');
  await expect(report.locator('[data-testid="report-row"][data-kind="signing_key"][data-state="rotated"]')).toHaveCount(1);
  await expect(report.locator('[data-testid="report-row"][data-kind="database_role"][data-state="rotated"]')).toHaveCount(2);
  expect(await report.locator('[data-testid="report-row"][data-kind="node_key"][data-state="rotated"]').count()).toBeGreaterThan(0);
  await expect(report.locator('[data-testid="report-row"][data-state="failed"]')).toHaveCount(0);
  // No grace: every node's old key stopped with the run; a node that has not got its new key is silent.
  const pending = page.getByTestId('credentials-pending-switch');
  await expect(pending).toBeVisible();
  await expect(pending.locator('td.err').first()).toContainText('stopped: node is silent until it gets the new key');
  await expect(pending.locator('td.warn')).toHaveCount(0);
  // The page that ran it is still signed in: the app still answers it after the run.
  await page.reload();
  await expect(page.getByTestId('credentials-runs').locator('[data-testid="run-row"][data-state="done"]')).toHaveCount(2);
});
