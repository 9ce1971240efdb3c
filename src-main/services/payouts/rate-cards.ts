import { McError } from '../../../src-shared/contract/errors';
import type { RateCard, RateCardInput } from '../../../src-shared/contract/payouts';
import type { Sql } from '../../db';
import type { Recorder } from '../org';

/** How many versions the list shows; older ones stay stored and can still be named by number. */
export const RATE_CARD_LIST_LIMIT = 100;

interface Row {
  version: number;
  currency: string;
  gpu_hour_rates: { gpuClass: string; rate: number }[];
  default_gpu_hour_rate: string;
  per_million_tokens: string;
  energy_per_kwh: string;
  sla_policy_id: string;
  sla_policy_name: string;
  uptime_target_pct: string;
  credit_pct_per_point: string;
  max_credit_pct: string;
  note: string;
  created_at: string;
  created_by_name: string | null;
}

const SELECT = `
  SELECT rc.version, rc.currency, rc.gpu_hour_rates, rc.default_gpu_hour_rate, rc.per_million_tokens, rc.energy_per_kwh,
         rc.sla_policy_id, p.name AS sla_policy_name, rc.uptime_target_pct, rc.credit_pct_per_point, rc.max_credit_pct,
         rc.note, rc.created_at, o.display_name AS created_by_name
    FROM mc.payout_rate_cards rc
    JOIN mc.sla_policies p ON p.org_id = rc.org_id AND p.id = rc.sla_policy_id
    LEFT JOIN mc.operators o ON o.id = rc.created_by`;

// numeric arrives as text from pg: exact, and Number() of a numeric(12,4) is exact enough to price with.
const toCard = (r: Row): RateCard => ({
  version: r.version,
  currency: r.currency,
  gpuHourRates: r.gpu_hour_rates.map((g) => ({ gpuClass: g.gpuClass, rate: Number(g.rate) })),
  defaultGpuHourRate: Number(r.default_gpu_hour_rate),
  perMillionTokens: Number(r.per_million_tokens),
  energyPerKwh: Number(r.energy_per_kwh),
  slaPolicyId: r.sla_policy_id,
  slaPolicyName: r.sla_policy_name,
  uptimeTargetPct: Number(r.uptime_target_pct),
  creditPctPerPoint: Number(r.credit_pct_per_point),
  maxCreditPct: Number(r.max_credit_pct),
  note: r.note,
  createdAt: new Date(r.created_at).toISOString(),
  createdBy: r.created_by_name,
});

export async function listRateCards(sql: Sql): Promise<RateCard[]> {
  return (await sql.query<Row>(`${SELECT} ORDER BY rc.version DESC LIMIT ${RATE_CARD_LIST_LIMIT}`)).map(toCard);
}

/** One version, or the newest when none is named; null when the org has no card yet. */
export async function rateCard(sql: Sql, version?: number): Promise<RateCard | null> {
  const r =
    version === undefined
      ? await sql.maybeOne<Row>(`${SELECT} ORDER BY rc.version DESC LIMIT 1`)
      : await sql.maybeOne<Row>(`${SELECT} WHERE rc.version = $1`, [version]);
  if (!r && version !== undefined) throw new McError('NOT_FOUND', `Rate card version ${version} does not exist in this org.`);
  return r ? toCard(r) : null;
}

/** What a new version can name: the SLA policies, and the GPU classes the grid's nodes have. */
export async function rateCardOptions(sql: Sql) {
  const slaPolicies = (await sql.query<{ id: string; name: string; uptime_target_pct: string }>('SELECT id, name, uptime_target_pct FROM mc.sla_policies ORDER BY name LIMIT 500')).map((p) => ({
    id: p.id,
    name: p.name,
    uptimeTargetPct: Number(p.uptime_target_pct),
  }));
  const gpuClasses = (await sql.query<{ gpu_model: string }>('SELECT DISTINCT gpu_model FROM mc.nodes ORDER BY gpu_model LIMIT 200')).map((r) => r.gpu_model);
  return { slaPolicies, gpuClasses };
}

/**
 * A new version, never an edit: the version before it, and every estimate that names it, stay as
 * they were. The SLA policy's uptime target is copied in, so the version keeps meaning the same.
 */
export async function saveRateCard(sql: Sql, rec: Recorder, input: RateCardInput): Promise<RateCard> {
  if (input.maxCreditPct < input.creditPctPerPoint && input.maxCreditPct > 0) {
    // Not an error in arithmetic, but almost surely a slip: the cap would cut the first point's credit.
    throw new McError('VALIDATION', 'The credit cap is below the credit for one point: raise the cap or lower the credit per point.', { maxCreditPct: 'At least the credit per point.' });
  }
  const policy = await sql.maybeOne<{ uptime_target_pct: string }>('SELECT uptime_target_pct FROM mc.sla_policies WHERE id = $1', [input.slaPolicyId]);
  if (!policy) throw new McError('NOT_FOUND', 'That SLA policy does not exist in this org.', { slaPolicyId: 'Pick one of the org’s SLA policies.' });
  const before = await rateCard(sql);
  const version = (before?.version ?? 0) + 1;
  await sql.query(
    `INSERT INTO mc.payout_rate_cards (org_id, version, currency, gpu_hour_rates, default_gpu_hour_rate, per_million_tokens, energy_per_kwh,
                                       sla_policy_id, uptime_target_pct, credit_pct_per_point, max_credit_pct, note, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, mc.current_operator_id())`,
    [
      version,
      input.currency,
      JSON.stringify(input.gpuHourRates.map((r) => ({ gpuClass: r.gpuClass, rate: r.rate }))),
      input.defaultGpuHourRate,
      input.perMillionTokens,
      input.energyPerKwh,
      input.slaPolicyId,
      policy.uptime_target_pct,
      input.creditPctPerPoint,
      input.maxCreditPct,
      input.note,
    ],
  );
  const saved = (await rateCard(sql, version))!;
  await rec.audit({
    action: 'payouts.rate_card_saved',
    target: { type: 'payout_rate_card', id: String(version) },
    data: { version, previousVersion: before?.version ?? null, card: { ...saved, createdAt: undefined, createdBy: undefined } },
  });
  return saved;
}
