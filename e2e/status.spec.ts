import { expect, test } from './fixtures';

test.describe('status view', () => {
  test('renders the components stored in the database, with the roll-up', async ({ page, host }) => {
    await page.goto(host.url);
    await expect(page.getByTestId('rollup')).toBeVisible();
    // The demo's twelve, plus one corridor component for each corridor other specs in this host
    // added (every corridor gets one).
    const rows = page.getByRole('table', { name: 'Components' }).locator('tr.row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(12);
    const extra = (await rows.count()) - 12;
    await expect(page.locator('[data-testid^="component-corridor."]')).toHaveCount(5 + extra);
    const expected: [string, string][] = [
      ['corridor.apac', 'APAC corridor'],
      ['corridor.africa', 'Africa corridor'],
      ['corridor.eu', 'EU corridor'],
      ['corridor.mena', 'MENA corridor'],
      ['corridor.na', 'North America corridor'],
      ['database', 'Control-plane database'],
      ['telemetry', 'Telemetry pipeline'],
      ['routing', 'Routing'],
      ['runtime.vllm', 'vLLM runtimes'],
    ];
    for (const [key, name] of expected) {
      await expect(page.getByTestId(`component-${key}`)).toContainText(name);
    }
    await expect(page.getByTestId('who')).toContainText('Ada Okafor');
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-state', 'live');
    // The token leaves the address bar once the page has it.
    expect(page.url()).not.toContain('token=');
  });

  test('a change made in one browser appears in a second within 2 seconds', async ({ browser, host }) => {
    const a = await (await browser.newContext()).newPage();
    const b = await (await browser.newContext()).newPage();
    await Promise.all([a.goto(host.url), b.goto(host.url)]);
    // Nothing probes the Ollama runtimes yet: they say "no data" until someone declares a state.
    const rowB = b.getByTestId('component-runtime.ollama');
    await expect(rowB.getByTestId('effective')).toContainText('No data');

    await a.getByTestId('component-runtime.ollama').click();
    await a.keyboard.press('Enter');
    await a.keyboard.press('5');
    await a.getByTestId('state-reason').fill('Ollama hosts unreachable from the gateway since 14:05 UTC');
    await a.keyboard.press('Control+Enter');
    await expect(a.getByTestId('component-runtime.ollama').getByTestId('effective')).toContainText('Major outage');
    // How fast the second window sees it is measured in `npm run bench` (live-update), not here.
    await expect(rowB.getByTestId('effective')).toContainText('Major outage');
    // Shown as declared, beside what the records compute.
    await expect(rowB.getByTestId('effective')).toHaveAttribute('data-basis', 'declared');
    await expect(rowB.getByTestId('declared')).toContainText('Major outage declared by');
    await expect(rowB.getByTestId('computed')).toContainText('No data');
    await expect(b.getByTestId('rollup')).toHaveAttribute('data-state', 'major_outage');
    await expect(b.getByTestId('incident-level')).toContainText(/\d+ incident-level components? (is|are) active/);
  });

  test('records who, when and why, linked to the audit event', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('component-runtime.tgi').click();
    await page.getByRole('button', { name: 'Set state…' }).click();
    await page.getByRole('radio', { name: /Degraded performance/ }).check();
    await page.getByTestId('state-reason').fill('TGI p95 at 780 ms after model swap');
    await page.getByTestId('apply-state').click();
    const history = page.getByTestId('history');
    // Nothing was declared before: the first declaration replaces none.
    await expect(history).toContainText('Degraded performance');
    await expect(history).toContainText('TGI p95 at 780 ms after model swap');
    await history.getByRole('link', { name: /audit #\d+/ }).click();
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await expect(page.getByRole('row', { name: /TGI p95 at 780 ms after model swap/ })).toBeVisible();
    await page.getByTestId('verify-chain').click();
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('verdict')).toContainText('Chain intact');
  });

  test('a reason is required, and nothing changes without one', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('component-routing').click();
    await page.keyboard.press('e');
    await page.keyboard.press('4');
    await page.getByTestId('apply-state').click();
    await expect(page.getByText('Say why, in a few words')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('component-routing').getByTestId('effective')).toContainText('No data');
    await expect(page.getByTestId('component-routing').getByTestId('declared')).toContainText('nothing declared');
  });
});

test.describe('app shell', () => {
  test('command palette and keyboard shortcuts reach every view', async ({ page, host }) => {
    await page.goto(host.url);
    await expect(page.getByTestId('rollup')).toBeVisible();
    await page.keyboard.press('Control+k');
    await page.getByPlaceholder(/^Type a command, a view/).fill('connections');
    await expect(page.getByRole('option', { name: /Connections/ }).first()).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Connections' })).toBeVisible();
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await page.keyboard.press('Alt+1');
    await expect(page.getByRole('heading', { name: 'Status' })).toBeVisible();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(help).toBeVisible();
    // Taller than the window in full: its body scrolls, and Close stays on screen.
    await expect(help.getByRole('button', { name: 'Close' })).toBeInViewport();
    await page.keyboard.press('Escape');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.keyboard.press('Alt+t');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  });

  test('the palette opens a new incident and jumps to a node from any view; an address naming no view says so', async ({ page, host }) => {
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await page.keyboard.press('Control+k');
    await page.getByPlaceholder(/^Type a command, a view/).fill('new incident');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('dialog', { name: /incident/i })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    // It jumps to a node by name, from any view.
    await page.keyboard.press('Control+k');
    await page.getByPlaceholder(/^Type a command, a view/).fill('fra-01-gpu01');
    await expect(page.getByRole('option', { name: /fra-01-gpu01 at FRA-01 Frankfurt/ })).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: /fra-01-gpu01/ })).toBeVisible();
    await page.goto(`${host.url}#/nowhere`);
    await expect(page.getByRole('heading', { name: 'Status' })).toBeVisible();
    await expect(page.getByText('There is no “nowhere” view in Mission Control; showing Status.', { exact: false })).toBeVisible();
  });

  test('navigation lists only views that exist', async ({ page, host }) => {
    await page.goto(host.url);
    const nav = page.getByRole('navigation', { name: 'Views' });
    await expect(nav.getByRole('link')).toHaveText([
      /Status/,
      /Operator/,
      /Network/,
      /Incidents/,
      /Alerts/,
      /Observability/,
      /Checklists/,
      /Readiness/,
      /Corridors/,
      /Drills/,
      /Nodes/,
      /Customers/,
      /Keys/,
      /Audit log/,
      /Connections/,
      /Runtimes/,
      /Models/,
      /Routing/,
      /SLA/,
      /Deployments/,
      /Flags/,
      /Migrations/,
      /Usage/,
      /Members/,
      /Runbooks/,
      /Payouts/,
      /Backups/,
      /Advisories/,
      /Credentials/,
    ]);
  });
});
