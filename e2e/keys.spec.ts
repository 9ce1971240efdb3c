import { expect, openNode, test } from './fixtures';

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
    await openNode(page, host, 'jnb-01-gpu01');
    const row = page.getByTestId('node-keys').locator('tr', { hasText: 'demo agent' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('reason').fill('Host reimaged; agent not updated yet');
    await page.getByTestId('reason-submit').click();
    await expect(row.locator('[data-status=revoked]')).toBeVisible();
    // The demo agent keeps sending with the revoked key (every 30 s): the keys page must notice.
    await page.goto(`${host.url}#/keys`);
    await expect(page.getByTestId('keys-check')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
    await expect(page.getByText('Refused keys still presented')).toBeVisible();
    await expect(page.getByTestId('rejections')).toContainText('Revoked key');
    await expect(page.getByTestId('nodes-without-key')).toContainText('jnb-01-gpu01');
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
