import { commandRecorder } from '../../services/org';
import { listRateCards, payoutEstimate, rateCardOptions, saveRateCard } from '../../services/payouts';
import type { Handlers } from '../types';

export const payoutsHandlers = {
  'payouts.estimate': async (input, ctx) => ({
    estimate: await ctx.read((sql, session) => payoutEstimate(sql, input, session.orgName, new Date()), { snapshot: true }),
  }),
  'payouts.rateCards': async (_input, ctx) =>
    ctx.read(async (sql) => ({ versions: await listRateCards(sql), ...(await rateCardOptions(sql)) }), { snapshot: true }),
  'payouts.saveRateCard': async (input, ctx) => ({ rateCard: await saveRateCard(ctx.sql, commandRecorder(ctx.session, ctx.audit), input) }),
} satisfies Partial<Handlers>;
