import { expect, test } from '@playwright/test';
import { startHost } from './host';

test('without a keychain the app stays up, says so plainly and stores nothing', async ({ page }) => {
  if (process.platform !== 'linux') test.skip(true, 'an absent keychain can only be simulated with Secret Service');
  const host = await startHost({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } });
  try {
    await expect
      .poll(async () => (await (await fetch(`${host.origin}/healthz`)).json()) as { keychain: boolean; status: string }, { timeout: 20_000 })
      .toMatchObject({ keychain: false, status: 'down' });
    await page.goto(host.url);
    await expect(page.getByTestId('banner').filter({ hasText: 'No OS keychain is available' })).toBeVisible();
    await expect(page.getByTestId('banner').filter({ hasText: /never stored in plaintext/ })).toHaveCount(1);
    await expect(page.getByTestId('banner').filter({ hasText: 'its password lives in the OS keychain, which is unavailable' })).toBeVisible();
    await expect(page.getByTestId('connection-indicator')).toContainText('not connected');
    await expect(page.getByText('No org to show')).toBeVisible();
  } finally {
    await host.stop();
  }
});
