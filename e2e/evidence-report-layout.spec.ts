import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../src-main/services/evidence/bundle/bundle';
import { ReportDigest } from '../src-main/services/evidence/bundle/digest';
import { bundleReport } from '../src-main/services/evidence/bundle/report';
import { expect, test } from './fixtures';

// report.html as an auditor reads it at 1280×720 and prints it: a drill's bundle, whose audit
// subjects are long sentences, must not split a seq number, a time, an action or a state between
// lines to make room for them, nor run the standard-tool commands off the page. (No host: the page
// is written here from a digest, as the exporter writes it.)
test.describe('evidence report layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-e2e-report-'));
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function drillReport(): string {
    const id = '1e09daf5-27a4-4bb7-8923-200940f018db';
    const d = new ReportDigest();
    const subject = 'EU traffic stays in the EU when a Frankfurt site is drained. — Site AMS-01 Amsterdam';
    const actions = ['drills.created', 'incidents.opened', 'incidents.affected_added', 'drills.started', 'nodes.lifecycle_changed', 'drills.step_done', 'drills.completed'];
    actions.forEach((action, i) =>
      d.event({ org_id: 'o', seq: 26 + i, id: `e${i}`, at: '2026-12-07T14:30:24.016Z', actor: { id: null, name: 'Ada Okafor', role: 'admin' }, action, target: { type: 'drill', id }, reason: null, data: {}, request_id: null }, subject),
    );
    d.row('records/drills.jsonl', { scope_name: 'Site AMS-01 Amsterdam', scope_kind: 'site', hypothesis: 'EU traffic stays in the EU when a Frankfurt site is drained.', state: 'completed', outcome: 'failed', created_at: '2026-12-07T14:30:00Z', started_at: '2026-12-07T14:30:01Z', ended_at: '2026-12-07T14:30:20Z' });
    const m: Manifest = {
      format: 'umamiedge-evidence-bundle',
      version: 1,
      bundle_id: 'b59d9c93-6b66-8c06-a935-257f3d1258e2',
      org: { id: '00000000-0000-4000-8000-00000000d3e0', name: 'UmamiEdge Demo Grid', simulated: true },
      scope: { kind: 'drill', drillId: id, name: 'Site AMS-01 Amsterdam — “EU traffic stays in the EU when a Frankfurt site is drained.”' },
      exported_at: '2026-12-07T14:30:24.016Z',
      app_version: '0.1.0',
      counts: { 'records/audit-events.jsonl': actions.length, 'records/drills.jsonl': 1 },
      files: 38,
      audit: { tree_size: 52, root: 'at8wPycGf2BdM6ry5pveWCMdZSAW6Ii7aO16N2mNHIg=', events: actions.length, first_seq: 26, last_seq: 26 + actions.length - 1 },
      key: { name: 'umamiedge.mission-control/00000000-0000-4000-8000-00000000d3e0/workstation', fingerprint: 'SHA256:l09NLPw9D9l1CQU4WEfr131WS5n5g40CkONtNTwAQ6c', identity: '00000000-0000-4000-8000-00000000d3e0@umamiedge-mission-control' },
      keys: [],
    };
    return bundleReport(m, d.result());
  }

  test('at 1280×720 and printed, no short value wraps and nothing runs off the page', async ({ browser }) => {
    const file = join(dir, 'report.html');
    writeFileSync(file, drillReport());
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, offline: true });
    await ctx.route(/^https?:/, (r) => r.abort());
    const page = await ctx.newPage();
    await page.goto(`file://${file}`);
    await expect(page.getByTestId('scope')).toHaveText('Failover drill: Site AMS-01 Amsterdam — “EU traffic stays in the EU when a Frankfurt site is drained.”');
    /** Table cells of at most 24 characters laid out on more than one line, and the page's overflow. */
    const layout = () =>
      page.evaluate(() => {
        const wrapped = Array.from(document.querySelectorAll('table.records td'))
          .filter((td) => (td.textContent ?? '').length > 0 && (td.textContent ?? '').length <= 24)
          .filter((td) => {
            const r = document.createRange();
            r.selectNodeContents(td);
            return new Set(Array.from(r.getClientRects(), (x) => Math.round(x.top))).size > 1;
          })
          .map((td) => td.textContent);
        const pre = document.querySelector('pre') as HTMLElement;
        return { wrapped, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, preOverflow: pre.scrollWidth - pre.clientWidth };
      });
    expect(await layout()).toEqual({ wrapped: [], overflow: 0, preOverflow: 0 });
    // Printed (A4 at 96 dpi is 794 px wide): the commands wrap rather than being cut off.
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 });
    expect((await layout()).preOverflow).toBe(0);
    expect((await page.pdf({ format: 'A4' })).subarray(0, 5).toString()).toBe('%PDF-');
    await ctx.close();
  });
});
