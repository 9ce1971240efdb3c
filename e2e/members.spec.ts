import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

/**
 * Members and the access review in Chromium through the browser host, on the embedded demo org
 * (the OS user acts as its admin, Ada Okafor). Every change here is undone before the spec ends:
 * the worker's host is shared.
 */
test('an admin suspends and reinstates a member, each confirmed with a reason; the last admin cannot step down', async ({ page, host }) => {
  await page.goto(`${host.url}#/members`);
  const members = page.getByTestId('members');
  const sam = members.getByTestId('member-sam.novak@demo.umamiedge.test');
  await expect(sam).toHaveAttribute('data-status', 'active', { timeout: 30_000 });

  // A destructive step asks first; cancelling changes nothing.
  await sam.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Suspend Sam Novak?');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(sam).toHaveAttribute('data-status', 'active');

  // Without a reason it is refused in the dialog.
  await sam.getByRole('button', { name: 'Suspend' }).click();
  await dialog.getByTestId('reason-submit').click();
  await expect(dialog).toContainText('Say why');
  await dialog.getByTestId('reason').fill('audit contract paused');
  await dialog.getByTestId('reason-submit').click();
  await expect(sam).toHaveAttribute('data-status', 'suspended');

  await sam.getByRole('button', { name: 'Reinstate' }).click();
  await dialog.getByTestId('reason').fill('audit contract resumed');
  await dialog.getByTestId('reason-submit').click();
  await expect(sam).toHaveAttribute('data-status', 'active');

  // Ada is the demo org's only admin: stepping down is refused, with what to do instead.
  const ada = members.getByTestId('member-ada.okafor@demo.umamiedge.test');
  await ada.getByRole('combobox').selectOption('operator');
  await dialog.getByTestId('reason').fill('stepping down');
  await dialog.getByTestId('reason-submit').click();
  await expect(dialog).toContainText('last active admin');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(ada).toHaveAttribute('data-role', 'admin');

  // The audit log holds both steps, with their reasons.
  await page.goto(`${host.url}#/audit`);
  await expect(page.getByText('audit contract paused').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('audit contract resumed').first()).toBeVisible();
});

test('the access review lists every member and exports a CSV', async ({ page, host }) => {
  await page.goto(`${host.url}#/members`);
  const review = page.getByTestId('access-review');
  await review.getByTestId('access-review-run').click();
  const ada = review.getByTestId('review-ada.okafor@demo.umamiedge.test');
  await expect(ada).toContainText('Admin', { timeout: 30_000 });
  // Ada's workstation signed in (a login was made for her); Sam never has.
  await expect(ada.locator('td').nth(4)).not.toContainText('never');
  await expect(review.getByTestId('review-sam.novak@demo.umamiedge.test').locator('td').nth(4)).toContainText('never');

  const [download] = await Promise.all([page.waitForEvent('download'), review.getByTestId('access-review-export').click()]);
  expect(download.suggestedFilename()).toMatch(/^access-review-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  const lines = csv.split('\r\n');
  expect(lines[0]).toBe('Name,E-mail,Role,Status,Member since (UTC),Last sign-in (UTC),Last action (UTC),Last action');
  expect(lines.filter((l) => l.includes('@demo.umamiedge.test'))).toHaveLength(4);
  expect(lines.find((l) => l.startsWith('Sam Novak,'))).toContain(',Auditor,active,');
});
