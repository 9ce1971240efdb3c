/**
 * Customers as the Customers view reads them: terms, limits, committed capacity, allowed
 * corridors, contacts and key counts from mc.customers; traffic from what the gateway recorded
 * (mc.api_requests, mc.usage_events). "Today" and "this month" are UTC, like every time on the wire.
 */
import type { z } from 'zod';
import { McError } from '../../../src-shared/contract/errors';
import type { Contact, CustomerRecord, customersGet } from '../../../src-shared/contract/customers';
import type { Sql } from '../../db';
import type { CustomerRow } from '../sla';

interface Row extends Omit<CustomerRow, 'reserved_nodes'> {
  effective_policy_name: string | null;
  reserved_node_ids: string[];
  requests_per_min: number | null;
  tokens_per_min: number | null;
  monthly_token_quota: string | number | null;
  max_concurrency: number | null;
  committed_requests_per_min: number;
  committed_tokens_per_min: number;
  allowed_corridors: { id: string; name: string }[];
  contacts: Contact[];
  keys_working: number;
  keys_total: number;
}

// Corridors named in allowed_corridor_ids that no longer exist are left out (no FK on an array).
const SELECT = `
  SELECT cu.org_id, cu.id, cu.key, cu.name, cu.tier, cu.home_corridor_id, c.name AS home_corridor_name, cu.sla_policy_id,
         p.id AS effective_policy_id, p.name AS effective_policy_name,
         coalesce((SELECT array_agg(r.node_id::text ORDER BY r.node_id) FROM mc.node_reservations r WHERE r.org_id = cu.org_id AND r.customer_id = cu.id), '{}') AS reserved_node_ids,
         cu.requests_per_min, cu.tokens_per_min, cu.monthly_token_quota, cu.max_concurrency,
         cu.committed_requests_per_min, cu.committed_tokens_per_min,
         coalesce((SELECT json_agg(json_build_object('id', ac.id, 'name', ac.name) ORDER BY ac.name)
                     FROM mc.corridors ac WHERE ac.org_id = cu.org_id AND ac.id = ANY(cu.allowed_corridor_ids)), '[]') AS allowed_corridors,
         cu.contacts,
         (SELECT count(*)::int FROM mc.customer_keys k WHERE k.org_id = cu.org_id AND k.customer_id = cu.id AND k.revoked_at IS NULL
             AND (k.expires_at IS NULL OR k.expires_at > now()) AND (k.superseded_by IS NULL OR k.grace_until > now())) AS keys_working,
         (SELECT count(*)::int FROM mc.customer_keys k WHERE k.org_id = cu.org_id AND k.customer_id = cu.id) AS keys_total
    FROM mc.customers cu
    JOIN mc.corridors c ON c.org_id = cu.org_id AND c.id = cu.home_corridor_id
    LEFT JOIN mc.customer_tiers t ON t.org_id = cu.org_id AND t.tier = cu.tier
    LEFT JOIN mc.sla_policies p ON p.org_id = cu.org_id AND p.id = coalesce(cu.sla_policy_id, t.sla_policy_id)`;

const toRecord = (r: Row): CustomerRecord => ({
  id: r.id,
  key: r.key,
  name: r.name,
  tier: r.tier,
  homeCorridorId: r.home_corridor_id,
  homeCorridorName: r.home_corridor_name,
  slaPolicyId: r.sla_policy_id,
  effectivePolicyId: r.effective_policy_id,
  effectivePolicyName: r.effective_policy_name,
  reservedNodeIds: r.reserved_node_ids,
  limits: {
    requestsPerMin: r.requests_per_min,
    tokensPerMin: r.tokens_per_min,
    // bigint arrives as text; the CHECK keeps it below 2^53.
    monthlyTokenQuota: r.monthly_token_quota === null ? null : Number(r.monthly_token_quota),
    maxConcurrency: r.max_concurrency,
  },
  committed: { requestsPerMin: r.committed_requests_per_min, tokensPerMin: r.committed_tokens_per_min },
  allowedCorridors: r.allowed_corridors,
  contacts: r.contacts,
  keys: { working: r.keys_working, total: r.keys_total },
});

