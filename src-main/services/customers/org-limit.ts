import { ORG_DEFAULT_REQUESTS_PER_MIN, type OrgLimit } from '../../../src-shared/contract/customers';
import type { Sql } from '../../db/sql';
import type { AuditDraft, AuditRecord } from '../audit';

/**
 * The org's request limit across all its customers (mc.org_limits, sql/0046) and its use from the
 * admission counters. No row means the capacity plan's default; once set, "back to the default" is
 * setting 10,000 again (the row stays, so the audit trail says who chose it).
 */
export async function orgLimit(sql: Sql): Promise<OrgLimit> {
  const r = await sql.one<{ requests_per_min: number | null; updated_at: string | Date | null; this_minute: number; peak: number }>(
    `SELECT (SELECT requests_per_min FROM mc.org_limits) AS requests_per_min,
            (SELECT updated_at FROM mc.org_limits) AS updated_at,
            coalesce((SELECT requests FROM mc.limit_org_minutes WHERE minute = date_trunc('minute', now(), 'UTC')), 0)::int AS this_minute,
            coalesce((SELECT max(requests) FROM mc.limit_org_minutes WHERE minute >= date_trunc('minute', now(), 'UTC') - interval '60 minutes'), 0)::int AS peak`,
  );
  return {
    requestsPerMin: r.requests_per_min,
    effectiveRequestsPerMin: r.requests_per_min ?? ORG_DEFAULT_REQUESTS_PER_MIN,
    defaultRequestsPerMin: ORG_DEFAULT_REQUESTS_PER_MIN,
    updatedAt: r.updated_at === null ? null : new Date(r.updated_at).toISOString(),
    thisMinute: r.this_minute,
    peakLastHour: r.peak,
  };
}

export async function setOrgLimit(sql: Sql, requestsPerMin: number, audit: (d: AuditDraft) => Promise<AuditRecord>, unchanged: () => void): Promise<OrgLimit> {
  const before = await orgLimit(sql);
  if (before.requestsPerMin === requestsPerMin) {
    unchanged();
    return before;
  }
  await sql.query(
    `INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES (mc.current_org_id(), $1)
     ON CONFLICT (org_id) DO UPDATE SET requests_per_min = excluded.requests_per_min, updated_at = now()`,
    [requestsPerMin],
  );
  await audit({
    action: 'customers.org_limit_set',
    target: { type: 'org', id: null },
    data: { requestsPerMin, before: before.effectiveRequestsPerMin, wasDefault: before.requestsPerMin === null },
  });
  return orgLimit(sql);
}
