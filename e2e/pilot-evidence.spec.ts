import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPilot } from './pilots';
import { expect, test } from './fixtures';

// A pilot's page (issue 15): the seven records of the operating principle, computed from records;
// the gate "Compliance evidence artifacts are visible" answered from them; the pilot's signed
// bundle exported in one action and checked with sha256sum.
test.describe('pilot evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-e2e-pilot-'));
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('lists the seven records, keeps the evidence gate open while one is missing, and exports the pilot bundle in one action', async ({ page, host }) => {
    const customer = `Evidence Co ${Date.now().toString(36).slice(-5)}`;
    const run = await addPilot(page, host, customer);

    const panel = page.getByTestId('pilot-evidence');
    await expect(panel.locator('li')).toHaveCount(7);
    await expect(panel.locator('li strong')).toHaveText([
      'Deployment run record',
      'Database migration record',
      'Node registration record',
      'Telemetry validation record',
      'Customer API-key record',
      'Routing and SLA evidence trail',
      'Incident escalation owner',
    ]);
    // The demo grid's EU nodes report with live keys: that record is present and links to a node.
    await expect(panel.getByTestId('pilot-record-node_registration')).toHaveAttribute('data-present', 'true');
    await expect(panel.getByTestId('pilot-record-link-node_registration')).toHaveAttribute('href', /^#\/nodes\//);
    const apiKey = panel.getByTestId('pilot-record-customer_api_key');
    await expect(apiKey).toHaveAttribute('data-present', 'false');
    await expect(apiKey).toContainText(`No working live customer API key has been issued to ${customer}`);
    await expect(panel.getByTestId('pilot-evidence-count')).toHaveText(/^[0-6] of 7 present$/);

    // The gate is answered from the same seven: ticking it is refused while one is missing.
    const gate = run.locator('[data-testid="item-evidence"][data-status]');
    await expect(gate.getByTestId('item-proof')).toHaveAttribute('data-proof', 'live');
    await gate.getByTestId('item-badge').click();
    await gate.getByTestId('set-done').click();
    await expect(gate.getByTestId('item-error')).toContainText('missing:');
    await expect(gate.getByTestId('item-error')).toContainText('customer api-key record');
    await expect(gate).toHaveAttribute('data-status', 'open');

    // One action: the key starts the export at once, with progress, and offers the download.
    await page.keyboard.press('b');
    // Titled as the bundle will title itself (its manifest's name, below): customer and tier.
    await expect(page.getByTestId('bundle-preset')).toHaveText(`Scope: Customer pilot ${customer} (pilot tier)`);
    await expect(page.getByTestId('bundle-done')).toBeVisible({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bundle-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^evidence-pilot-[0-9a-f]{8}-\d{8}T\d{6}Z\.zip$/);
    const zip = join(dir, 'pilot.zip');
    await download.saveAs(zip);
    const folder = join(dir, 'unzipped');
    execFileSync('unzip', ['-q', zip, '-d', folder]);
    expect(spawnSync('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: folder }).status).toBe(0);
    expect((JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { scope: { name: string } }).scope.name).toBe(`${customer} (pilot tier)`);
    const pilots = readFileSync(join(folder, 'records', 'pilots.jsonl'), 'utf8').trim().split('\n');
    expect(pilots).toHaveLength(1);
    expect(JSON.parse(pilots[0] as string)).toMatchObject({ customer_name: customer });
  });
});
