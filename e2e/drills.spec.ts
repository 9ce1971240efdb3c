import { DEFAULT_DEMO_NODES, demoGrid } from '../src-main/services/grid/demo-grid';
import { drainLabel, drainState } from '../src-shared/domain/network';
import { expect, test } from './fixtures';
import { invoke } from './invoke';
import { ensureSlaDefaults } from './sla-defaults';

/** The first EU demo site with an active node (the demo grid is seeded, so this is stable). */
function euSite(): { name: string; active: number } {
  const { sites, nodes } = demoGrid(DEFAULT_DEMO_NODES);
  const site = sites.find((s) => s.corridorKey === 'eu' && nodes.some((n) => n.siteKey === s.key && n.lifecycle === 'active'))!;
  return { name: site.name, active: nodes.filter((n) => n.siteKey === site.key && n.lifecycle === 'active').length };
}

test.describe('failover drills', () => {
  test('an admin plans a drill, runs its runbook end to end, and reads the measured outcome', async ({ page, host }) => {
    const site = euSite();
    const hypothesis = `EU traffic stays in the EU when ${site.name} is drained ${Date.now().toString(36)}`;

    // The drill is measured against an SLA policy: install the defaults if this host has none yet.
    await ensureSlaDefaults(page, host.url);

    await page.goto(`${host.url}#/drills`);
    await expect(page.getByText('No failover drill yet')).toBeVisible();
    await page.getByTestId('new-drill').first().click();
    const dialog = page.getByRole('dialog', { name: 'Plan a failover drill' });
    await dialog.locator('textarea[name=hypothesis]').fill(hypothesis);
    // Bad input: no scope picked is refused by the server next to the field, and nothing is planned.
    await dialog.getByTestId('create-drill').click();
    await expect(dialog.locator('.field.invalid')).toContainText('Pick what the drill covers.');
    await expect(dialog).toBeVisible();

    await dialog.locator('select[name=scopeKind]').selectOption('site');
    await dialog.locator('select[name=scopeTarget]').selectOption({ label: `${site.name} (EU)` });
    await expect(dialog.locator('select[name=slaPolicyId] option').first()).not.toHaveText(/No SLA policy/);
    await dialog.getByTestId('create-drill').click();

    const drill = page.getByTestId('drill-page');
    await expect(drill.getByTestId('drill-title')).toHaveText(hypothesis);
    await expect(drill.getByTestId('drill-state')).toHaveAttribute('data-state', 'planned');
    // Steps are not runnable before the drill starts.
    await expect(drill.getByTestId('run-drain')).toHaveCount(0);
    // Each step says its own number ("1. Drain the scope"): no list marker doubles it beside the panel.
    await expect(drill.getByTestId('step-drain')).toContainText('1. Drain the scope');
    for (const list of [drill.getByTestId('runbook').locator('ol'), drill.getByTestId('drill-timeline').locator('ol')]) {
      expect(await list.evaluate((el) => getComputedStyle(el).listStyleType)).toBe('none');
    }

    // Every next action of a drill is one key (s, n, c), as under an incident's pressure.
    await page.keyboard.press('s');
    await expect(drill.getByTestId('drill-state')).toHaveAttribute('data-state', 'running');
    await expect(drill.getByTestId('drill-incident')).toContainText(/INC-\d+ \(drill incident\)/);
    await expect(drill.locator('[data-figure=active] [data-before]')).toHaveText(String(site.active));
    // Only the next step has a button: drain first.
    await expect(drill.getByTestId('run-simulate')).toHaveCount(0);

    // Draining is destructive: it asks first, by key as by its button.
    await page.keyboard.press('n');
    await page.getByRole('dialog', { name: 'Drain the scope?' }).getByRole('button', { name: 'Drain' }).click();
    await expect(drill.getByTestId('step-drain')).toHaveAttribute('data-state', 'done');
    await expect(drill.getByTestId('step-drain-summary')).toContainText(`Drained ${site.active} of`);
    // The step and each timeline entry link to the audit event that records them.
    await expect(drill.getByTestId('step-drain').getByRole('link', { name: /^audit #\d+$/ })).toHaveAttribute('href', /^#\/audit\?seq=\d+$/);

    // The network map shows the drill's drain as drained, from the same node records (another
    // spec may have drained one of the site's nodes before: the expected words come from the records).
    {
      type Overview = { sites: { id: string; name: string }[] };
      type Nodes = { nodes: { siteId: string; lifecycle: string }[] };
      const siteId = (await invoke<Overview>(page, 'grid.overview', {})).sites.find((s) => s.name === site.name)!.id;
      const mine = (await invoke<Nodes>(page, 'nodes.list', {})).nodes.filter((n) => n.siteId === siteId);
      const draining = mine.filter((n) => n.lifecycle === 'draining').length;
      expect(draining).toBeGreaterThanOrEqual(site.active);
      const map = await page.context().newPage();
      await map.goto(`${host.url}#/network/${siteId}`);
      const banner = map.getByTestId('site-panel').getByTestId('site-drain');
      const running = mine.filter((n) => n.lifecycle === 'active' || n.lifecycle === 'draining').length;
      await expect(banner).toHaveAttribute('data-drain', drainState(draining, running));
      await expect(banner).toContainText(drainLabel(draining, running, mine.length)!);
      await map.close();
    }

    await page.keyboard.press('n');
    await expect(drill.getByTestId('step-simulate')).toHaveAttribute('data-state', 'done');
    // The demo host has no runtime connected: no saved simulation, so the standard one runs, and says so.
    await expect(drill.getByTestId('step-simulate-summary').first()).toContainText('No saved routing simulation exists for this scope: ran the standard one');

    await drill.getByTestId('run-restore').click();
    await expect(drill.getByTestId('step-restore')).toHaveAttribute('data-state', 'done');
    await expect(drill.getByTestId('step-restore-summary').first()).toHaveText(`Returned ${site.active} drained node(s) to active.`);

    // Completing is a key too, once the last step is done.
    await page.keyboard.press('c');
    await expect(drill.getByTestId('drill-state')).toHaveAttribute('data-state', 'completed');
    await expect(drill.locator('[data-figure=active] [data-after]')).toHaveText(String(site.active));
    // No runtime anywhere: routing never recovers, and the outcome says so (computed, not declared).
    await expect(drill.getByTestId('outcome')).toContainText('Failed');
    await expect(drill.getByTestId('outcome')).toContainText('Routing never found valid targets again during the drill.');
    await expect(drill.getByTestId('recovery')).toContainText('Not recovered');
    // What the recovery figure measures is said beside it (the operator's pace is part of it).
    await expect(drill.getByTestId('targets')).toContainText('Recovery runs from the drain to the end of the simulate step');
    // The demo agent's telemetry decides this one: with no sample from the site during the drill
    // there is nothing to measure; with samples, the longest silence between them.
    await expect(drill.getByTestId('data-loss')).toHaveText(/^(Not measured.*|\d+ ms|\d+\.\d s|\d+ min \d+ s)$/);
    await expect(drill.getByTestId('drill-timeline').locator('li')).toHaveCount(6);
    await expect(drill.getByTestId('drill-timeline').getByRole('link', { name: /^audit #\d+$/ })).toHaveCount(6);
    await drill.getByTestId('drill-timeline').getByRole('link', { name: /^audit #\d+$/ }).last().click();
    await expect(page.getByRole('row', { name: /drills\.completed/ }).first()).toBeVisible();
    await page.goBack();

    // The drill incident is marked as a drill.
    await drill.getByTestId('drill-incident').click();
    await expect(page.getByTestId('incident-detail')).toContainText('Drill');
    // It ended with the drill: resolved, the outcome as its resolution note, on its timeline.
    await expect(page.getByTestId('incident-detail')).toHaveAttribute('data-state', 'resolved');
    await expect(page.getByTestId('resolution-note-shown')).toContainText('Failover drill completed: failed (recovery never reached');
    await expect(page.getByTestId('timeline-entry').filter({ hasText: 'Failover drill completed: failed' })).toHaveCount(1);

    // And the list shows the drill, completed and failed.
    await page.goto(`${host.url}#/drills`);
    const row = page.getByTestId('drills').locator('tr', { hasText: hypothesis });
    await expect(row).toContainText('Completed');
    await expect(row.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'failed');
  });
});
