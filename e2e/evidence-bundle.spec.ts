import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';

// An auditor's path: export from the Audit view, download, check with sha256sum, then read the
// bundle's report.html from file:// with the network off; the report re-checks the unzipped folder
// and says plainly when a file was edited. (Every tampering case with ssh-keygen and openssl runs
// against a real Postgres in src-main/services/evidence/bundle/bundle.test.ts.)
test.describe('evidence bundles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-e2e-bundle-'));
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('export a period from the Audit view, check it with sha256sum, and read the offline report', async ({ page, host, browser }) => {
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await page.keyboard.press('b');
    const dialog = page.getByRole('dialog');
    await expect(page.getByRole('dialog', { name: 'Export evidence bundle' })).toBeVisible();
    // Bad input: a period that ends before it starts is refused with the contract's message.
    await dialog.locator('input[name=from]').fill('2030-01-02');
    await dialog.locator('input[name=to]').fill('2020-01-01');
    await page.getByTestId('bundle-export').click();
    await expect(dialog).toContainText('“From” must be before “to”.');
    await dialog.locator('input[name=from]').fill('2000-01-01');
    await dialog.locator('input[name=to]').fill('2099-12-31');
    await page.getByTestId('bundle-export').click();
    await expect(page.getByTestId('bundle-done')).toBeVisible({ timeout: 60_000 });
    const fingerprint = (await page.getByTestId('bundle-fingerprint').textContent()) ?? '';
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bundle-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^evidence-2000-01-01_2100-01-01-\d{8}T\d{6}Z\.zip$/);
    const zip = join(dir, 'bundle.zip');
    await download.saveAs(zip);
    const folder = join(dir, 'unzipped');
    execFileSync('unzip', ['-q', zip, '-d', folder]);
    expect(spawnSync('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: folder }).status).toBe(0);
    expect(readFileSync(join(folder, 'README.txt'), 'utf8')).toContain(fingerprint);
    // The shared host runs the demo org: the bundle says its records are simulated.
    expect(readFileSync(join(folder, 'README.txt'), 'utf8')).toContain('A DEMO ORG');
    expect(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')).org.simulated).toBe(true);

    // The report, from file://, with every network request refused.
    const ctx = await browser.newContext({ offline: true });
    await ctx.route(/^https?:/, (r) => r.abort());
    const report = await ctx.newPage();
    await report.goto(`file://${join(folder, 'report.html')}`);
    await expect(report.getByRole('heading', { name: 'Evidence bundle' })).toBeVisible();
    await expect(report.getByTestId('fingerprint')).toHaveText(fingerprint);
    await expect(report.getByTestId('simulated')).toHaveText('A demo org: its records are simulated.');
    // It reads as a report: what it holds in words, then the audit events and each record type as tables.
    await expect(report.getByTestId('holdings')).toContainText('Audit events, with their chain fields');
    await expect(report.getByTestId('events')).toContainText(/^\d+ audit events?, by action: /);
    await expect(report.getByRole('heading', { name: 'Audit events' })).toBeVisible();
    await expect(report.getByText(/are shown; every one is in records\/audit-events\.jsonl\./)).toBeVisible();
    // Until checked, the header is the bundle's own claim, and the page says so.
    await expect(report.getByTestId('standing')).toHaveAttribute('data-state', 'unchecked');
    await expect(report.getByTestId('standing')).toContainText('not checked yet');
    await report.getByLabel('Unzipped bundle folder').setInputFiles(folder);
    await expect(report.locator('#verdict')).toHaveAttribute('data-state', 'pass');
    await expect(report.getByTestId('standing')).toContainText('Checked on this computer');
    await expect(report.locator('#verdict')).toHaveText('All checks passed.');
    await expect(report.locator('#checks')).toContainText('audit events; each hash matches and each is proven in the signed log');

    // One edited file: the report names it and fails.
    appendFileSync(join(folder, 'records/nodes.jsonl'), '{"hostname":"invented"}\n');
    await report.reload();
    await report.getByLabel('Unzipped bundle folder').setInputFiles(folder);
    await expect(report.locator('#verdict')).toHaveAttribute('data-state', 'fail');
    await expect(report.getByTestId('standing')).toHaveText('This bundle FAILED its checks (below): do not rely on what this page states.');
    await expect(report.locator('#checks')).toContainText('records/nodes.jsonl does not match its sha256 in SHA256SUMS (edited)');
    // The count says what kind of change, in words that agree with the count.
    await expect(report.locator('#checks')).toContainText(/\d+ files listed; 1 missing or edited, 0 added/);
    await ctx.close();

    // Open evidence bundle in the app (o): the untouched zip verifies against the pinned key…
    await page.getByTestId('bundle-close').click();
    await page.keyboard.press('o');
    const open = page.getByRole('dialog', { name: 'Open evidence bundle' });
    await open.getByTestId('bundle-open-file').setInputFiles(zip);
    await open.getByTestId('bundle-open-pin').fill(fingerprint);
    await page.getByTestId('bundle-open-submit').click();
    await expect(page.getByTestId('bundle-opened')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
    await expect(page.getByTestId('bundle-open-verdict')).toHaveText('Verified: every file, both signatures and every audit event check out, signed by the pinned key.');
    await expect(page.getByTestId('bundle-open-fingerprint')).toHaveText(fingerprint);
    await expect(page.getByTestId('bundle-open-scope')).toContainText('2000-01-01');
    // Every check is named in words, the audit events' too (no raw check id such as "audit events").
    await expect(page.getByTestId('bundle-opened')).toContainText('Every audit event against the checkpoint: ');
    // The same standard-tool commands as README.txt, the unzip and the file count included.
    await expect(page.getByTestId('bundle-open-commands')).toContainText('unzip -q <this zip> -d bundle && cd bundle');
    // Its records named in the report's words, with their files.
    await expect(page.getByTestId('bundle-opened')).toContainText('Audit events, with their chain fields records/audit-events.jsonl');
    await expect(page.getByTestId('bundle-open-commands')).toContainText("find . -type f ! -name 'SHA256SUMS*' | wc -l    # prints ");
    // …a bad pin is refused with the format, and another key's fingerprint fails the bundle…
    await page.getByTestId('bundle-open-another').click();
    await open.getByTestId('bundle-open-file').setInputFiles(zip);
    await open.getByTestId('bundle-open-pin').fill('SHA256:short');
    await page.getByTestId('bundle-open-submit').click();
    await expect(open).toContainText('A fingerprint looks like SHA256: followed by 43 characters');
    await open.getByTestId('bundle-open-pin').fill(`SHA256:${'A'.repeat(43)}`);
    await page.getByTestId('bundle-open-submit').click();
    await expect(page.getByTestId('bundle-opened')).toHaveAttribute('data-ok', 'false', { timeout: 30_000 });
    await expect(page.getByTestId('bundle-opened')).toContainText(`not the pinned SHA256:${'A'.repeat(43)}: re-signed by someone else`);
    // …and a zip with one edited record fails, naming the file.
    await page.getByTestId('bundle-open-another').click();
    const edited = join(dir, 'edited.zip');
    const rezip = 'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as a, zipfile.ZipFile(sys.argv[2],"w") as b:\n  for i in a.infolist():\n    d=a.read(i)\n    if i.filename=="records/nodes.jsonl": d+=b"{}\\n"\n    b.writestr(i,d)';
    execFileSync('python3', ['-c', rezip, zip, edited]);
    await open.getByTestId('bundle-open-file').setInputFiles(edited);
    await page.getByTestId('bundle-open-submit').click();
    await expect(page.getByTestId('bundle-opened')).toHaveAttribute('data-ok', 'false', { timeout: 30_000 });
    await expect(page.getByTestId('bundle-open-verdict')).toContainText('Not verified');
    await expect(page.getByTestId('bundle-opened')).toContainText('records/nodes.jsonl');
  });

  test('export one corridor: the corridor is picked from a list, nothing exports before, and the bundle holds only its grid', async ({ page, host }) => {
    await page.goto(`${host.url}#/audit`);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await page.keyboard.press('b');
    const dialog = page.getByRole('dialog', { name: 'Export evidence bundle' });
    await dialog.getByLabel('Scope').selectOption('corridor');
    // Nothing picked yet: the export cannot start.
    await expect(page.getByTestId('bundle-export')).toBeDisabled();
    await dialog.getByLabel('Corridor').selectOption({ label: 'EU' });
    await page.getByTestId('bundle-export').click();
    await expect(page.getByTestId('bundle-done')).toBeVisible({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bundle-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^evidence-corridor-[0-9a-f]{8}-\d{8}T\d{6}Z\.zip$/);
    const zip = join(dir, 'eu.zip');
    await download.saveAs(zip);
    const folder = join(dir, 'eu');
    execFileSync('unzip', ['-q', zip, '-d', folder]);
    expect(spawnSync('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: folder }).status).toBe(0);
    const corridors = readFileSync(join(folder, 'records/corridors.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; name: string });
    expect(corridors.map((c) => c.name)).toEqual(['EU']);
    // Every node in the bundle stands at one of the corridor's sites.
    const sites = new Set(readFileSync(join(folder, 'records/sites.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string; corridor_id: string }).id));
    const nodes = readFileSync(join(folder, 'records/nodes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { site_id: string });
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => sites.has(n.site_id))).toBe(true);
  });
});
