import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The auditor's path: filter the log, read one event in full, export, and check the export with
// nothing but sha256 (written here independently of the app's hashing code).
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface Line {
  seq: number;
  prev_hash: string;
  hash: string;
  canonical: string;
  event: Record<string, unknown>;
}

/** Rows whose hash is not sha256(prev_hash || canonical): what an auditor's script would list. */
function brokenRows(lines: readonly Pick<Line, 'seq' | 'prev_hash' | 'hash' | 'canonical'>[]): number[] {
  return lines.filter((l) => sha256(l.prev_hash + l.canonical) !== l.hash).map((l) => l.seq);
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function download(page: Page, testId: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFileSync((await file.path())!, 'utf8');
}

test.describe('audit log for auditors', () => {
  test('filtered, read in full, exported, and the export checked with sha256 alone', async ({ page, host }) => {
    await page.goto(`${host.url}#/audit`);
    const firstRow = page.locator('[data-testid^=audit-row-]').first();
    await expect(firstRow).toBeVisible({ timeout: 30_000 });
    // A subject too long for its column ends in an ellipsis, the whole of it on hover.
    const subject = firstRow.getByTestId('audit-subject');
    expect(await subject.evaluate((el) => getComputedStyle(el).textOverflow)).toBe('ellipsis');
    await expect(subject).toHaveAttribute('title', (await subject.textContent())!.trim());

    // The whole chain, exported and checked link by link.
    const all = (await download(page, 'audit-export-jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(all.length).toBeGreaterThan(0);
    expect(brokenRows(all)).toEqual([]);
    const bySeq = [...all].sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < bySeq.length; i++) {
      if (bySeq[i]!.seq === bySeq[i - 1]!.seq + 1) expect(bySeq[i]!.prev_hash, `seq ${bySeq[i]!.seq}`).toBe(bySeq[i - 1]!.hash);
    }
    for (const l of all) expect(JSON.parse(l.canonical)).toEqual(l.event);
    // An edited row no longer checks: the export is evidence, not a report.
    const tampered = all.map((l, i) => (i === 0 ? { ...l, canonical: l.canonical.replace(/"action":"/, '"action":"x') } : l));
    expect(brokenRows(tampered)).toEqual([all[0]!.seq]);

    // Filter by the newest event's action: every row shown has it, and the count says it is filtered.
    const action = (await firstRow.locator('code').textContent())!.trim();
    await page.keyboard.press('/');
    await expect(page.locator('#audit-filter-text')).toBeFocused();
    await page.getByTestId('audit-filter-action').fill(action);
    await page.getByTestId('audit-filter-apply').click();
    await expect(page.getByTestId('audit-count')).toContainText('matching of');
    const codes = page.locator('[data-testid^=audit-row-] code');
    await expect(codes.first()).toHaveText(action);
    // Until the filtered page has replaced the unfiltered one a stale row may linger (CI saw one):
    // every row must carry the action once the list settles.
    await expect.poll(async () => (await codes.allTextContents()).filter((t) => t.trim() !== action)).toEqual([]);

    // Enter opens the selected event in full: whole hashes, the reason or its absence, the data.
    await page.getByTestId('audit-scroller').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('audit-detail')).toBeVisible();
    await expect(page.getByTestId('audit-detail-hash')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('audit-detail-prev-hash')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('audit-detail-data')).not.toBeEmpty();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('audit-detail')).toHaveCount(0);

    // The filtered export as CSV: only that action, each row still checkable on its own.
    const csv = parseCsv(await download(page, 'audit-export-csv'));
    const [header, ...rows] = csv.filter((r) => r.length > 1);
    for (const col of ['seq', 'action', 'prev_hash', 'hash', 'canonical']) expect(header).toContain(col);
    const at = (name: string) => header!.indexOf(name);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(all.length);
    for (const r of rows) expect(r[at('action')]).toBe(action);
    const csvLines = rows.map((r) => ({ seq: Number(r[at('seq')]), prev_hash: r[at('prev_hash')]!, hash: r[at('hash')]!, canonical: r[at('canonical')]! }));
    expect(brokenRows(csvLines)).toEqual([]);
    // Each CSV row is the same event as in the full export.
    const fullHash = new Map(all.map((l) => [l.seq, l.hash]));
    for (const l of csvLines) expect(l.hash).toBe(fullHash.get(l.seq));
  });
});
