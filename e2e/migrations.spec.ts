import { expect, test } from './fixtures';

test.describe('migrations center', () => {
  test('lints and dry-runs an SQL file, shows its locks, applies it after the database name is typed, and verifies the schema', async ({ page, host }) => {
    await page.goto(`${host.url}#/migrations`);
    await expect(page.getByRole('heading', { name: 'Migrations' })).toBeVisible();
    await expect(page.getByTestId('ledger')).toContainText('no drift');
    await expect(page.getByTestId('target-db')).toContainText('this workstation’s own database');

    // Not UTF-8: refused, nothing recorded.
    await page.getByLabel('SQL file').setInputFiles({ name: 'latin1.sql', mimeType: 'application/sql', buffer: Buffer.from([0x53, 0x45, 0x4c, 0xe9, 0x0a]) });
    await page.getByRole('button', { name: 'Lint and dry-run' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'not UTF-8' })).toBeVisible();
    await expect(page.getByTestId('sqlrun-latin1.sql')).toHaveCount(0);

    const sql = 'CREATE TABLE IF NOT EXISTS public.e2e_notes (id int PRIMARY KEY);\nALTER TABLE public.e2e_notes ADD COLUMN IF NOT EXISTS body text;\n';
    await page.getByLabel('SQL file').setInputFiles({ name: '0900_e2e_notes.sql', mimeType: 'application/sql', buffer: Buffer.from(sql) });
    await page.getByRole('button', { name: 'Lint and dry-run' }).click();
    const row = page.getByTestId('sqlrun-0900_e2e_notes.sql');
    await expect(row).toHaveAttribute('data-status', 'checked');
    await expect(page.getByTestId('statements')).toContainText('AccessExclusiveLock on e2e_notes');
    await expect(page.getByTestId('findings')).toContainText('prefer-bigint');

    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('button', { name: 'Apply in one transaction' })).toBeDisabled();
    await dialog.getByLabel('Database name').fill('mission_control');
    await dialog.getByRole('button', { name: 'Apply in one transaction' }).click();
    await expect(row).toHaveAttribute('data-status', 'applied');

    await page.getByRole('button', { name: 'Verify schema' }).click();
    await expect(page.getByTestId('verification-result')).toContainText('As expected');
    await expect(page.getByRole('link', { name: 'Export JSON' })).toBeVisible();
  });
});
