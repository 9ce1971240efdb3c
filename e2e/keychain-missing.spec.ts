import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startHost } from './host';

test('without a keychain the embedded database still starts, its credentials in the data folder only, and the status view shows', async ({ page }) => {
  if (process.platform !== 'linux') test.skip(true, 'an absent keychain can only be simulated with Secret Service');
  const host = await startHost({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } });
  try {
    await expect
      .poll(async () => (await (await fetch(`${host.origin}/healthz`)).json()) as { keychain: boolean; database: { state: string } }, { timeout: 60_000 })
      .toMatchObject({ keychain: false, database: { state: 'connected' } });
    // 0600 inside the data folder: the credential protects nothing the folder's permissions do not.
    expect(statSync(join(host.dataDir, 'embedded-credentials.json')).mode & 0o777).toBe(0o600);
    await page.goto(host.url);
    await expect(page.getByTestId('banner').filter({ hasText: 'No OS keychain is available' })).toBeVisible();
    await expect(page.getByTestId('banner').filter({ hasText: /embedded database's own credentials are kept in its data folder/ })).toBeVisible();
    await expect(page.getByTestId('connection-indicator')).not.toContainText('not connected');
    // Offline on the embedded database the OS user is the operator, and the top bar says so.
    await expect(page.getByTestId('who')).toHaveAttribute('data-identity', 'os-user');
    await expect(page.getByTestId('who')).toContainText('offline, this workstation’s user');
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('component-routing')).toBeVisible({ timeout: 30_000 });
  } finally {
    await host.stop();
  }
});
