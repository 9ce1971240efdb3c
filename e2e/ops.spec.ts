import { expect, test } from './fixtures';

test.describe('alerts, observability and the operator screen', () => {
  test('a rule created in the UI fires and opens an incident, shown on the operator screen', async ({ page, host }) => {
    await page.goto(`${host.url}#/alerts`);
    await expect(page.getByTestId('evaluation')).toHaveAttribute('data-stale', 'false', { timeout: 30_000 });
    await expect(page.getByTestId('rules')).toContainText('P95 latency critical');
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('Any latency at all');
    await dialog.locator('select[name=scopeKind]').selectOption('all');
    await dialog.locator('input[name=threshold]').fill('-5');
    await expect(dialog.locator('.field.invalid').filter({ hasText: 'Threshold' })).toContainText('between 0 and 3,600,000 ms');
    await dialog.locator('input[name=threshold]').fill('1');
    await dialog.locator('input[name=for]').fill('0');
    await dialog.locator('input[name=openIncident]').check();
    await dialog.locator('select[name=incidentSeverity]').selectOption('medium');
    await expect(page.getByTestId('rule-preview')).toHaveText('Fires when P95 latency (P95, the whole grid) > 1 ms.');
    await page.getByTestId('save-rule').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('rule-Any latency at all')).toBeVisible();

    const firing = page.getByTestId('active-alerts').locator('tr', { hasText: 'Any latency at all' });
    await expect(firing.locator('[data-state=firing]')).toBeVisible({ timeout: 30_000 });
    const ref = (await firing.getByRole('button', { name: /^INC-\d+$/ }).textContent())!;
    await expect(page.getByTestId('alert-history')).toContainText('Any latency at all');

    await page.goto(`${host.url}#/operator`);
    await expect(page.getByTestId('op-firing')).toContainText('Any latency at all');
    await expect(page.getByTestId('op-firing')).toContainText(ref);

    // Switch it off again: its alerts end, the incident it opened stays for people to close.
    await page.goto(`${host.url}#/alerts`);
    await page.getByTestId('rule-Any latency at all').getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('reason').fill('e2e check done');
    await page.getByTestId('reason-submit').click();
    await expect(page.getByTestId('rule-Any latency at all')).toHaveCount(0);
    await expect(page.getByTestId('active-alerts')).not.toContainText('Any latency at all');
  });

  test('observability shows the four scores per corridor, the nodes behind a score, and charts', async ({ page, host }) => {
    test.setTimeout(120_000);
    await page.goto(`${host.url}#/observability`);
    const scores = page.getByTestId('scores');
    for (const name of ['grid', 'APAC', 'Africa', 'EU', 'MENA', 'North America']) {
      await expect(scores.getByTestId(`scores-${name}`)).toBeVisible();
    }
    await expect(page.getByTestId('scores-grid-health').locator('.value')).toHaveText(/^\d{1,3}$/);
    await page.getByTestId('scores-EU-security').click();
    const drill = page.getByTestId('drilldown');
    await expect(drill).toContainText('Security of EU');
    await expect(drill).toContainText('mean of');
    await page.keyboard.press('1');
    await expect(drill).toContainText('Health of EU');
    await expect(drill).toContainText('healthy + ½ ×');
    // The demo's hour of history becomes per-minute figures within a minute or so.
    await expect.poll(async () => Number(await page.getByTestId('chart-latency').getAttribute('data-points')), { timeout: 90_000, intervals: [2000] }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Last day' }).click();
    await expect(page.getByRole('button', { name: 'Last day' })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByText('Five-minute points are the mean')).toBeVisible();
    // No HTTP door runs beside the demo: the telemetry queue is empty and says how dead letters arrive.
    await expect(page.getByTestId('dead-letter-count')).toHaveText('0 dead letters');
    await expect(page.getByTestId('queue-depth')).toHaveText('0 batches waiting');
    await expect(page.getByTestId('queue-processing')).toHaveText('no queued batch written in the last 15 min');
    await expect(page.getByTestId('dead-letters-empty')).toContainText('npm run ingest-server');
  });

  test('the operator screen puts the shift on one page and starts today’s checklist', async ({ page, host }) => {
    // The newest audit event (whatever other specs in this host did last) is among the recent changes.
    await page.goto(`${host.url}#/audit`);
    const newest = (await page.locator('[data-testid^=audit-row-]').first().getByRole('cell').first().textContent())!.trim();
    expect(Number(newest)).toBeGreaterThan(0);
    await page.goto(`${host.url}#/operator`);
    for (const id of ['op-incidents', 'op-firing', 'op-corridors', 'op-checklist', 'op-audit']) await expect(page.getByTestId(id)).toBeVisible();
    // Other specs in the same host may add corridors; the five demo corridors are always there.
    for (const name of ['APAC', 'Africa', 'EU', 'MENA', 'North America']) await expect(page.getByTestId(`op-corridor-${name}`)).toBeVisible();
    await expect(page.getByTestId('op-audit')).toContainText(`#${newest}`);
    await page.keyboard.press('d');
    await expect(page).toHaveURL(/#\/checklists\/[0-9a-f-]{36}$/);
    await page.goto(`${host.url}#/operator`);
    await expect(page.getByTestId('op-checklist')).toContainText('of 6 done');
  });
});
