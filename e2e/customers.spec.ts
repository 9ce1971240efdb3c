import { expect, test } from './fixtures';
import { ownerOf } from './gateway-traffic';
import { type Host, startHealthyHost } from './host';

/** Run a palette action (Ctrl+K) by typing its words: the first option must be the one named. */
async function palette(page: import('@playwright/test').Page, words: string, first: string) {
  await page.keyboard.press('Control+k');
  await page.keyboard.type(words);
  await expect(page.getByRole('option').first()).toContainText(first);
  await page.keyboard.press('Enter');
}

/**
 * The Customers view on a host of its own (so its empty state is reachable: the demo has no
 * customer): reached by keyboard and palette, a customer added with limits, a contact and an
 * allowed corridor, its limits changed (a commitment above its limit refused next to the field),
 * a key issued from its page, and a routing decision linked to the Routing view.
 */
test.describe('customers', () => {
  let host: Host;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    host = await startHealthyHost({ env: { MC_OPS_INTERVAL_MS: '3000' } });
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('empty state, keyboard and palette reach the view', async ({ page }) => {
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await page.keyboard.press('g');
    await page.keyboard.press('w');
    await expect(page).toHaveURL(/#\/customers$/);
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
    await expect(page.getByTestId('customers-empty')).toContainText('Add one with New customer');
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await page.keyboard.press('Control+k');
    await page.keyboard.type('Customers');
    await expect(page.getByRole('option').first()).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/customers$/);
    // The palette's actions: New customer opens its dialog from anywhere; New customer API key,
    // with no customer yet, lands on the keys page and says what to do first.
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await palette(page, 'new customer', 'New customer');
    await expect(page).toHaveURL(/#\/customers$/);
    await expect(page.getByRole('dialog', { name: 'New customer' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await palette(page, 'new customer api key', 'New customer API key');
    await expect(page).toHaveURL(/#\/keys$/);
    // The keys page reads every node key of the 400-node demo grid first: on a loaded machine, seconds.
    await expect(page.getByTestId('customer-keys')).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.toasts')).toContainText('No customer yet: add one in Customers (New customer) first');
    await expect(page.getByRole('dialog')).toHaveCount(0);
  });

  test('the org request limit: the default shown, a bad value refused next to its field, a new one set with l', async ({ page }) => {
    await page.goto(`${host.url}#/customers`);
    await expect(page.getByTestId('org-limit-value')).toHaveText('10,000/min');
    await expect(page.getByTestId('org-limit')).toContainText('the default; no admin has set one');
    await page.keyboard.press('l');
    const dialog = page.getByRole('dialog', { name: 'Org request limit' });
    await dialog.locator('input[name="requestsPerMin"]').fill('0');
    await dialog.locator('input[name="reason"]').fill('capacity plan Q1');
    await page.getByTestId('org-limit-save').click();
    await expect(dialog.locator('.field.invalid')).toContainText('at least 1');
    await expect(page.getByTestId('org-limit-value')).toHaveText('10,000/min');
    await dialog.locator('input[name="requestsPerMin"]').fill('20,000');
    await page.getByTestId('org-limit-save').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('org-limit-value')).toHaveText('20,000/min');
    await expect(page.getByTestId('org-limit')).toContainText('(set ');
  });

  test('the org request limit: a value under the last hour\'s busiest minute says, before it is set, that traffic would be refused', async ({ page }) => {
    // 40 requests admitted in this minute, as the gateway's admission counters record them.
    const owner = await ownerOf(host);
    try {
      await owner.query(
        `INSERT INTO mc.limit_org_minutes (org_id, minute, requests)
         SELECT id, date_trunc('minute', now(), 'UTC'), 40 FROM mc.orgs WHERE simulated
         ON CONFLICT (org_id, minute) DO UPDATE SET requests = greatest(mc.limit_org_minutes.requests, 40)`,
      );
    } finally {
      await owner.end();
    }
    await page.goto(`${host.url}#/customers`);
    const before = await page.getByTestId('org-limit-value').textContent();
    await page.keyboard.press('l');
    const dialog = page.getByRole('dialog', { name: 'Org request limit' });
    await dialog.locator('input[name="requestsPerMin"]').fill('5');
    await expect(dialog.getByTestId('org-limit-under-load')).toContainText('below the busiest minute of the last hour');
    await expect(dialog.getByTestId('org-limit-under-load')).toContainText('gets 429');
    await dialog.locator('input[name="requestsPerMin"]').fill('5,000');
    await expect(dialog.getByTestId('org-limit-under-load')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('org-limit-value')).toHaveText(before!);
  });

  test('add a customer with limits, a contact and an allowed corridor; bad input is refused next to its field', async ({ page }) => {
    // Routing needs a policy in force: install the defaults first, as an admin would.
    await page.goto(`${host.url}#/sla`);
    await page.getByTestId('install-defaults').click();
    await expect(page.getByTestId('policy-enterprise-standard')).toBeVisible();

    await page.goto(`${host.url}#/customers`);
    await expect(page.getByTestId('customers-new').first()).toBeEnabled();
    await page.keyboard.press('n');
    const d = page.getByRole('dialog', { name: 'New customer' });
    await d.locator('input[name=key]').fill('nairobi-fin');
    await d.locator('input[name=name]').fill('Nairobi Fintech');
    await d.locator('select[name=home]').selectOption({ label: 'Africa' });
    await d.locator('input[name=requestsPerMin]').fill('1200');
    await d.locator('input[name=tokensPerMin]').fill('300000');
    await d.locator('input[name=committedRequestsPerMin]').fill('600');
    await d.locator('input[name=committedTokensPerMin]').fill('100000');
    await d.locator('input[name="corridor-Africa"]').check();
    await page.getByTestId('contact-add').click();
    await d.locator('input[name=contact-0-name]').fill('Wanjiru Kamau');
    await d.locator('input[name=contact-0-role]').fill('on-call');
    await d.locator('input[name=contact-0-email]').fill('wanjiru.at.example');
    await page.getByTestId('customer-save').click();
    await expect(d.locator('.field.invalid', { has: page.locator('input[name=contact-0-email]') })).toContainText('email address');
    await d.locator('input[name=contact-0-email]').fill('noc@nairobi-fin.example');
    await page.getByTestId('customer-save').click();
    await expect(d).toHaveCount(0);

    // Saved: the page of the new customer.
    await expect(page).toHaveURL(/#\/customers\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { name: 'Nairobi Fintech' })).toBeVisible();
    await expect(page.getByTestId('limit-requests')).toHaveText('1,200/min');
    await expect(page.getByTestId('committed')).toContainText('600 requests/min');
    await expect(page.getByTestId('customer-corridors')).toContainText('Africa');
    await expect(page.getByTestId('customer-contacts')).toContainText('Wanjiru Kamau');
    await expect(page.getByTestId('customer-usage')).toContainText('Today');

    await page.goto(`${host.url}#/customers`);
    const row = page.getByTestId('customer-row-nairobi-fin');
    await expect(row).toContainText('Africa');
    await expect(row).toContainText('600 req/min');
    await expect(row).toContainText('1,200/min');
  });

  test('edit limits: a commitment above the limit is refused, a lower limit is saved', async ({ page }) => {
    await page.goto(`${host.url}#/customers`);
    await page.getByTestId('customer-row-nairobi-fin').click();
    await expect(page.getByTestId('customer-edit')).toBeEnabled();
    await page.keyboard.press('e');
    const d = page.getByRole('dialog', { name: 'Change Nairobi Fintech' });
    await d.locator('input[name=requestsPerMin]').fill('500');
    await page.getByTestId('customer-save').click();
    await expect(d.locator('.field.invalid', { has: page.locator('input[name=committedRequestsPerMin]') })).toContainText('exceed the limit of 500');
    await d.locator('input[name=committedRequestsPerMin]').fill('400');
    await d.locator('input[name=maxConcurrency]').fill('32');
    await d.locator('input[name=reason]').fill('contract amendment 2');
    await page.keyboard.press('Control+Enter');
    await expect(d).toHaveCount(0);
    await expect(page.getByTestId('limit-requests')).toHaveText('500/min');
    await expect(page.getByTestId('limit-concurrency')).toHaveText('32');
    await expect(page.getByTestId('committed')).toContainText('400 requests/min');
    // The change is in the audit log with its reason.
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByText('customers.changed').first()).toBeVisible();
  });

  test('its keys: a key issued from the customer’s page shows there', async ({ page }) => {
    await page.goto(`${host.url}#/customers`);
    await page.getByTestId('customer-row-nairobi-fin').click();
    const keys = page.getByTestId('customer-keys');
    await expect(keys.getByTestId('customer-keys-empty')).toContainText('No customer API key issued yet');
    await keys.getByTestId('customer-key-issue').click();
    const dialog = page.getByRole('dialog', { name: 'Issue a customer API key' });
    await expect(dialog.locator('select[name=customer] option')).toHaveText(['Nairobi Fintech (enterprise)']);
    await dialog.locator('input[name=label]').fill('mobile backend');
    await page.getByTestId('customer-key-issue-submit').click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^ume_live_/);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    await expect(keys.getByTestId(`customer-key-${secret.slice(0, 15)}`)).toContainText('mobile backend');
    await page.goto(`${host.url}#/customers`);
    await expect(page.getByTestId('customer-row-nairobi-fin').locator('td').nth(5)).toHaveText('1/1');
    // Now that there is a customer, the palette's New customer API key opens the issue dialog.
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await palette(page, 'new customer api key', 'New customer API key');
    await expect(page).toHaveURL(/#\/keys$/);
    await expect(page.getByRole('dialog', { name: 'Issue a customer API key' })).toBeVisible({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
  });

  test('its routing decisions: a simulation shows on its page and links to the Routing view’s decision', async ({ page }) => {
    await page.goto(`${host.url}#/routing`);
    await page.locator('select[name=customer]').selectOption({ label: 'Nairobi Fintech (enterprise, Africa)' });
    await page.locator('input[name=model]').fill('no-such-model-7b');
    await page.locator('input[name=origin]').fill('KE');
    await page.getByTestId('simulate').click();
    await expect(page.getByTestId('decision')).toHaveAttribute('data-selected', 'no');

    await page.goto(`${host.url}#/customers`);
    await page.getByTestId('customer-row-nairobi-fin').click();
    const decisions = page.getByTestId('customer-decisions');
    await expect(decisions).toContainText('no-such-model-7b');
    await expect(decisions).toContainText('No node in any corridor serves no-such-model-7b.');
    await decisions.locator('tbody tr').first().click();
    await expect(page).toHaveURL(/#\/routing\/[0-9a-f-]{36}$/);
    const linked = page.getByTestId('linked-decision');
    await expect(linked).toContainText('Nairobi Fintech');
    await expect(page.getByTestId('linked-decision-node')).toHaveText('no node');
    // No runtime is connected on this host: nothing was considered, so no rule refused anything.
    await expect(page.getByTestId('linked-decision-rejected')).toHaveText('none (0 of 0 eligible)');
    await expect(linked).toContainText('No node in any corridor serves no-such-model-7b.');
  });
});
