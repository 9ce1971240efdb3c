import type { Page } from '@playwright/test';
import { expect, type Host, test } from './fixtures';

const unique = (what: string) => `${what} ${Date.now().toString(36)}`;

/** The built-ins are installed by the workstation's ops clock when it connects: reload until they are there. */
async function openRunbooks(page: Page, host: Host) {
  await page.goto(`${host.url}#/runbooks`);
  await expect(async () => {
    await page.keyboard.press('r');
    await expect(page.getByTestId('runbook-system-down')).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

const entries = (page: Page, kind: string) => page.locator(`[data-testid=timeline-entry][data-kind=${kind}]`);

test.describe('runbooks', () => {
  test('the built-in runbooks show each step’s live facts and the link to where its action is done', async ({ page, host }) => {
    await openRunbooks(page, host);
    for (const key of ['system-down', 'data-loss', 'security-breach', 'db-pool-exhausted', 'high-queue-backlog']) await expect(page.getByTestId(`runbook-${key}`)).toBeVisible();
    await page.getByTestId('runbook-system-down').getByRole('link').click();
    const rb = page.getByTestId('runbook-page');
    await expect(rb.getByTestId('runbook-title')).toHaveText('System down');
    const status = rb.getByTestId('rb-step-check-status');
    await expect(status.getByTestId('fact-status')).toContainText('Component status');
    await expect(status.getByTestId('action-status')).toHaveAttribute('href', '#/status');
    await expect(rb.getByTestId('rb-step-rollback').getByTestId('action-deployments')).toContainText('Roll back the last deployment');

    // Rotate-all lives in the credentials view, built on another branch: named, not linked, until merged.
    await page.goto(`${host.url}#/runbooks`);
    await page.getByTestId('runbook-security-breach').getByRole('link').click();
    const rotate = page.getByTestId('rb-step-rotate');
    await expect(rotate.getByTestId('fact-access-log')).toBeVisible();
    await expect(rotate.locator('[data-testid=action-credentials], [data-testid=action-missing-credentials]')).toContainText('Rotate all credentials');
  });

  test('a runbook followed from an incident: each step recorded lands on its timeline; a skip without a reason records nothing', async ({ page, host }) => {
    await openRunbooks(page, host);
    const title = unique('EU corridor serves nothing');
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    const create = page.getByRole('dialog', { name: 'Open an incident' });
    await create.locator('input[name=title]').fill(title);
    await create.getByRole('radio', { name: /Critical/ }).check();
    await create.getByTestId('create-incident').click();
    const detail = page.getByTestId('incident-detail');
    await expect(detail.getByTestId('incident-title')).toHaveText(title);

    const panel = detail.getByTestId('incident-runbooks');
    await expect(panel).toContainText('No runbook followed.');
    await expect(panel.getByTestId('follow-runbook')).toBeVisible();
    // Keyboard first: f on an open incident opens the same dialog as the button.
    await page.keyboard.press('f');
    const choose = page.getByRole('dialog', { name: 'Follow a runbook' });
    const value = await choose.locator('option', { hasText: /^System down / }).getAttribute('value');
    // The list is loaded, and nothing is picked for the commander: Follow waits for a choice (no
    // runbook followed by one keypress).
    await expect(choose.getByTestId('follow-choose')).toHaveValue('');
    await expect(choose.getByTestId('follow-confirm')).toBeDisabled();
    await choose.getByTestId('follow-choose').selectOption(value!);
    await choose.getByTestId('follow-confirm').click();
    await expect(entries(page, 'runbook_followed')).toContainText('“System down” version');

    const check = panel.getByTestId('run-step-check-status');
    await expect(check.getByTestId('fact-status')).toBeVisible();
    await check.getByTestId('step-done-check-status').click();
    await expect(check).toHaveAttribute('data-outcome', 'done');
    await expect(check).toContainText('Facts as seen when recorded:');
    await expect(entries(page, 'runbook_step')).toHaveCount(1);
    await expect(entries(page, 'runbook_step').first()).toContainText('System down · Check component status: done');

    // Bad input: a skip needs a reason; too short is refused in the dialog and nothing is recorded.
    const review = panel.getByTestId('run-step-review-changes');
    await review.getByTestId('step-skip-review-changes').click();
    const skip = page.getByRole('dialog', { name: /Skip “Review recent changes”/ });
    await skip.locator('textarea').fill('no');
    await skip.getByRole('button', { name: 'Skip step' }).click();
    await expect(skip).toContainText('at least 3 characters');
    await expect(review).toHaveAttribute('data-outcome', 'open');
    await expect(entries(page, 'runbook_step')).toHaveCount(1);

    await skip.locator('textarea').fill('Nothing changed in the last day');
    await skip.getByRole('button', { name: 'Skip step' }).click();
    await expect(review).toHaveAttribute('data-outcome', 'skipped');
    await expect(entries(page, 'runbook_step')).toHaveCount(2);
    await expect(entries(page, 'runbook_step').nth(1)).toContainText('Review recent changes: skipped');
    await expect(entries(page, 'runbook_step').nth(1)).toContainText('Nothing changed in the last day');
  });

  test('an admin’s edit with a bad step marker cannot be saved; a good one becomes the next version', async ({ page, host }) => {
    await openRunbooks(page, host);
    await page.getByTestId('runbook-high-queue-backlog').getByRole('link').click();
    const rb = page.getByTestId('runbook-page');
    const before = Number(await rb.getAttribute('data-version'));
    await rb.getByTestId('edit-runbook').click();
    const source = page.getByTestId('runbook-source');
    const text = await source.inputValue();
    await source.fill(text.replace('@facts queue, status', '@facts queue, weather'));
    await expect(page.getByTestId('marker-errors')).toContainText('Unknown fact “weather”');
    await expect(page.getByTestId('save-runbook')).toBeDisabled();

    const marker = unique('Checked by the NOC');
    await source.fill(`${text}\n${marker}\n`);
    await expect(page.getByTestId('marker-errors')).toHaveCount(0);
    await expect(page.getByTestId('runbook-preview')).toContainText(marker);
    await page.getByTestId('save-runbook').click();
    await expect(rb).toHaveAttribute('data-version', String(before + 1));
    await expect(rb.getByTestId(`version-${before + 1}`)).toContainText('current');
    await expect(rb.getByTestId('rb-step-rate-limit')).toContainText(marker);
  });
});
