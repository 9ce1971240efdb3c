import type { AccessReviewRow } from '../contract/members';
import { ROLE_LABELS } from '../contract/roles';

/**
 * The access review as CSV (RFC 4180): CRLF between records, a field quoted when it holds a comma,
 * a quote, CR or LF, quotes doubled inside. A spreadsheet runs a cell that starts with =, +, -, @,
 * TAB or CR as a formula, and names and e-mails are typed by people: such a cell gets a leading
 * apostrophe, so it is shown as the text it is (OWASP's CSV-injection advice).
 */
export const ACCESS_REVIEW_COLUMNS = ['Name', 'E-mail', 'Role', 'Status', 'Member since (UTC)', 'Last sign-in (UTC)', 'Last action (UTC)', 'Last action'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function accessReviewCsv(rows: readonly AccessReviewRow[]): string {
  const lines = [ACCESS_REVIEW_COLUMNS.map(csvCell).join(',')];
  for (const r of rows) {
    lines.push(
      [r.name, r.email, ROLE_LABELS[r.role], r.status, r.memberSince, r.lastSignIn ?? 'never', r.lastAction?.at ?? null, r.lastAction?.action ?? 'none'].map(csvCell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** "access-review-lagos-edge-ops-2026-12-05.csv": the org and the day, safe as a file name. */
export function accessReviewFileName(orgName: string, generatedAt: string): string {
  const slug = orgName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'org';
  return `access-review-${slug}-${generatedAt.slice(0, 10)}.csv`;
}
