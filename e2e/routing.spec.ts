import type { Page } from '@playwright/test';
import { DEFAULT_DEMO_NODES, demoGrid } from '../src-main/services/grid/demo-grid';
import { type FakeRuntime, startFakeVllm } from '../src-main/runtimes/fake';
import { expect, test } from './fixtures';
import { type Host, startHealthyHost } from './host';
import { invoke } from './invoke';

/** Two active demo nodes in the Africa corridor at different sites (the demo grid is seeded, so this is stable). */
function africaNodes(): [string, string] {
  const { sites, nodes } = demoGrid(DEFAULT_DEMO_NODES);
  const picked: { hostname: string; site: string }[] = [];
  for (const n of nodes) {
    const site = sites.find((s) => s.key === n.siteKey);
    if (site?.corridorKey !== 'africa' || n.lifecycle !== 'active' || picked.some((p) => p.site === n.siteKey)) continue;
    picked.push({ hostname: n.hostname, site: n.siteKey });
    if (picked.length === 2) break;
  }
  return [picked[0]!.hostname, picked[1]!.hostname];
}

async function connect(page: Page, hostname: string, url: string, name: string) {
  await page.getByTestId('connect-runtime').click();
  const dialog = page.getByRole('dialog');
  // The whole option text, so "…-gpu01" never also matches "…-gpu010" on a larger grid.
  const value = await dialog.locator('select[aria-label=Node] option', { hasText: new RegExp(`^${hostname} \\(`) }).getAttribute('value');
  await dialog.locator('select[aria-label=Node]').selectOption(value!);
  await dialog.locator('input[name=baseUrl]').fill(url);
  await dialog.locator('input[name=name]').fill(name);
  await page.getByTestId('connect-submit').click();
  await expect(dialog).toHaveCount(0);
}

