import type { Page } from '@playwright/test';
import { expect, type Host, test } from './fixtures';

/** Titles are unique per run, so nothing depends on the incidents the demo's alert rules may open. */
const unique = (what: string) => `${what} ${Date.now().toString(36)}`;

/** Open an incident through the list's "n" key and the dialog; returns its ref and page address. */
async function openIncident(page: Page, host: Host, opts: { title: string; severity?: 'Critical' | 'High' | 'Medium' | 'Low'; summary?: string; node?: string }) {
  await page.goto(`${host.url}#/incidents`);
  await page.getByTestId('incident-list').waitFor();
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'Open an incident' });
  await dialog.locator('input[name=title]').fill(opts.title);
  await dialog.getByRole('radio', { name: new RegExp(opts.severity ?? 'Medium') }).check();
  if (opts.summary) await dialog.locator('textarea[name=summary]').fill(opts.summary);
  if (opts.node) {
    await dialog.getByTestId('affected-search').fill(opts.node);
    await dialog.getByTestId(`affected-option-${opts.node}`).click();
    await expect(dialog.getByTestId('affected-chosen')).toContainText(opts.node);
  }
  await dialog.getByTestId('create-incident').click();
  const detail = page.getByTestId('incident-detail');
  await expect(detail.getByTestId('incident-title')).toHaveText(opts.title);
  const ref = (await detail.getByTestId('incident-ref').textContent())!;
  expect(ref).toMatch(/^INC-\d+$/);
  return { ref, hash: new URL(page.url()).hash };
}

/** The workstation acts as one operator for every page; switching is a Connections setting. */
async function signInAs(page: Page, host: Host, email: string, role: string) {
  await page.goto(`${host.url}#/connections`);
  await page.getByTestId('profile-Embedded (this workstation)').getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('dialog').locator('input[name=operatorEmail]').fill(email);
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('who')).toContainText(role);
}

const entries = (page: Page, kind: string) => page.locator(`[data-testid=timeline-entry][data-kind=${kind}]`);

