import type { CredentialKind } from '../../../src-shared/contract/credentials';

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
