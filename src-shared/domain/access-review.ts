import type { AccessReviewRow } from '../contract/members';
import { ROLE_LABELS } from '../contract/roles';
import { csvFileSlug, csvText } from './csv';

/** The access review as CSV (RFC 4180, formula-safe cells: see ./csv). */
export const ACCESS_REVIEW_COLUMNS = ['Name', 'E-mail', 'Role', 'Status', 'Member since (UTC)', 'Last sign-in (UTC)', 'Last action (UTC)', 'Last action'] as const;

export function accessReviewCsv(rows: readonly AccessReviewRow[]): string {
  return csvText(
    ACCESS_REVIEW_COLUMNS,
    rows.map((r) => [r.name, r.email, ROLE_LABELS[r.role], r.status, r.memberSince, r.lastSignIn ?? 'never', r.lastAction?.at ?? null, r.lastAction?.action ?? 'none']),
  );
}

/** "access-review-lagos-edge-ops-2026-12-05.csv": the org and the day, safe as a file name. */
export function accessReviewFileName(orgName: string, generatedAt: string): string {
  return `access-review-${csvFileSlug(orgName)}-${generatedAt.slice(0, 10)}.csv`;
}
