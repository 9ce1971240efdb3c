import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';

/** Open an item's editor and set its status (with a note), as an operator does. */
async function setItem(item: Locator, status: 'done' | 'failed' | 'skipped', note?: string) {
  await item.getByTestId('item-badge').click();
  if (note !== undefined) await item.locator('textarea[name=note]').fill(note);
  await item.getByTestId(`set-${status}`).click();
  await expect(item).toHaveAttribute('data-status', status);
}

test.describe('change control: targets, scopes and the guided upgrade', () => {
  test('a deployment run targets some of a corridor’s sites; a kill switch is set for one corridor', async ({ page, host }) => {
    await page.goto(`${host.url}#/deployments`);
    await page.getByLabel('Release name').fill('EU sites release');
    await page.getByLabel('Target corridor').selectOption({ label: 'EU' });
    const sites = page.getByTestId('target-sites');
    await expect(sites).toContainText('all of the corridor');
    await sites.getByLabel('AMS-01 Amsterdam').check();
    await sites.getByLabel('FRA-01 Frankfurt').check();
    await expect(sites).toContainText('2 chosen');
    await page.getByRole('button', { name: 'Record run' }).click();
    await expect(page.getByTestId('run-EU sites release').getByTestId('run-target')).toHaveText('EU · 2 sites');

    await page.goto(`${host.url}#/flags`);
    await page.getByLabel('Key').fill('corridor.eu-intake');
    await page.getByLabel('Flag scope').selectOption('corridor');
    // A corridor scope without its corridor cannot be added.
    await expect(page.getByRole('button', { name: 'Add flag' })).toBeDisabled();
    await page.getByLabel('Flag corridor').selectOption({ label: 'EU' });
    await page.getByRole('button', { name: 'Add flag' }).click();
    await expect(page.getByTestId('flag-corridor.eu-intake-corridor')).toContainText('corridor EU');
  });

  test('the guided SQL upgrade run: four steps answered from the database, taken in the seed’s order', async ({ page, host }) => {
    await page.goto(`${host.url}#/migrations`);
    await page.getByTestId('start-upgrade-run').click();
    await expect(page).toHaveURL(/#\/checklists\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('run-title')).toHaveText('SQL upgrade (the seed’s order)');
    await expect(page.getByTestId('run-items').locator('li[data-testid^="item-"]')).toHaveCount(4);
    // Out of order: the schema step before the compatibility fixes is refused in place.
    const schema = page.getByTestId('item-schema');
    await schema.getByTestId('item-badge').click();
    await schema.getByTestId('set-done').click();
    await expect(schema.getByTestId('item-error')).toContainText('Step 1 comes first');
    await expect(schema).toHaveAttribute('data-status', 'open');
    // Seen again as it is stored: still open, nothing recorded.
    await page.reload();
    await expect(page.getByTestId('item-schema')).toHaveAttribute('data-status', 'open');
    for (const key of ['compat', 'schema', 'rls']) {
      const item = page.getByTestId(`item-${key}`);
      await expect(item.getByTestId('live')).toHaveAttribute('data-ok', 'true');
      await setItem(item, 'done');
    }
    // The demo org on this workstation: the app cannot tell demo from production, a person says.
    const seed = page.getByTestId('item-seed');
    await expect(seed.getByTestId('live')).toContainText('This org is the demo org');
    // The app cannot tell, so the person attests: a sentence and a link with its sha256.
    await seed.getByTestId('item-badge').click();
    await seed.locator('input[name=attachment]').fill('https://wiki.example.test/workstations/demo-db');
    await seed.locator('input[name=attachmentSha256]').fill('f'.repeat(64));
    await setItem(seed, 'done', 'This workstation’s own demo database.');
    await expect(seed.getByTestId('attachment-sha256')).toHaveText('f'.repeat(64));
    await expect(page.getByTestId('run-outcome')).toHaveAttribute('data-outcome', 'passed');
  });
});
