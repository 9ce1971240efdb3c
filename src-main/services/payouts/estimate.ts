import { McError } from '../../../src-shared/contract/errors';
import type { PayoutEstimate, PeriodInput } from '../../../src-shared/contract/payouts';
import { estimateOwners, NO_RATE_CARD_NOTE, periodBounds, PeriodError } from '../../../src-shared/domain/payouts';
import type { Sql } from '../../db';
import { siteFigures } from './figures';
import { rateCard } from './rate-cards';

/**
 * The payout estimate for every site owner over a period, priced with one rate card version (the
 * newest unless one is named). Nothing is stored: the same records and version give the same
 * figures, which is what lets an exported estimate be checked again later.
 */
export async function payoutEstimate(
  sql: Sql,
  input: { period: PeriodInput; rateCardVersion?: number; includeSimulated: boolean },
  orgName: string,
  now: Date,
): Promise<PayoutEstimate> {
  let period;
  try {
    period = periodBounds(input.period, now);
  } catch (e) {
    if (e instanceof PeriodError) throw new McError('VALIDATION', e.message, { period: e.message });
    throw e;
  }
  const card = await rateCard(sql, input.rateCardVersion);
  const until = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  const { sites, unattributed } = await siteFigures(sql, period.from, period.to, until);

  const notes: string[] = card ? [] : [NO_RATE_CARD_NOTE];
  if (unattributed.events > 0) {
    notes.push(`${unattributed.events} usage events (${unattributed.prompt + unattributed.completion} tokens) name no node of a site and are in no site’s figures.`);
  }
  const rollupDays = (await sql.maybeOne<{ days: number | null }>(`SELECT mc.setting_int('rollup_retention_days') AS days`))?.days ?? null;
  if (rollupDays !== null && new Date(period.from).getTime() < now.getTime() - rollupDays * 86_400_000) {
    notes.push(`Telemetry rollups are kept ${rollupDays} days: minutes older than that are gone, so GPU-hours, energy and availability before then read as missing or down.`);
  }
  return {
    estimate: true,
    period,
    generatedAt: now.toISOString(),
    orgName,
    rateCard: card,
    includeSimulated: input.includeSimulated,
    owners: estimateOwners(sites, card, input.includeSimulated),
    notes,
  };
}