// Serial: each spec builds on the runtimes, policies and customers the ones before it made, on a host of
// their own: the worker's shared host may have been grown to 10,000 nodes by the nodes spec, and the
// connect dialog's node list then holds 10,000 options (a known limit of that dialog).
test.describe('runtimes, models, SLA and routing', () => {
  const fakes: FakeRuntime[] = [];
  const [nodeA, nodeB] = africaNodes();
  const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

  let host: Host;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    host = await startHealthyHost({ env: { MC_OPS_INTERVAL_MS: '3000' } });
    // Fast fakes: p95 well inside the enterprise target, so only the rules under test decide.
    for (let i = 0; i < 2; i++) fakes.push(await startFakeVllm({ models: [{ id: MODEL, maxModelLen: 131072 }], latencyBuckets: [[0.1, 60], [0.2, 100]] }));
  });
  test.afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await host?.stop();
  });

  test('connect a fake vLLM from the UI and see its model in the catalog; a bad address is refused plainly', async ({ page }) => {
    await page.goto(`${host.url}#/runtimes`);
    await expect(page.getByText('No runtime connected yet')).toBeVisible();
    await page.getByTestId('connect-runtime').click();
    await page.getByRole('dialog').locator('input[name=baseUrl]').fill('ftp://10.0.0.5/models');
    await page.getByTestId('connect-submit').click();
    await expect(page.getByTestId('form-error')).toContainText('http or https');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await connect(page, nodeA, fakes[0]!.url, 'africa vLLM A');
    const row = page.getByTestId('runtime-africa vLLM A');
    await expect(row).toContainText('vLLM');
    await expect(row).toContainText(MODEL);
    await expect(row.locator('[data-health]')).toHaveAttribute('data-health', 'healthy');
    await expect(row.locator('[data-circuit]')).toHaveText('Closed');

    await page.goto(`${host.url}#/models`);
    await expect(page.getByTestId(`model-${MODEL}`)).toContainText('131,072');
    await expect(page.getByTestId(`model-${MODEL}`).locator('[data-availability]')).toHaveText('available');
    await page.getByTestId(`model-${MODEL}`).getByRole('button', { name: 'Describe' }).click();
    await page.getByRole('dialog').locator('input[name=displayName]').fill('Llama 3.1 8B');
    await page.getByRole('dialog').locator('input[name=tier-pilot]').uncheck();
    await page.getByTestId('save-model').click();
    await expect(page.getByTestId(`model-${MODEL}`)).toContainText('Llama 3.1 8B');
    await expect(page.getByTestId(`model-${MODEL}`)).toContainText('Enterprise, Sovereign');
    await page.getByTestId('toggle-json').click();
    await expect(page.getByTestId('models-json')).toContainText('"object": "list"');
    await expect(page.getByTestId('models-json')).toContainText('"display_name": "Llama 3.1 8B"');
  });

  test('install SLA defaults and add customers', async ({ page }) => {
    await page.goto(`${host.url}#/sla`);
    await page.getByTestId('install-defaults').click();
    await expect(page.getByTestId('policy-enterprise-standard')).toContainText('800 ms');
    await page.getByTestId('new-sla-policy').click();
    const pd = page.getByRole('dialog');
    await pd.locator('input[name=key]').fill('africa-eu');
    await pd.locator('input[name=name]').fill('Africa with EU fallback');
    await pd.locator('select[name=failover]').selectOption('fallback_corridor');
    await page.getByTestId('save-sla-policy').click();
    await expect(pd).toContainText('Name a fallback corridor');
    await pd.locator('select[name=fallback]').selectOption({ label: 'EU' });
    await page.getByTestId('save-sla-policy').click();
    await expect(page.getByTestId('policy-africa-eu')).toContainText('Named fallback corridor → EU');
    for (const [key, name, home] of [
      ['kenya-health', 'Kenya Health', 'Africa'],
      ['berlin-bank', 'Berlin Bank', 'EU'],
    ] as const) {
      await page.getByTestId('new-customer').click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('input[name=key]').fill(key);
      await dialog.locator('input[name=name]').fill(name);
      await dialog.locator('select[name=home]').selectOption({ label: home });
      await page.getByTestId('save-customer').click();
      await expect(page.getByTestId(`customer-${key}`)).toContainText('Enterprise standard (tier default)');
    }
  });

  test('a simulation that picks a node is saved as evidence', async ({ page }) => {
    await page.goto(`${host.url}#/routing`);
    await page.locator('select[name=customer]').selectOption({ label: 'Kenya Health (enterprise, Africa)' });
    // A disabled Simulate says why next to it (and in its title): here, no origin country yet.
    await page.locator('input[name=model]').fill(MODEL);
    await expect(page.getByTestId('simulate')).toBeDisabled();
    await expect(page.getByTestId('simulate-why')).toHaveText('To simulate, type the request’s origin country (two letters, e.g. DE).');
    await expect(page.getByTestId('simulate')).toHaveAttribute('title', 'To simulate, type the request’s origin country (two letters, e.g. DE).');
    await page.locator('input[name=origin]').fill('k');
    await expect(page.getByTestId('simulate-why')).toContainText('two letters (“K” is not)');
    await page.locator('input[name=origin]').fill('ke');
    await expect(page.getByTestId('simulate-why')).toHaveCount(0);
    await expect(page.getByTestId('simulate')).toBeEnabled();
    await page.locator('input[name=evidence]').check();
    await page.getByTestId('simulate').click();
    await expect(page.getByTestId('decision')).toHaveAttribute('data-selected', 'yes');
    await expect(page.getByTestId('selected')).toContainText(nodeA);
    await expect(page.getByTestId('evidence-saved')).toBeVisible();
    await expect(page.getByTestId('decision-map').locator('[data-role=selected]')).toContainText('chosen');
    await expect(page.getByTestId('funnel')).toContainText('Eligible');
    await expect(page.getByTestId('decisions')).toContainText(nodeA);
    // A model id is one word: on a laptop's width it stays on one line (never broken at its
    // hyphens or slashes), whole here, and whole on hover wherever it would be cut.
    const oneLine = async (id: ReturnType<Page['getByTestId']>) => {
      await expect(id).toHaveText(MODEL);
      await expect(id).toHaveAttribute('title', MODEL);
      const box = await id.evaluate((e) => {
        const css = getComputedStyle(e);
        return { whiteSpace: css.whiteSpace, height: e.getBoundingClientRect().height, lineHeight: parseFloat(css.lineHeight) || parseFloat(css.fontSize) * 1.5, cut: e.scrollWidth > e.clientWidth };
      });
      expect(box.whiteSpace).toBe('nowrap');
      expect(box.height).toBeLessThan(box.lineHeight * 1.5);
      expect(box.cut).toBe(false);
    };
    for (const size of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
      await page.setViewportSize(size);
      await oneLine(page.getByTestId('decisions').getByTestId('decision-model').first());
    }
    // The same decision opened from the customer's page.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${host.url}#/customers`);
    await page.getByTestId('customer-row-kenya-health').click();
    await page.getByTestId('customer-decisions').locator('tbody tr').first().click();
    await oneLine(page.getByTestId('linked-decision-model'));
  });

  test('a simulation that cannot be served explains why', async ({ page }) => {
    await page.goto(`${host.url}#/routing`);
    await page.locator('select[name=customer]').selectOption({ label: 'Berlin Bank (enterprise, EU)' });
    await page.locator('input[name=model]').fill(MODEL);
    await page.locator('input[name=origin]').fill('DE');
    await page.getByTestId('simulate').click();
    await expect(page.getByTestId('decision')).toHaveAttribute('data-selected', 'no');
    await expect(page.getByTestId('explanation')).toHaveText(`No EU node serves ${MODEL}; 1 Africa node does, but the Enterprise standard failover rule keeps traffic in EU.`);
    // A request the engine refuses to route at all: the error, and no decision left from the one before.
    await page.locator('input[name=tokens]').fill('99999999');
    await page.getByTestId('simulate').click();
    await expect(page.getByTestId('simulation-error')).toContainText('estimated tokens');
    await expect(page.getByTestId('decision')).toHaveCount(0);
  });

  test('what if: a site goes down and its traffic moves to another', async ({ page }) => {
    await page.goto(`${host.url}#/runtimes`);
    await connect(page, nodeB, fakes[1]!.url, 'africa vLLM B');
    await expect(page.getByTestId('runtime-africa vLLM B').locator('[data-health]')).toHaveAttribute('data-health', 'healthy');
    await page.goto(`${host.url}#/routing`);
    // With A and B both up, which one leads for Kenya Health depends on the probes' figures; the
    // other is the fallback at the other site.
    await page.locator('select[name=customer]').selectOption({ label: 'Kenya Health (enterprise, Africa)' });
    await page.locator('input[name=model]').fill(MODEL);
    await page.locator('input[name=origin]').fill('KE');
    await page.getByTestId('simulate').click();
    await expect(page.getByTestId('decision')).toHaveAttribute('data-selected', 'yes');
    const chosen = (await page.getByTestId('selected').textContent()) ?? '';
    await expect(page.getByTestId('fallback')).toContainText(chosen.includes(nodeA) ? nodeB : nodeA);
    await expect(page.getByTestId('decision-map').locator('[data-role=fallback]')).toBeVisible();
    // A site goes down: Kenya Health's traffic moves to the other site if the downed one was leading.
    // The what-if routes each customer from its home corridor's default origin (not the KE typed
    // above), so which site leads there is the engine's choice: take A's site down, and if Kenya
    // Health's route is unchanged (B leads), B's site instead. One of the two must move it.
    const downSite = async (node: string) => {
      await page.locator('select[name=whatif-kind]').selectOption('site');
      const option = page.locator('select[name=whatif-target] option', { hasText: node.replace(/-gpu\d+$/, '').toUpperCase() });
      const value = (await option.getAttribute('value'))!;
      await page.locator('select[name=whatif-target]').selectOption(value);
      await page.getByTestId('run-what-if').click();
      // The answer for this site, not the one still on screen from the run before.
      const summary = page.locator(`[data-testid=what-if-summary][data-target="${value}"]`);
      await expect(summary).toContainText(/\d+ moved · \d+ no longer served · \d+ unchanged/);
      return ((await summary.textContent()) ?? '').replace(/^If .*? goes down: /, '');
    };
    let other = nodeB;
    if (!(await downSite(nodeA)).startsWith('1 moved')) {
      other = nodeA;
      await expect(page.getByTestId('what-if-summary')).toContainText(/0 moved · 0 no longer served · 1 unchanged/);
      expect(await downSite(nodeB)).toMatch(/^1 moved/);
    }
    const moved = page.getByTestId('what-if-rows').locator('tr[data-outcome=moved]');
    await expect(moved).toContainText('Kenya Health');
    await expect(moved).toContainText(other);
    await page.screenshot({ path: 'test-results/routing-view.png', fullPage: true });
  });

  test('an incident’s customer impact: what it names goes down in a what-if, opened from the incident', async ({ page }) => {
    await page.goto(`${host.url}#/incidents`);
    const { nodes } = await invoke<{ nodes: { id: string; hostname: string; lifecycle: string }[] }>(page, 'nodes.list', {});
    const lifecycles = async () => (await invoke<{ nodes: { id: string; lifecycle: string }[] }>(page, 'nodes.list', {})).nodes.map((n) => `${n.id}:${n.lifecycle}`).sort();
    const before = await lifecycles();
    const id = (hostname: string) => nodes.find((n) => n.hostname === hostname)!.id;
    // One incident per node: naming a node takes down its runtime (not its whole site). Which of
    // A and B leads for Kenya Health is the engine's choice, so one of the two moves its traffic
    // and the other moves nothing; both say so.
    const summaries: string[] = [];
    for (const node of [nodeA, nodeB]) {
      const { incident } = await invoke<{ incident: { id: string; ref: string } }>(page, 'incidents.create', {
        title: `GPU errors on ${node}`, severity: 'high', affected: [{ kind: 'node', id: id(node) }],
      });
      await page.goto(`${host.url}#/incidents/${incident.id}`);
      await expect(page.getByTestId('customer-impact')).toBeVisible();
      // By key, as a commander in an incident would.
      await page.keyboard.press('i');
      await expect(page).toHaveURL(/#\/routing$/);
      const summary = page.locator(`[data-testid=what-if-summary][data-target="${incident.id}"]`);
      await expect(summary).toContainText(`If what ${incident.ref} “GPU errors on ${node}” names (node ${node} (1 runtime)) goes down:`);
      await expect(summary).toContainText(/\d+ moved · \d+ no longer served · \d+ unchanged/);
      summaries.push(((await summary.textContent()) ?? '').replace(/^If .*? goes down: /, ''));
      // It is a what-if, and says how to act for real; the link leads back.
      await expect(page.getByTestId('what-if-incident')).toContainText('nothing was drained or moved');
      await page.getByTestId('what-if').getByRole('button', { name: 'Back to the incident' }).click();
      await expect(page).toHaveURL(new RegExp(`#/incidents/${incident.id}$`));
    }
    expect(summaries.filter((x) => x.startsWith('1 moved'))).toHaveLength(1);
    expect(summaries.filter((x) => x.startsWith('0 moved · 0 no longer served'))).toHaveLength(1);
    // A what-if: no node changed lifecycle.
    expect(await lifecycles()).toEqual(before);

    // A node with no runtime: nothing to move, and it says why instead of showing an empty answer as if checked.
    const idle = nodes.find((n) => n.hostname !== nodeA && n.hostname !== nodeB)!;
    const { incident } = await invoke<{ incident: { id: string; ref: string } }>(page, 'incidents.create', {
      title: `Fan failure on ${idle.hostname}`, severity: 'low', affected: [{ kind: 'node', id: idle.id }],
    });
    await page.goto(`${host.url}#/incidents/${incident.id}`);
    await page.getByTestId('customer-impact').click();
    await expect(page.locator(`[data-testid=what-if-summary][data-target="${incident.id}"]`)).toContainText(`(node ${idle.hostname} (no runtime)) goes down`);
    await expect(page.getByTestId('what-if-note')).toHaveText('1 node it names has no runtime connected, so no customer traffic runs there to move.');

    // An incident that names nothing: told what to do, and Routing is not opened.
    const bare = await invoke<{ incident: { id: string; ref: string } }>(page, 'incidents.create', { title: 'Customer reports slowness', severity: 'low' });
    await page.goto(`${host.url}#/incidents/${bare.incident.id}`);
    await page.getByTestId('customer-impact').click();
    await expect(page.getByText(`${bare.incident.ref} names no corridor, site or node yet`)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#/incidents/${bare.incident.id}$`));
  });

  test('an incident drains the node it names and puts it back, each step on its timeline', async ({ page }) => {
    await page.goto(`${host.url}#/incidents`);
    const { nodes } = await invoke<{ nodes: { id: string; hostname: string }[] }>(page, 'nodes.list', {});
    const a = nodes.find((n) => n.hostname === nodeA)!;
    const lifecycle = async () => (await invoke<{ nodes: { id: string; lifecycle: string }[] }>(page, 'nodes.list', {})).nodes.find((n) => n.id === a.id)!.lifecycle;
    const { incident } = await invoke<{ incident: { id: string; ref: string } }>(page, 'incidents.create', {
      title: `Thermal throttling on ${nodeA}`, severity: 'high', affected: [{ kind: 'node', id: a.id }],
    });
    await page.goto(`${host.url}#/incidents/${incident.id}`);

    // Drain: the dialog lists what would move before anything does.
    await page.getByTestId('drain-button').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText(`${incident.ref}: drain 1 node`);
    await expect(dialog.getByTestId('drain-nodes')).toContainText(nodeA);
    expect(await lifecycle()).toBe('active');
    await dialog.getByTestId('reason').fill('x');
    await dialog.getByTestId('reason-submit').click();
    await expect(dialog).toContainText('at least 3 characters');
    expect(await lifecycle()).toBe('active');
    await dialog.getByTestId('reason').fill('Thermal throttling: move its traffic');
    await dialog.getByTestId('reason-submit').click();
    await expect(dialog).toHaveCount(0);
    expect(await lifecycle()).toBe('draining');
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText('Nodes drained');
    await expect(timeline).toContainText(`1 node: ${nodeA}`);
    await expect(timeline).toContainText('Thermal throttling: move its traffic');

    // Nothing more to drain: the dialog says so and offers no button that would act.
    await page.getByTestId('drain-button').click();
    await expect(page.getByTestId('drain-blocked')).toContainText('names no active node');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // Put back.
    await page.getByTestId('restore-button').click();
    await expect(page.getByRole('dialog')).toContainText(`${incident.ref}: put 1 node back into service`);
    await page.getByRole('dialog').getByTestId('reason').fill('Cooling fixed');
    await page.getByRole('dialog').getByTestId('reason-submit').click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    expect(await lifecycle()).toBe('active');
    await expect(timeline).toContainText('Nodes put back into service');
  });
});
