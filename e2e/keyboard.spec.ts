import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/**
 * The operator's most frequent paths with the keyboard alone: no click, no fill(). Page
 * addresses are typed as a person would bookmark them. Each wait is on state, never on time.
 */

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

/** Press `key` until `done` holds (a list walked with j), at most `max` times. */
async function pressUntil(page: Page, key: string, done: () => Promise<boolean>, max = 40) {
  for (let i = 0; i < max && !(await done()); i++) await page.keyboard.press(key);
  expect(await done()).toBe(true);
}

test.describe('keyboard only', () => {
  test('? lists the keys of the service views: customers, runtimes, models, routing', async ({ page, host }) => {
    await page.goto(`${host.url}#/customers`);
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const row of ['Customers: New customer', 'Customers: Change the org request limit (admins)', 'Customers: Edit the open customer', 'Runtimes: Connect a runtime', 'Models: Show / hide the catalog as OpenAI JSON', 'Routing: Simulate the request']) {
      await expect(help.getByRole('row').filter({ hasText: row })).toHaveCount(1);
    }
    await page.keyboard.press('Escape');
    await expect(help).toHaveCount(0);
  });

  test('nodes: / search, Enter moves to the results with the first match selected, Enter opens it', async ({ page, host }) => {
    await page.goto(`${host.url}#/nodes`);
    await expect(page.getByTestId('nodes-count')).toHaveText(/400 nodes/);
    await page.keyboard.press('/');
    await page.keyboard.type('fra-01-gpu0');
    await expect(page.getByTestId('nodes-count')).toHaveText(/^9 of \d+ nodes$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('nodes-scroller');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('node-detail')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'fra-01-gpu02' })).toBeVisible();
  });

  test('set state: a number picks the state and moves to the reason, so typing "DXB-01" does not change it again; the declared state cannot be applied again', async ({ page, host }) => {
    await page.goto(host.url);
    const row = page.getByTestId('component-runtime.openai');
    await expect(row).toBeVisible();
    await pressUntil(page, 'j', async () => (await row.getAttribute('aria-selected')) === 'true');
    await page.keyboard.press('Enter');
    await page.keyboard.press('3');
    await expect.poll(() => focusedTestId(page)).toBe('state-reason');
    await page.keyboard.type('DXB-01 and RUH-1 gateways slow');
    await expect(page.getByRole('radio', { name: /Degraded performance/ })).toBeChecked();
    await page.keyboard.press('Control+Enter');
    await expect(row).toContainText('Degraded performance');
    // The declared state again: nothing to apply (a no-op is no transition).
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('apply-state')).toBeDisabled();
    // Back, by keyboard too.
    await page.keyboard.press('1');
    await page.keyboard.type('Gateways at 120 ms again since 10:15 UTC');
    await page.keyboard.press('Control+Enter');
    await expect(row).toContainText('Operational declared');
  });

  test('incidents: open one, acknowledge and start the response in one step; Enter on the list opens the first incident', async ({ page, host }) => {
    const title = `Keyboard-only incident ${Date.now().toString(36)}`;
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    await expect(page.getByRole('dialog', { name: 'Open an incident' })).toBeVisible();
    await page.keyboard.type(title);
    await page.keyboard.press('Control+Enter');
    const detail = page.getByTestId('incident-detail');
    await expect(detail.getByTestId('incident-title')).toHaveText(title);
    await expect(detail).toHaveAttribute('data-state', 'triage');

    await page.keyboard.press('a');
    await expect.poll(() => focusedTestId(page)).toBe('ack-note');
    await page.keyboard.type('Mine, from the keyboard');
    await pressUntil(page, 'Tab', async () => (await focusedTestId(page)) === 'ack-start', 10);
    await page.keyboard.press('Space');
    await expect(page.getByTestId('ack-start')).toBeChecked();
    await page.keyboard.press('Control+Enter');
    await expect(detail).toHaveAttribute('data-state', 'active');
    await expect(detail.getByTestId('incident-acknowledged')).toContainText('by ');

    await page.goto(`${host.url}#/incidents`);
    const first = page.getByTestId('incident-list').locator('[data-incident-id]').first();
    await expect(first).toHaveAttribute('aria-selected', 'true');
    const firstId = await first.getAttribute('data-incident-id');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('incident-detail')).toBeVisible();
    expect(page.url()).toContain(firstId!);
  });

  test('palette: start today’s daily checklist, and run telemetry validation on the open node', async ({ page, host }) => {
    const palette = async (text: string) => {
      await page.keyboard.press('Control+k');
      await page.keyboard.type(text);
      await expect(page.getByRole('option').first()).toBeVisible();
      await page.keyboard.press('Enter');
    };
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await palette('start today’s daily checklist');
    await expect(page).toHaveURL(/#\/checklists\/[0-9a-f-]{36}$/);

    await page.goto(`${host.url}#/nodes`);
    await expect(page.getByTestId('nodes-count')).toHaveText(/400 nodes/);
    await page.keyboard.press('/');
    await page.keyboard.type('sin-01-gpu01');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'sin-01-gpu01' })).toBeVisible();
    await palette('run telemetry validation');
    await expect(page.getByText(/Telemetry validation (passed|failed): valid key/)).toBeVisible();
  });

  test('palette: export an evidence bundle from anywhere; the shortcut list names the keys of Backups, Advisories and Credentials', async ({ page, host }) => {
    await page.goto(`${host.url}#/status`);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await page.keyboard.press('Control+k');
    await page.keyboard.type('export an evidence bundle');
    await expect(page.getByRole('option').first()).toContainText('Export an evidence bundle');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/audit$/);
    await expect(page.getByRole('dialog', { name: 'Export evidence bundle' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await page.keyboard.press('?');
    const help = page.getByRole('dialog');
    for (const line of ['Backups: Back up now (admins)', 'Advisories: Scan now', 'Credentials: Rotate all, or resume the open run (admins)', 'Audit log: Read the selected event in full']) {
      await expect(help).toContainText(line);
    }
  });

  test('topology graph: Tab reaches each box, + expands and − collapses it, Enter selects it for the map and the site panel', async ({ page, host }) => {
    // The first layout starts ELK's worker: on a loaded machine over 30 s (see layout.spec).
    test.setTimeout(150_000);
    await page.goto(`${host.url}#/network`);
    const graph = page.getByTestId('network-graph');
    await expect(graph).toHaveAttribute('data-laying', 'false', { timeout: 100_000 });
    await expect(page.getByTestId('gn-corridor-EU')).toBeVisible();
    const focusedBox = () => page.evaluate(() => document.activeElement?.closest('.react-flow__node')?.getAttribute('aria-label') ?? null);
    // Tab from the page into the graph, then box to box until the EU corridor has focus.
    await pressUntil(page, 'Tab', async () => /^Corridor EU:/.test((await focusedBox()) ?? ''), 80);
    expect(await focusedBox()).toContain('Press plus to expand');
    await page.keyboard.press('+');
    await expect(page.getByTestId('gn-corridor-EU')).toHaveAttribute('data-expanded', 'true');
    await expect(page.getByTestId('gn-site-AMS-01 Amsterdam')).toBeVisible();
    await expect(graph).toHaveAttribute('data-laying', 'false');
    // Focus stays on the corridor through the new layout: − folds it again, + opens it again.
    expect(await focusedBox()).toMatch(/^Corridor EU:.*Press minus to collapse/);
    await page.keyboard.press('-');
    await expect(page.getByTestId('gn-corridor-EU')).toHaveAttribute('data-expanded', 'false');
    await expect(page.getByTestId('gn-site-AMS-01 Amsterdam')).toHaveCount(0);
    await expect(graph).toHaveAttribute('data-laying', 'false');
    await page.keyboard.press('+');
    await expect(page.getByTestId('gn-site-AMS-01 Amsterdam')).toBeVisible();
    await expect(graph).toHaveAttribute('data-laying', 'false');
    // Tab goes on into what it opened; Enter selects the site for the whole view.
    await pressUntil(page, 'Tab', async () => /^Site AMS-01 Amsterdam:/.test((await focusedBox()) ?? ''), 40);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('site-panel')).toContainText('AMS-01 Amsterdam');
    await expect(page.getByTestId('gn-site-AMS-01 Amsterdam')).toHaveClass(/selected/);
    await expect(page.getByTestId('network-map')).toHaveAttribute('data-selected', /.+/);
  });
});
