import { expect, openNode, test } from './fixtures';
import { ownerOf } from './gateway-traffic';
import { ensureSlaDefaults } from './sla-defaults';

test.describe('node keys', () => {
  test('issues a key shown exactly once', async ({ page, host }) => {
    await openNode(page, host, 'tyo-01-gpu03');
    await page.getByTestId('node-keys').getByRole('button', { name: 'Issue key' }).click();
    await page.getByRole('dialog').getByRole('textbox').fill('replacement agent');
    await page.getByTestId('issue-key').click();
    const secret = await page.getByTestId('secret').textContent();
    expect(secret).toMatch(/^ume_node_[0-9A-Za-z]{38}$/);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByText('You have not copied the key. Close anyway?')).toBeVisible();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    await expect(page.getByTestId(`key-${secret!.slice(0, 15)}`)).toContainText('replacement agent');
    // Nowhere on the page any more, nor after a reload.
    await expect(page.getByText(secret!)).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId(`key-${secret!.slice(0, 15)}`)).toBeVisible();
    expect(await page.content()).not.toContain(secret!.slice(15));
  });

  test('a revoked key that a node still presents fails the daily check', async ({ page, host }) => {
    test.setTimeout(120_000);
    await page.goto(`${host.url}#/keys`);
    await expect(page.getByTestId('keys-check')).toHaveAttribute('data-ok', 'true');
    // The daily item is about node keys, and says so: customer keys are flagged in their own panel.
    await expect(page.getByTestId('keys-check')).toContainText('No stale or revoked node key is still used');
    await openNode(page, host, 'jnb-01-gpu01');
    const row = page.getByTestId('node-keys').locator('tr', { hasText: 'demo agent' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('reason').fill('Host reimaged; agent not updated yet');
    await page.getByTestId('reason-submit').click();
    await expect(row.locator('[data-status=revoked]')).toBeVisible();
    // A revoked key says when and by whom it was revoked (from its record), not the expiry it will never reach.
    await expect(row.getByTestId('key-end')).toHaveAttribute('data-end', 'revoked');
    await expect(row.getByTestId('key-end')).toHaveText(/^revoked (just now|\d+ \w+ ago) by \S.*$/);
    await expect(row.getByTestId('key-end')).toHaveAttribute('title', 'Reason: Host reimaged; agent not updated yet');
    // The demo agent keeps sending with the revoked key (every 30 s): the keys page must notice.
    await page.goto(`${host.url}#/keys`);
    await expect(page.getByTestId('keys-check')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
    await expect(page.getByTestId('keys-check')).toContainText('Node keys need attention');
    await expect(page.getByText('Refused keys still presented')).toBeVisible();
    await expect(page.getByTestId('rejections')).toContainText('Revoked key');
    await expect(page.getByTestId('nodes-without-key')).toContainText('jnb-01-gpu01');
    // A hostname is one word: at a laptop's width it stays on one line (it broke at its hyphens,
    // "jnb-01-/gpu01"), whole on hover.
    await page.setViewportSize({ width: 1280, height: 720 });
    const hostCell = page.getByTestId('all-keys').locator('tr', { hasText: 'jnb-01-gpu01' }).first().locator('.id-cut');
    await expect(hostCell).toHaveText('jnb-01-gpu01');
    await expect(hostCell).toHaveAttribute('title', 'jnb-01-gpu01');
    const box = await hostCell.evaluate((e) => ({ whiteSpace: getComputedStyle(e).whiteSpace, height: e.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.5 }));
    expect(box.whiteSpace).toBe('nowrap');
    expect(box.height).toBeLessThan(box.lineHeight * 1.5);
  });

  test('customer API keys: an admin issues a live key shown once, rotates it with no grace, and revokes the new one', async ({ page, host }) => {
    // The demo has no customer: the panel says where to add one; add one in SLA (defaults first).
    await page.goto(`${host.url}#/keys`);
    const panel = page.getByTestId('customer-keys');
    await expect(panel.getByTestId('customer-keys-empty')).toContainText('Add one in Customers or SLA (New customer)', { timeout: 30_000 });
    // Above the list of every node key (hundreds on a grid), not after it.
    const [customerTop, nodeKeysTop] = await Promise.all([panel.evaluate((e) => e.getBoundingClientRect().top), page.getByTestId('all-keys').evaluate((e) => e.getBoundingClientRect().top)]);
    expect(customerTop).toBeLessThan(nodeKeysTop);
    await expect(panel.getByTestId('customer-key-issue')).toBeDisabled();
    await ensureSlaDefaults(page, host.url);
    await page.getByTestId('new-customer').click();
    const cd = page.getByRole('dialog');
    await cd.locator('input[name=key]').fill('e2e-keys');
    await cd.locator('input[name=name]').fill('E2E Keys Co');
    await cd.locator('select[name=home]').selectOption({ label: 'EU' });
    await page.getByTestId('save-customer').click();
    await expect(page.getByTestId('customer-e2e-keys')).toBeVisible();
    await page.goto(`${host.url}#/keys`);
    await panel.getByTestId('customer-key-issue').click();
    const dialog = page.getByRole('dialog', { name: 'Issue a customer API key' });
    await dialog.locator('select[name=mode]').selectOption('live');
    await dialog.locator('input[name=label]').fill('e2e backend');
    await page.getByTestId('customer-key-issue-submit').click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^ume_live_[0-9A-Za-z]{38}$/);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    const row = panel.getByTestId(`customer-key-${secret.slice(0, 15)}`);
    await expect(row).toHaveAttribute('data-status', 'active');
    await expect(row).toContainText('e2e backend');
    expect(await page.content()).not.toContain(secret.slice(15));

    // Rotation with no grace (a leak): the old key is rotated out, the new one shown once.
    await row.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('dialog').locator('select').selectOption('0');
    await page.getByTestId('customer-key-rotate-submit').click();
    const fresh = (await page.getByTestId('secret').textContent()) ?? '';
    expect(fresh).toMatch(/^ume_live_/);
    await expect(page.getByRole('dialog')).toContainText('stopped working now');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    await expect(row).toHaveAttribute('data-status', 'rotated_out');
    await expect(row.getByTestId('key-end')).toHaveText(/^rotated out (just now|\d+ \w+ ago)$/);

    // Revoke needs a reason; a too-short one is refused in place.
    const next = panel.getByTestId(`customer-key-${fresh.slice(0, 15)}`);
    await next.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('reason').fill('no');
    await page.getByTestId('reason-submit').click();
    await expect(page.getByRole('dialog')).toContainText('Say why');
    await page.getByTestId('reason').fill('e2e: customer offboarded');
    await page.getByTestId('reason-submit').click();
    await expect(next).toHaveAttribute('data-status', 'revoked');
    // When and by whom, from the key's record; never "in 12 months" for a key that no longer works.
    await expect(next.getByTestId('key-end')).toHaveText(/^revoked (just now|\d+ \w+ ago) by \S.*$/);
    await expect(next.getByTestId('key-end')).toHaveAttribute('title', 'Reason: e2e: customer offboarded');
    await expect(next).not.toContainText(/in \d+ (months?|year)/);

    // Rotation with a grace period: the old key's row says until when, as a time, and where it was
    // last used once (the gateway's source already says "from"; here written as the gateway writes it).
    await panel.getByTestId('customer-key-issue').click();
    await page.getByRole('dialog').locator('input[name=label]').fill('e2e grace');
    await page.getByTestId('customer-key-issue-submit').click();
    const graced = (await page.getByTestId('secret').textContent()) ?? '';
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    const owner = await ownerOf(host);
    try {
      await owner.query(`UPDATE mc.customer_keys SET last_used_at = now(), last_used_source = 'gateway e2e-gw from 10.0.0.5', use_count = 1 WHERE prefix = $1`, [graced.slice(0, 15)]);
    } finally {
      await owner.end();
    }
    const gracedRow = panel.getByTestId(`customer-key-${graced.slice(0, 15)}`);
    await gracedRow.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('dialog').locator('select').selectOption('1');
    await page.getByTestId('customer-key-rotate-submit').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    await expect(gracedRow).toHaveAttribute('data-status', 'grace');
    await expect(gracedRow).toContainText(/in grace until (?!in )\w+ \d/);
    await expect(gracedRow).toContainText('· gateway e2e-gw from 10.0.0.5');
    await expect(gracedRow).not.toContainText('from gateway');
  });

  test('records the telemetry validation as evidence', async ({ page, host }) => {
    await openNode(page, host, 'cai-01-gpu05');
    await page.getByTestId('validate').click();
    await expect(page.getByRole('status').filter({ hasText: 'Telemetry validation passed' })).toBeVisible();
    await expect(page.getByTestId('node-evidence')).toContainText('passed');
    await page.getByTestId('node-evidence').getByRole('link', { name: /audit #\d+/ }).click();
    // Other specs on this host may record validations too: the link selects this one.
    await expect(page.getByRole('row', { name: /telemetry\.validation_recorded/, selected: true })).toBeVisible();
  });

  test('an auditor sees keys but cannot issue, rotate or revoke', async ({ page, host }) => {
    await page.goto(`${host.url}#/connections`);
    await page.getByTestId('profile-Embedded (this workstation)').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').locator('input[name=operatorEmail]').fill('sam.novak@demo.umamiedge.test');
    await page.getByTestId('save-profile').click();
    await expect(page.getByTestId('who')).toContainText('Auditor');
    await page.goto(`${host.url}#/keys`);
    await expect(page.getByTestId('all-keys').getByRole('button', { name: 'Revoke' }).first()).toBeDisabled();
    await page.goto(`${host.url}#/connections`);
    await page.getByTestId('profile-Embedded (this workstation)').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').locator('input[name=operatorEmail]').fill('ada.okafor@demo.umamiedge.test');
    await page.getByTestId('save-profile').click();
    await expect(page.getByTestId('who')).toContainText('Admin');
  });
});
