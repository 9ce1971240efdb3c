import { expect, test } from './fixtures';
import { RETENTION_CLASSES } from '../src-shared/domain/retention';

test.describe('connections', () => {
  test('shows the active connection with server version, migrations and latency', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    const active = page.getByTestId('active-connection');
    await expect(active).toContainText('Embedded (this workstation)');
    await expect(active).toContainText(/PostgreSQL \d+/);
    await expect(active).toContainText(/\d+ of \d+ applied/);
    await expect(active).toContainText('current');
    await expect(page.getByTestId('latency')).toContainText(/[\d.]+ ms/);
  });

  test('shows the retention matrix of the connected database, with the upkeep that ran on connect and the next purge', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    const panel = page.getByTestId('retention-panel');
    await expect(panel.locator('tbody tr')).toHaveCount(RETENTION_CLASSES.length);
    await expect(panel.getByTestId('retention-telemetry_samples')).toContainText('30 days (telemetry_retention_days)');
    await expect(panel.getByTestId('retention-audit_events')).toContainText('kept for good');
    await expect(panel.getByTestId('retention-api_request_logs')).toContainText('kept for good');
    // The host's own upkeep ran when it connected: a last run and an hourly next purge.
    await expect(panel.getByTestId('retention-upkeep')).toContainText('The database upkeep last purged');
    await expect(panel.getByTestId('retention-telemetry_samples').locator('td').nth(4).locator('time')).toHaveCount(1);
  });

  test('an unreachable remote profile fails by name, and the app stays on its database', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    await page.getByRole('button', { name: 'Add profile' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('Staging (gone)');
    await dialog.locator('input[name=host]').fill('127.0.0.1');
    await dialog.locator('input[name=port]').fill('1');
    await dialog.locator('input[name=operatorEmail]').fill('ada.okafor@demo.umamiedge.test');
    await dialog.locator('input[name=password]').fill('staging-password-123');
    await dialog.getByRole('button', { name: 'Test' }).click();
    await expect(dialog.getByTestId('test-result')).toHaveAttribute('data-ok', 'false');
    await expect(dialog.getByTestId('test-result')).toContainText('“Staging (gone)”');
    await expect(dialog.getByTestId('test-result')).toContainText('connection refused');
    await dialog.getByTestId('save-profile').click();
    const row = page.getByTestId('profile-Staging (gone)');
    await expect(row).toContainText('in keychain');
    await row.getByRole('button', { name: 'Activate' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Could not connect profile “Staging (gone)”' })).toBeVisible();
    await expect(page.getByTestId('connection-indicator')).toContainText('Embedded (this workstation)');
    await expect(page.getByTestId('profile-Embedded (this workstation)')).toContainText('active');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete profile' }).click();
    await expect(row).toHaveCount(0);
  });

  test('bad profile fields are named and nothing is saved', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    await page.getByRole('button', { name: 'Add profile' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('Broken');
    await dialog.locator('input[name=host]').fill('postgres://db.example.com');
    await dialog.locator('input[name=operatorEmail]').fill('nobody');
    await dialog.getByTestId('save-profile').click();
    await expect(dialog.getByText('A host is a name or an IP address')).toBeVisible();
    await expect(dialog.getByText('Enter the operator’s e-mail address.')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('profile-Broken')).toHaveCount(0);
  });
});
