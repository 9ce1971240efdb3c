import { expect, test } from './fixtures';

test.describe('status computed from records', () => {
  test('a critical incident on a corridor turns its status, the roll-up and its health on Operator', async ({ page, host }) => {
    const title = `Africa corridor dark ${Date.now().toString(36)}`;
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'Open an incident' });
    await dialog.locator('input[name=title]').fill(title);
    await dialog.getByRole('radio', { name: /Critical/ }).check();
    await dialog.getByTestId('affected-search').fill('Africa');
    await dialog.getByTestId('affected-option-Africa').click();
    await dialog.getByTestId('create-incident').click();
    await expect(page.getByTestId('incident-detail').getByTestId('incident-title')).toHaveText(title);

    await page.goto(`${host.url}#/status`);
    const row = page.getByTestId('component-corridor.africa');
    // Computed from the open incident, not declared by anyone.
    await expect(row.getByTestId('computed')).toContainText('Open critical incident on the corridor');
    await expect(row.getByTestId('computed')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(row.getByTestId('effective').locator('[data-state]')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(page.getByTestId('rollup')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(page.getByTestId('rollup')).not.toContainText('All components operational');
    // Routing and runtimes have nothing behind them: "no data", never operational.
    await expect(page.getByTestId('component-routing').getByTestId('effective')).toContainText('No data');

    await page.goto(`${host.url}#/operator`);
    const africa = page.getByTestId('op-corridor-Africa');
    await expect(africa).toHaveAttribute('data-health', 'critical');
    await expect(africa).toHaveAttribute('data-basis', /incident|computed/);
  });
});
