import { expect, test } from './fixtures';

test.describe('identity provider settings', () => {
  test('the active profile’s issuer and client id are validated, saved, shown after a reload, and cleared', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    const panel = page.getByTestId('identity-provider');
    await expect(panel.getByTestId('identity-provider-state')).toContainText('Not set');
    // The browser host's page comes back to the host itself: its own address is the one to allow-list.
    await expect(panel.getByTestId('redirect-pattern')).toHaveText(`${host.origin}/auth/callback`);

    // Plain http to another machine is refused, saying what to enter; nothing is saved.
    await panel.locator('input[name=issuer]').fill('http://idp.example.com');
    await panel.locator('input[name=clientId]').fill('mission-control');
    await panel.getByTestId('save-identity-provider').click();
    await expect(panel.getByTestId('identity-provider-error')).toContainText('The issuer must use https');
    await expect(panel.locator('label.invalid input[name=issuer]')).toBeVisible();
    await expect(panel.getByTestId('identity-provider-state')).toContainText('Not set');

    // A client id with a space is refused by the contract.
    await panel.locator('input[name=issuer]').fill('https://demo-project.supabase.co/auth/v1');
    await panel.locator('input[name=clientId]').fill('mission control');
    await panel.getByTestId('save-identity-provider').click();
    await expect(panel.locator('label.invalid input[name=clientId]')).toBeVisible();
    await expect(panel.getByTestId('identity-provider-state')).toContainText('Not set');

    await panel.locator('input[name=clientId]').fill('mission-control');
    await panel.getByTestId('save-identity-provider').click();
    await expect(panel.getByTestId('identity-provider-state')).toHaveText('Set: https://demo-project.supabase.co/auth/v1, client mission-control.');
    await page.reload();
    await expect(page.getByTestId('identity-provider').getByTestId('identity-provider-state')).toContainText('https://demo-project.supabase.co/auth/v1');
    await expect(page.getByTestId('identity-provider').locator('input[name=clientId]')).toHaveValue('mission-control');

    // Clearing asks first; Cancel keeps the provider.
    await page.getByTestId('identity-provider').getByTestId('clear-identity-provider').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('identity-provider').getByTestId('identity-provider-state')).toContainText('https://demo-project.supabase.co/auth/v1');
    await page.getByTestId('identity-provider').getByTestId('clear-identity-provider').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear provider' }).click();
    await expect(page.getByTestId('identity-provider').getByTestId('identity-provider-state')).toContainText('Not set');
  });
});
