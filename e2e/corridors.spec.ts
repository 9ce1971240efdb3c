import { expect, test } from './fixtures';

test.describe('corridors', () => {
  test('shows each corridor’s residency policy and sites', async ({ page, host }) => {
    await page.goto(`${host.url}#/corridors`);
    await expect(page.getByTestId('corridor-eu').getByTestId('allowed')).toHaveText('AT, DE, DK, ES, FI, FR, IE, IT, NL, PL, PT, SE');
    await page.getByTestId('corridor-africa').click();
    await expect(page.getByTestId('corridor-sites')).toContainText('Africa: sites');
    await expect(page.getByTestId('site-nbo-01')).toContainText('KE');
    await page.getByTestId('site-nbo-01').getByRole('link').click();
    await expect(page.getByTestId('nodes-count')).toHaveText('10 of 400 nodes');
  });

  test('refuses a policy that would strand existing sites, naming them, and changes nothing', async ({ page, host }) => {
    await page.goto(`${host.url}#/corridors`);
    await page.getByTestId('corridor-eu').getByRole('button', { name: 'Edit policy' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=blocked]').fill('CU, IR, KP, SY, NL');
    await dialog.locator('textarea[name=reason]').fill('Dutch sites under review');
    await dialog.getByTestId('save-policy').click();
    await expect(dialog.getByText('A country cannot be both allowed and blocked.', { exact: true })).toBeVisible();
    await dialog.locator('input[name=allowed]').fill('AT, DE, DK, ES, FI, FR, IE, IT, PL, PT, SE');
    await dialog.getByTestId('save-policy').click();
    await expect(dialog.getByRole('alert')).toContainText('This policy would exclude existing sites of EU: AMS-01 Amsterdam (NL)');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('corridor-eu').getByTestId('allowed')).toContainText('NL');
  });

  test('an admin adds a customer-defined corridor; a site outside it is refused', async ({ page, host }) => {
    await page.goto(`${host.url}#/corridors`);
    await page.getByRole('button', { name: 'Add corridor' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=key]').fill('latam');
    await dialog.locator('input[name=name]').fill('Latin America');
    await dialog.locator('input[name=allowed]').fill('br, mx, cl');
    await dialog.locator('input[name=audit]').fill('LGPD record of processing');
    await dialog.getByTestId('save-policy').click();
    await expect(page.getByTestId('corridor-latam').getByTestId('allowed')).toHaveText('BR, MX, CL');
    await page.getByRole('button', { name: 'Add site' }).click();
    const site = page.getByRole('dialog');
    await site.locator('select[name=corridorId]').selectOption({ label: 'Latin America' });
    await site.locator('input[name=country]').fill('AR');
    await expect(site.getByText('Latin America’s residency policy allows sites only in BR, MX, CL; AR is not one of them.')).toBeVisible();
  });

  test('records a site’s safety checklist state; passed is earned by completing the checklist', async ({ page, host }) => {
    await page.goto(`${host.url}#/corridors`);
    await page.getByTestId('corridor-apac').click();
    const select = page.getByLabel('Safety checklist of SIN-01 Singapore');
    await expect(select.locator('option[value=passed]')).toBeDisabled();
    await expect(select.locator('option[value=passed]')).toHaveText('Passed (complete the checklist)');
    await select.selectOption('in_progress');
    await expect(page.getByRole('status').filter({ hasText: 'SIN-01 Singapore: safety checklist in progress.' })).toBeVisible();
    await page.reload();
    await page.getByTestId('corridor-apac').click();
    await expect(page.getByLabel('Safety checklist of SIN-01 Singapore')).toHaveValue('in_progress');
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByRole('row', { name: /grid\.site_safety_set/ }).first()).toContainText('not_started → in_progress');
  });
});
