import { expect, test } from './fixtures';

test.describe('on-call schedule', () => {
  test('a shift added for an incident commander shows who is on call now; a shift that ends before it starts is refused; removing asks why', async ({ page, host }) => {
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('policies-tab').click();
    const panel = page.getByTestId('oncall');
    await expect(panel.getByTestId('oncall-now')).toHaveText('nobody');
    await expect(panel.getByTestId('oncall-empty')).toContainText('Nobody is on call');

    // Bad input: the end before the start is refused, and nothing is stored.
    await panel.locator('select[name=oncallOperator]').selectOption({ label: 'Leila Haddad' });
    await panel.locator('input[name=oncallFrom]').fill('2030-01-02T10:00');
    await panel.locator('input[name=oncallTo]').fill('2030-01-02T08:00');
    await panel.getByTestId('oncall-add').click();
    await expect(panel.getByTestId('oncall-error')).toBeVisible();
    await expect(panel.getByTestId('oncall-shift')).toHaveCount(0);

    // A shift from a minute ago for twelve hours: Leila holds incident command now.
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const start = await page.evaluate(() => Date.now() - 60_000);
    await panel.locator('input[name=oncallFrom]').fill(local(new Date(start)));
    await panel.locator('input[name=oncallTo]').fill(local(new Date(start + 12 * 3_600_000)));
    await panel.getByTestId('oncall-add').click();
    await expect(panel.getByTestId('oncall-now')).toHaveText('Leila Haddad');
    await expect(panel.getByTestId('oncall-shift')).toHaveCount(1);
    await expect(panel.getByTestId('oncall-shift')).toContainText('on call now');
    await expect(panel.getByTestId('oncall-error')).toHaveCount(0);

    // Removing needs a reason, then the schedule is empty again.
    await panel.getByTestId('oncall-remove').click();
    await page.getByTestId('reason').fill('Leila swapped shifts with the APAC commander');
    await page.getByTestId('reason-submit').click();
    await expect(panel.getByTestId('oncall-now')).toHaveText('nobody');
    await expect(panel.getByTestId('oncall-shift')).toHaveCount(0);
  });
});