export async function getCustomerRecord(sql: Sql, id: string): Promise<CustomerRecord> {
  const r = await sql.maybeOne<Row>(`${SELECT} WHERE cu.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That customer does not exist in this org. Reload the Customers view.');
  return toRecord(r);
}

const DAY_START = `date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
const MONTH_START = `date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

export async function listCustomers(sql: Sql) {
  const rows = await sql.query<Row & { requests_today: number; tokens_today: string }>(
    `WITH d AS (SELECT ${DAY_START} AS since)
     SELECT x.*,
            (SELECT count(*)::int FROM mc.api_requests a, d WHERE a.org_id = x.org_id AND a.customer_id = x.id AND a.started_at >= d.since) AS requests_today,
            (SELECT coalesce(sum(u.prompt_tokens + u.completion_tokens), 0)::bigint FROM mc.usage_events u, d WHERE u.org_id = x.org_id AND u.customer_id = x.id AND u.occurred_at >= d.since) AS tokens_today
       FROM (${SELECT}) x
      ORDER BY x.name`,
  );
  const since = (await sql.one<{ since: string }>(`SELECT ${DAY_START} AS since`)).since;
  return { customers: rows.map((r) => ({ ...toRecord(r), requestsToday: r.requests_today, tokensToday: Number(r.tokens_today) })), since };
}

type Detail = z.output<(typeof customersGet)['response']>;

export async function customerDetail(sql: Sql, id: string): Promise<Detail> {
  const customer = await getCustomerRecord(sql, id);
  const t = await sql.one<{
    day_start: string;
    month_start: string;
    d_requests: number;
    d_refused: number;
    m_requests: number;
    m_refused: number;
    d_prompt: string;
    d_completion: string;
    m_prompt: string;
    m_completion: string;
    peak_req: number;
    peak_tok: string;
    simulated: boolean;
  }>(
    `WITH b AS (SELECT ${DAY_START} AS day_start, ${MONTH_START} AS month_start),
          a AS (SELECT a.started_at, a.status, a.simulated FROM mc.api_requests a, b WHERE a.customer_id = $1 AND a.started_at >= least(b.day_start, b.month_start)),
          u AS (SELECT u.occurred_at, u.prompt_tokens, u.completion_tokens, u.simulated FROM mc.usage_events u, b WHERE u.customer_id = $1 AND u.occurred_at >= least(b.day_start, b.month_start))
     SELECT b.day_start, b.month_start,
            (SELECT count(*)::int FROM a WHERE a.started_at >= b.day_start) AS d_requests,
            (SELECT count(*)::int FROM a WHERE a.started_at >= b.day_start AND a.status >= 400) AS d_refused,
            (SELECT count(*)::int FROM a WHERE a.started_at >= b.month_start) AS m_requests,
            (SELECT count(*)::int FROM a WHERE a.started_at >= b.month_start AND a.status >= 400) AS m_refused,
            (SELECT coalesce(sum(prompt_tokens), 0)::bigint FROM u WHERE u.occurred_at >= b.day_start) AS d_prompt,
            (SELECT coalesce(sum(completion_tokens), 0)::bigint FROM u WHERE u.occurred_at >= b.day_start) AS d_completion,
            (SELECT coalesce(sum(prompt_tokens), 0)::bigint FROM u WHERE u.occurred_at >= b.month_start) AS m_prompt,
            (SELECT coalesce(sum(completion_tokens), 0)::bigint FROM u WHERE u.occurred_at >= b.month_start) AS m_completion,
            coalesce((SELECT max(n) FROM (SELECT count(*)::int AS n FROM a WHERE a.started_at >= b.day_start GROUP BY date_trunc('minute', a.started_at)) m), 0) AS peak_req,
            coalesce((SELECT max(n) FROM (SELECT sum(prompt_tokens + completion_tokens)::bigint AS n FROM u WHERE u.occurred_at >= b.day_start GROUP BY date_trunc('minute', u.occurred_at)) m), 0) AS peak_tok,
            (EXISTS (SELECT 1 FROM a WHERE a.simulated) OR EXISTS (SELECT 1 FROM u WHERE u.simulated)) AS simulated
       FROM b`,
    [id],
  );
  const monthTokens = Number(t.m_prompt) + Number(t.m_completion);
  const decisions = await sql.query<{
    id: string;
    decided_at: string;
    source: 'simulation' | 'gateway';
    model: string;
    origin_country: string;
    region: string | null;
    selected_hostname: string | null;
    fallback_hostname: string | null;
    policy_reason: string;
    explanation: string | null;
  }>(
    `SELECT d.id, d.decided_at, d.source, d.model, d.origin_country, d.region, sn.hostname AS selected_hostname, fn.hostname AS fallback_hostname, d.policy_reason, d.explanation
       FROM mc.routing_decisions d
       LEFT JOIN mc.nodes sn ON sn.org_id = d.org_id AND sn.id = d.selected_node_id
       LEFT JOIN mc.nodes fn ON fn.org_id = d.org_id AND fn.id = d.fallback_node_id
      WHERE d.customer_id = $1
      ORDER BY d.decided_at DESC, d.id LIMIT 20`,
    [id],
  );
  return {
    customer,
    usage: {
      dayStart: t.day_start,
      monthStart: t.month_start,
      today: { requests: t.d_requests, refused: t.d_refused, promptTokens: Number(t.d_prompt), completionTokens: Number(t.d_completion) },
      month: { requests: t.m_requests, refused: t.m_refused, promptTokens: Number(t.m_prompt), completionTokens: Number(t.m_completion) },
      peakRequestsPerMinToday: t.peak_req,
      peakTokensPerMinToday: Number(t.peak_tok),
      quotaUsed: customer.limits.monthlyTokenQuota === null ? null : monthTokens / customer.limits.monthlyTokenQuota,
      simulated: t.simulated,
    },
    decisions: decisions.map((d) => ({
      id: d.id,
      decidedAt: d.decided_at,
      source: d.source,
      model: d.model,
      originCountry: d.origin_country,
      region: d.region,
      selectedHostname: d.selected_hostname,
      fallbackHostname: d.fallback_hostname,
      policyReason: d.policy_reason,
      explanation: d.explanation,
    })),
  };
}
