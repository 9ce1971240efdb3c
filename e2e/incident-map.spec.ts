import { expect, test } from './fixtures';

/** From an incident to the map in one action; a drill says it is a drill; critical closes only with a review. */
test.describe('incident → map', () => {
  test('m on a drill shows its blast radius: its site selected, its corridor only, marked as a drill; Esc shows the whole grid', async ({ page, host }) => {
    const title = `FRA failover drill ${Date.now().toString(36)}`;
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'Open an incident' });
    await dialog.locator('input[name=title]').fill(title);
    await dialog.locator('input[name=drill]').check();
    await dialog.getByTestId('affected-search').fill('fra-01-gpu01');
    await dialog.getByTestId('affected-option-fra-01-gpu01').click();
    await dialog.getByTestId('create-incident').click();
    await expect(page.getByTestId('incident-title')).toHaveText(title);

    await page.keyboard.press('m');
    const banner = page.getByTestId('blast-radius');
    // The first visit loads the Network view's map and graph code (lazy): allow for a slow machine.
    await expect(banner).toContainText(title, { timeout: 90_000 });
    await expect(banner).toContainText('1 site in 1 corridor');
    await expect(banner).toHaveAttribute('data-drill', 'true');
    await expect(page.getByTestId('blast-drill')).toContainText('Drill');
    await expect(page).toHaveURL(/#\/network\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('site-panel')).toContainText('FRA-01');
    // Esc closes the site panel first, then the blast radius.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await expect(banner).toBeHidden();
  });

  test('a critical incident cannot be closed without its review: the refusal says what to write, the state stays', async ({ page, host }) => {
    const title = `EU corridor dark ${Date.now().toString(36)}`;
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'Open an incident' });
    await dialog.locator('input[name=title]').fill(title);
    await dialog.getByRole('radio', { name: /Critical/ }).check();
    await dialog.getByTestId('create-incident').click();
    const detail = page.getByTestId('incident-detail');
    await expect(page.getByTestId('incident-title')).toHaveText(title);
    await page.getByTestId('transition-resolved').click();
    await page.getByTestId('transition-submit').click();
    await expect(detail).toHaveAttribute('data-state', 'resolved');
    await page.getByTestId('transition-closed').click();
    await page.getByTestId('resolution-note').fill('Power restored at FRA; traffic back on the corridor.');
    await page.getByTestId('transition-submit').click();
    await expect(page.getByRole('dialog')).toContainText('closes only with its post-incident review');
    await page.keyboard.press('Escape');
    await expect(detail).toHaveAttribute('data-state', 'resolved');
  });
});