async function expectActorAndTime(entry: ReturnType<typeof entries>, actor: string) {
  await expect(entry.getByTestId('timeline-actor')).toHaveText(actor);
  await expect(entry.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  await expect(entry.getByRole('link', { name: /^audit #\d+$/ })).toBeVisible();
}

test.describe('incidents', () => {
  test('create, acknowledge and resolve, each step on the timeline with who and when', async ({ page, host }) => {
    const title = unique('P95 over 2 s in FRA');
    const { ref } = await openIncident(page, host, { title, severity: 'High', summary: 'Customers in DE report timeouts since 14:05 UTC.', node: 'fra-01-gpu01' });
    const detail = page.getByTestId('incident-detail');
    await expect(detail).toHaveAttribute('data-state', 'triage');
    await expect(page.getByTestId('incident-acknowledged')).toContainText('Not acknowledged');
    await expect(page.getByTestId('escalation-state')).toHaveAttribute('data-running', 'true');
    await expect(page.getByTestId('affected')).toContainText('fra-01-gpu01');
    await expectActorAndTime(entries(page, 'opened'), 'Ada Okafor');
    await expect(entries(page, 'opened')).toContainText('Customers in DE report timeouts');
    await expect(entries(page, 'affected_added')).toContainText('fra-01-gpu01');

    await page.getByTestId('ack-button').click();
    await page.getByTestId('ack-note').fill('On it from the NOC; checking the FRA routers');
    await page.getByTestId('ack-submit').click();
    await expect(page.getByTestId('incident-acknowledged')).toContainText('by Ada Okafor');
    await expect(detail).toHaveAttribute('data-acknowledged', 'true');
    await expect(page.getByTestId('escalation-state')).toHaveAttribute('data-running', 'false');
    await expectActorAndTime(entries(page, 'acknowledged'), 'Ada Okafor');
    await expect(entries(page, 'acknowledged')).toContainText('On it from the NOC; checking the FRA routers');
    await expect(page.getByTestId('ack-button')).toBeDisabled();

    await page.getByTestId('transition-active').click();
    await page.getByTestId('transition-reason').fill('Confirmed on three nodes');
    await page.getByTestId('transition-submit').click();
    await expect(detail).toHaveAttribute('data-state', 'active');
    await page.getByTestId('transition-resolved').click();
    await page.getByTestId('resolution-note').fill('Rolled back the router config; p95 under 400 ms again.');
    await page.getByTestId('transition-submit').click();
    await expect(detail).toHaveAttribute('data-state', 'resolved');
    await expect(page.getByTestId('resolution-note-shown')).toContainText('Rolled back the router config');

    const moves = entries(page, 'transition');
    await expect(moves).toHaveCount(2);
    await expect(moves.nth(0)).toContainText('Triage → Active');
    await expect(moves.nth(0)).toContainText('Confirmed on three nodes');
    await expect(moves.nth(1)).toContainText('Active → Resolved');
    for (const move of [moves.nth(0), moves.nth(1)]) await expectActorAndTime(move, 'Ada Okafor');

    // The list shows it resolved and who acknowledged it; the timeline's audit link leads to the proof.
    await page.keyboard.press('Escape');
    const row = page.getByTestId(`incident-row-${ref}`);
    await expect(row).toHaveAttribute('data-state', 'resolved');
    await expect(row.getByTestId('acknowledged')).toContainText('Ada Okafor');
    await row.dblclick();
    await entries(page, 'acknowledged').getByRole('link', { name: /audit #\d+/ }).click();
    await expect(page.getByRole('row', { name: /incidents\.acknowledged/ }).first()).toBeVisible();
  });

  test('another operator’s page shows an acknowledgement within 2 seconds, without a reload', async ({ browser, page, host }) => {
    const { ref, hash } = await openIncident(page, host, { title: unique('Queue depth rising in SIN') });
    const watcher = await (await browser.newContext()).newPage();
    const lister = await (await browser.newContext()).newPage();
    await Promise.all([watcher.goto(`${host.url}${hash}`), lister.goto(`${host.url}#/incidents`)]);
    await expect(watcher.getByTestId('incident-acknowledged')).toContainText('Not acknowledged');
    await expect(lister.getByTestId(`incident-row-${ref}`).getByTestId('acknowledged')).toContainText('Not acknowledged');

    await page.keyboard.press('a');
    await page.getByTestId('ack-note').fill('Mine');
    const started = Date.now();
    await page.keyboard.press('Control+Enter');
    await expect(watcher.getByTestId('incident-acknowledged')).toContainText('by Ada Okafor', { timeout: 2000 });
    await expect(lister.getByTestId(`incident-row-${ref}`).getByTestId('acknowledged')).toContainText('Ada Okafor', { timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(entries(watcher, 'acknowledged')).toContainText('Mine');
    await watcher.context().close();
    await lister.context().close();
  });

  test('closing needs a resolution note: refused by the field, the incident stays resolved; with one it closes', async ({ page, host }) => {
    await openIncident(page, host, { title: unique('Ollama runtime restarts in NBO') });
    const detail = page.getByTestId('incident-detail');
    await page.getByTestId('transition-resolved').click();
    await page.getByTestId('transition-submit').click();
    await expect(detail).toHaveAttribute('data-state', 'resolved');

    await page.getByTestId('transition-closed').click();
    const dialog = page.getByRole('dialog');
    const field = dialog.locator('.field', { has: page.getByTestId('resolution-note') });
    await page.getByTestId('transition-submit').click();
    await expect(field.locator('.err')).toHaveText('Write a resolution note (at least 10 characters) before closing: say how it ended.');
    await page.getByTestId('resolution-note').fill('ok');
    await page.getByTestId('transition-submit').click();
    await expect(field.locator('.err')).toHaveText('A resolution note has at least 10 characters.');
    await expect(page.getByTestId('resolution-note')).toHaveValue('ok');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await page.reload();
    await expect(detail).toHaveAttribute('data-state', 'resolved');
    await expect(entries(page, 'transition')).toHaveCount(1);

    await page.getByTestId('transition-closed').click();
    await page.getByTestId('resolution-note').fill('Runtime pinned to 0.5.4; restarts stopped for 30 minutes.');
    await page.getByTestId('transition-submit').click();
    await expect(detail).toHaveAttribute('data-state', 'closed');
    await expect(entries(page, 'transition').nth(1)).toContainText('Resolved → Closed');
    await expect(page.getByTestId('resolution-note-shown')).toContainText('Runtime pinned to 0.5.4');
    await expect(page.locator('[data-testid^=transition-]')).toHaveCount(0);
  });

  test('acknowledging from a stale page after someone else did says who, and keeps the typed note', async ({ browser, page, host }) => {
    const { hash } = await openIncident(page, host, { title: unique('Packet loss DXB–RUH') });
    const note = 'Checking the DXB edge routers; ETA 10 min';
    await page.getByTestId('ack-button').click();
    await page.getByTestId('ack-note').fill(note);

    // Meanwhile, on another workstation page, the incident commander acknowledges it.
    const other = await (await browser.newContext()).newPage();
    try {
      await signInAs(other, host, 'leila.haddad@demo.umamiedge.test', 'Incident commander');
      await other.goto(`${host.url}${hash}`);
      await other.getByTestId('ack-button').click();
      await other.getByTestId('ack-submit').click();
      await expect(other.getByTestId('incident-acknowledged')).toContainText('by Leila Haddad');
    } finally {
      await signInAs(other, host, 'ada.okafor@demo.umamiedge.test', 'Admin');
      await other.context().close();
    }
    await expect(page.getByTestId('who')).toContainText('Ada Okafor');

    await page.getByTestId('ack-submit').click();
    await expect(page.getByTestId('ack-message')).toContainText(/was already acknowledged by Leila Haddad at \d\d:\d\d:\d\d UTC/);
    await expect(page.getByTestId('ack-note')).toHaveValue(note);
    await page.getByTestId('ack-add-note').click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(entries(page, 'note')).toContainText(note);
    await expectActorAndTime(entries(page, 'note'), 'Ada Okafor');
    await expect(entries(page, 'acknowledged')).toHaveCount(1);
    await expectActorAndTime(entries(page, 'acknowledged'), 'Leila Haddad');
  });

  test('an escalation policy edit with a bad value is refused by the field and changes nothing', async ({ page, host }) => {
    const name = unique('E2E paging');
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('policies-tab').click();
    await page.getByTestId('new-policy').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill(name);
    await dialog.getByRole('button', { name: 'Add step' }).click();
    await dialog.getByTestId('step-wait-1').fill('5');
    await dialog.getByTestId('save-escalation-policy').click();
    const row = page.getByTestId(`policy-${name}`);
    await expect(row.getByTestId('policy-step')).toHaveText(['at 0 min: every incident commander', 'at 5 min: every admin']);

    await row.getByTestId('edit-policy').click();
    await dialog.getByTestId('step-wait-1').fill('2000');
    await dialog.getByTestId('save-escalation-policy').click();
    await expect(dialog.getByTestId('step-wait-error-1')).toContainText('1440');
    await expect(dialog.getByTestId('step-wait-1')).toHaveValue('2000');
    // A rule the server checks beyond the shape: a repeating chain needs some waiting.
    await dialog.getByTestId('step-wait-1').fill('0');
    await dialog.locator('input[name=repeat]').fill('2');
    await dialog.getByTestId('save-escalation-policy').click();
    await expect(dialog.locator('.field', { has: page.locator('input[name=repeat]') }).locator('.err')).toContainText('at least one minute of waiting');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);

    await page.reload();
    await expect(row.getByTestId('policy-step')).toHaveText(['at 0 min: every incident commander', 'at 5 min: every admin']);
    await expect(row).toContainText('once');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('reason').fill('E2E policy, not needed');
    await page.getByTestId('reason-submit').click();
    await expect(row).toHaveCount(0);
  });

  test('two people editing the review: the later save is refused, its text kept, and saved over knowingly', async ({ browser, page, host }) => {
    const { hash } = await openIncident(page, host, { title: unique('Token rate drop in TYO') });
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${host.url}${hash}`);
    for (const p of [page, other]) await p.getByTestId('review-open').click();
    await page.getByTestId('review-summary').fill('Mine: a routing loop between TYO and SIN.');
    await other.getByTestId('review-summary').fill('Theirs: config drift on the TYO gateway.');
    await other.getByTestId('review-save').click();
    await expect(other.getByTestId('review-status')).toContainText('version 1');
    // Live: the first editor learns of it, and keeps its own text.
    await expect(page.getByTestId('review-status')).toContainText('version 1');
    await expect(page.getByTestId('review-summary')).toHaveValue('Mine: a routing loop between TYO and SIN.');

    await page.getByTestId('review-save').click();
    await expect(page.getByTestId('review-conflict')).toContainText('saved this review while you were editing it');
    await expect(page.getByTestId('review-conflict')).toContainText('Theirs: config drift on the TYO gateway.');
    await expect(page.getByTestId('review-summary')).toHaveValue('Mine: a routing loop between TYO and SIN.');
    await page.getByTestId('review-overwrite').click();
    await page.getByTestId('review-save').click();
    await expect(page.getByTestId('review-status')).toContainText('version 2');
    await expect(other.getByTestId('review-summary')).toHaveValue('Mine: a routing loop between TYO and SIN.');
    await expect(entries(page, 'review_updated')).toHaveCount(2);
    await other.context().close();
  });

  test('takes command of an open incident with one key (c), named on the button and in the ? list', async ({ page, host }) => {
    await openIncident(page, host, { title: unique('Packet loss on the NBO uplink') });
    const command = page.getByTestId('command');
    const take = page.getByTestId('take-command');
    await expect(command).toContainText('Nobody commands this incident.');
    await expect(take).toContainText('Take command');
    await expect(take.locator('kbd')).toHaveText('c');
    await expect(entries(page, 'commander_assigned')).toHaveCount(0);

    await page.keyboard.press('c');
    await expect(command).toContainText('You command this incident.');
    await expect(take).toHaveCount(0);
    await expect(entries(page, 'commander_assigned')).toHaveCount(1);
    await expectActorAndTime(entries(page, 'commander_assigned'), 'Ada Okafor');
    // Once it is yours the key has nothing to do: no second assignment.
    await page.keyboard.press('c');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(entries(page, 'commander_assigned')).toHaveCount(1);

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(help.getByRole('row').filter({ hasText: 'Incidents: Take command of the open incident' })).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(help).toHaveCount(0);
  });

  test('an auditor reads incidents and policies, with no command anywhere', async ({ page, host }) => {
    const { hash } = await openIncident(page, host, { title: unique('GPU temperature alarms in JNB') });
    await page.getByTestId('note-body').fill('Cooling vendor called.');
    await page.getByTestId('add-note').click();
    await expect(entries(page, 'note')).toContainText('Cooling vendor called.');
    try {
      await signInAs(page, host, 'sam.novak@demo.umamiedge.test', 'Auditor');
      await page.goto(`${host.url}${hash}`);
      await expect(entries(page, 'note')).toContainText('Cooling vendor called.');
      await expect(page.getByTestId('read-only')).toContainText('Auditors can read and export, not change.');
      await expect(page.getByTestId('ack-button')).toHaveCount(0);
      await expect(page.locator('[data-testid^=transition-]')).toHaveCount(0);
      await expect(page.getByTestId('note-body')).toHaveCount(0);
      await expect(page.getByTestId('take-command')).toHaveCount(0);
      await expect(page.getByTestId('escalation-policy')).toHaveCount(0);
      await expect(page.getByTestId('review-save')).toHaveCount(0);
      await page.keyboard.press('a');
      await expect(page.getByRole('dialog')).toHaveCount(0);
      // Nor does the take-command key: nobody commands it still.
      await page.keyboard.press('c');
      await expect(page.getByRole('dialog')).toHaveCount(0);
      await expect(page.getByTestId('command')).toContainText('Nobody commands this incident.');
      await expect(entries(page, 'commander_assigned')).toHaveCount(0);
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('new-incident')).toBeDisabled();
      await page.getByTestId('policies-tab').click();
      await expect(page.getByTestId('policies-readonly')).toContainText('Only admins change who gets paged.');
      await expect(page.getByTestId('edit-policy')).toHaveCount(0);
      await expect(page.getByTestId('new-policy')).toHaveCount(0);
    } finally {
      await signInAs(page, host, 'ada.okafor@demo.umamiedge.test', 'Admin');
    }
  });
});
