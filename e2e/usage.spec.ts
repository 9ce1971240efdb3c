import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { ownerOf, serve } from './gateway-traffic';
import { expect, test } from './fixtures';

test.describe('usage', () => {
  test.describe.configure({ mode: 'serial' });
  let owner: pg.Client;
  let orgId = '';
  let customerId = '';
  let runtimeId = '';

  test.afterAll(async () => {
    await owner?.end();
  });

  test('with no gateway traffic: says where usage comes from, and that nothing is reconciled yet', async ({ page, host }) => {
    owner = await ownerOf(host);
    // The host's signed-in org (the demo org) and a runtime of it; a customer made the way Customers would.
    orgId = (await owner.query<{ id: string }>('SELECT id FROM mc.orgs WHERE simulated ORDER BY created_at LIMIT 1')).rows[0]!.id;
    // A runtime to have served from (disabled: the host's prober leaves it alone).
    // The demo agent provisions the demo grid once the host is up: wait for a node.
    let node: string | undefined;
    await expect
      .poll(async () => (node = (await owner.query<{ id: string }>('SELECT id FROM mc.nodes WHERE org_id = $1 ORDER BY hostname LIMIT 1', [orgId])).rows[0]?.id), { timeout: 60_000 })
      .toBeTruthy();
    runtimeId = (
      await owner.query<{ id: string }>(
        `INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, enabled) VALUES ($1, $2, 'e2e vLLM', 'vllm', 'http://10.99.0.1:8000', 'vllm', false) RETURNING id`,
        [orgId, node],
      )
    ).rows[0]!.id;
    await page.goto(`${host.url}#/usage`);
    await expect(page.getByRole('heading', { name: 'Usage', exact: true })).toBeVisible();
    await expect(page.getByTestId('usage-empty')).toContainText('No metered usage in this period');
    await expect(page.getByTestId('usage-empty')).toContainText('npm run gateway');
    await expect(page.getByTestId('reconciliation-empty')).toContainText('No reconciliation yet');
  });

  test('totals per customer and model, simulated traffic labelled and left out on request, CSV of what is shown', async ({ page, host }) => {
    const corridor = (await owner.query<{ id: string }>('SELECT id FROM mc.corridors WHERE org_id = $1 ORDER BY name LIMIT 1', [orgId])).rows[0]!.id;
    customerId = (
      await owner.query<{ id: string }>(
        `INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, committed_requests_per_min, committed_tokens_per_min) VALUES ($1, 'e2e-usage', 'E2E Usage Co', 'enterprise', $2, 1, 100) RETURNING id`,
        [orgId, corridor],
      )
    ).rows[0]!.id;
    await serve(owner, { orgId, customerId, runtimeId, model: 'llama-3.1-8b', prompt: 100, completion: 200 });
    await serve(owner, { orgId, customerId, runtimeId, model: 'llama-3.1-8b', prompt: 100, completion: 200 });
    await serve(owner, { orgId, customerId, runtimeId, model: 'qwen2.5-7b', prompt: 50, completion: 50, simulated: true });
    await serve(owner, { orgId, customerId, runtimeId: null });

    await page.goto(`${host.url}#/usage`);
    const totals = page.getByTestId('usage-totals');
    await expect(totals).toContainText('3 metered requests · 700 tokens');
    await expect(totals).toContainText('1 refused of 4 answered');
    await expect(totals.getByText('1 simulated')).toBeVisible();
    await expect(page.getByTestId('top-consumers')).toContainText('E2E Usage Co 700 tokens');
    const row = page.getByTestId('usage-customers-row').filter({ hasText: 'E2E Usage Co' });
    // Peak 3 requests and 700 tokens in one minute, against 1 and 100 committed: flagged.
    await expect(row).toContainText('Enterprise');
    await expect(row.locator('.err')).toHaveCount(2);
    // Sixteen columns still fit a laptop screen: nothing wider than the window.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: test.info().outputPath('usage-customers-1280.png') });
    await page.getByTestId('usage-tab-models').click();
    await expect(page.getByTestId('usage-models-row')).toHaveCount(2);
    await expect(page.getByTestId('usage-models-row').first()).toContainText('llama-3.1-8b');

    const download = page.waitForEvent('download');
    await page.getByTestId('usage-export').click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Model,Requests,Prompt tokens,Completion tokens,Total tokens,Simulated,Estimated');
    expect(csv).toContain('llama-3.1-8b,2,200,400,600,0,0');
    expect(csv).toContain('qwen2.5-7b,1,50,50,100,1,0');

    await page.getByTestId('usage-simulated').uncheck();
    await expect(totals).toContainText('2 metered requests · 600 tokens');
    await expect(totals).toContainText('simulated traffic left out');
    await expect(page.getByTestId('usage-models-row')).toHaveCount(1);
    await page.getByTestId('usage-simulated').check();
  });

  test('reconciling today flags a served request that was never metered, with its likely cause, and keeps the record', async ({ page, host }) => {
    const lost = await serve(owner, { orgId, customerId, runtimeId, metered: false });
    await page.goto(`${host.url}#/usage`);
    await page.getByTestId('usage-reconcile').click();
    await expect(page).toHaveURL(/#\/usage\/[0-9a-f-]{36}$/);
    const detail = page.getByTestId('reconciliation-detail');
    await expect(detail.getByText('Discrepancy', { exact: true })).toBeVisible();
    const finding = detail.getByTestId('finding-request_without_usage');
    await expect(finding).toContainText('Request without usage event');
    await expect(finding).toContainText('metering spool has not drained yet, or the gateway crashed');
    await expect(finding).toContainText(lost);
    await expect(detail.getByTestId('recon-windows-row').filter({ hasText: 'discrepancy' })).toHaveCount(1);
    const id = page.url().split('/').pop()!;
    await expect(page.getByTestId(`recon-${id}`)).toContainText('Discrepancy');
    await page.screenshot({ path: test.info().outputPath('usage-reconciliation.png'), fullPage: true });
    // The record survives a reload, found by its address.
    await page.reload();
    await expect(page.getByTestId('reconciliation-detail').getByTestId('finding-request_without_usage')).toBeVisible();
  });

  test('at 1280×720 customers whose names share a start can be told apart: tier and figures whole, every cut name whole on hover', async ({ page, host }) => {
    const corridor = (await owner.query<{ id: string }>('SELECT id FROM mc.corridors WHERE org_id = $1 ORDER BY name LIMIT 1', [orgId])).rows[0]!.id;
    const names = ['E2E Usage Layout Customer North America (pilot)', 'E2E Usage Layout Customer APAC (pilot)'];
    for (const [i, name] of names.entries()) {
      const id = (
        await owner.query<{ id: string }>(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, $2, $3, 'enterprise', $4) RETURNING id`, [orgId, `e2e-usage-layout-${i}`, name, corridor])
      ).rows[0]!.id;
      await serve(owner, { orgId, customerId: id, runtimeId, prompt: 1234, completion: 4321 });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${host.url}#/usage`);
    for (const name of names) {
      const cells = page.getByTestId('usage-customers-row').filter({ hasText: name }).getByRole('cell');
      await expect(cells.first()).toHaveAttribute('title', name);
      await expect(cells.nth(1)).toHaveText('Enterprise');
      // Every cell shows its whole text, or (a name) has it on hover.
      const cut = await cells.evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1 && !e.getAttribute('title')).map((e) => e.textContent));
      expect(cut, `cells cut without their text on hover: ${cut.join(', ')}`).toEqual([]);
      const tier = await cells.nth(1).evaluate((e) => e.scrollWidth - e.clientWidth);
      expect(tier, 'the tier is cut').toBeLessThanOrEqual(1);
    }
    await page.screenshot({ path: test.info().outputPath('usage-customers-1280x720.png') });
  });

  test('a period that ends before it starts is named in the days typed, and no other period\'s figures stay beside the error', async ({ page, host }) => {
    await page.goto(`${host.url}#/usage`);
    await expect(page.getByTestId('usage-totals')).toBeVisible();
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From (UTC day)').fill(day(0));
    await page.getByLabel('To (UTC day)').fill(day(-1));
    await page.getByTestId('usage-apply').click();
    await expect(page.getByTestId('usage-view').getByRole('alert')).toContainText(`From (${day(0)}) is after To (${day(-1)})`);
    await expect(page.getByTestId('usage-totals')).toHaveCount(0);
    await expect(page.getByTestId('usage-customers-row')).toHaveCount(0);
    // This month again: the figures come back.
    await page.getByRole('button', { name: 'This month' }).click();
    await expect(page.getByTestId('usage-totals')).toBeVisible();
    await expect(page.getByTestId('usage-view').getByRole('alert')).toHaveCount(0);
  });
});
