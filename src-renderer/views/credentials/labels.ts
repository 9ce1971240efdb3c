import type { CredentialKind, RotationRun } from '../../../src-shared/contract/credentials';

export const KIND_LABELS: Record<CredentialKind, string> = {
  session: 'Session',
  signing_key: 'Signing key',
  database_role: 'Database role',
  ingest_login: 'Ingest login',
  customer_key: 'Customer API key',
  runtime_credential: 'Runtime credential',
  notify_secret: 'Webhook / SMTP secret',
  node_key: 'Node key',
};

/** Age filter choices, in days (0: any age). */
export const AGE_FILTERS = [
  { days: 0, label: 'any age' },
  { days: 30, label: 'older than 30 days' },
  { days: 90, label: 'older than 90 days' },
  { days: 365, label: 'older than a year' },
] as const;

export function olderThan(createdAt: string | null, days: number): boolean {
  if (days === 0) return true;
  // Unknown age (never rotated by the app, no record of its making) counts as old: it may be.
  if (!createdAt) return true;
  return Date.now() - new Date(createdAt).getTime() > days * 86_400_000;
}

/**
 * The banner over an open rotation run, from its recorded state: a running run is not called
 * cancelled or failed (it was, while its own dialog drove it), and a stopped one says how far it got.
 */
export function openRunBanner(run: Pick<RotationRun, 'state' | 'counts'> | undefined): string {
  const done = run ? `${run.counts.total - run.counts.pending} of ${run.counts.total} credentials` : null;
  switch (run?.state) {
    case 'running':
      return `A rotation run is under way (${done} done): in a window here or on another workstation, or its window closed mid-run. Resume continues it at the next credential (cancel it there to close it).`;
    case 'cancelled':
      return `A rotation run was cancelled after ${done}: resume it, or close it from its report.`;
    case 'failed':
      return `A rotation run failed after ${done}: its report says which credential and why; resume it, or close it from its report.`;
    default:
      return 'A rotation run is unfinished: resume it, or close it from its report.';
  }
}
