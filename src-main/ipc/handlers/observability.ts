import { drilldown, gatewayActivity, observabilityOverview, operatorSummary, series } from '../../services/observability';
import { probeLocalGateway } from '../../services/observability/local-gateway';
import { setEnergyTarget } from '../../services/org';
import type { Handlers } from '../types';

export const observabilityHandlers = {
  'observability.overview': async (_input, ctx) => ctx.read((sql) => observabilityOverview(sql, new Date()), { snapshot: true }),
  'observability.series': async (input, ctx) => ctx.read((sql) => series(sql, input.corridorId, input.window, new Date())),
  'observability.drilldown': async (input, ctx) => ctx.read((sql) => drilldown(sql, input.corridorId, input.score, input.limit, new Date()), { snapshot: true }),
  'observability.setEnergyTarget': async (input, ctx) => {
    const whPer1k = await setEnergyTarget(ctx.sql, input.whPer1k);
    await ctx.audit({ action: 'observability.energy_target_set', target: { type: 'org', id: ctx.session.orgId }, data: { whPer1k } });
    return { whPer1k };
  },
  'observability.gateway': async (_input, ctx) => {
    const now = new Date();
    const [instances, local] = await Promise.all([ctx.read((sql) => gatewayActivity(sql, now)), probeLocalGateway(ctx.deps.localGateway?.status() ?? null)]);
    return { at: now.toISOString(), local, instances };
  },
  'operator.summary': async (_input, ctx) => ctx.read((sql) => operatorSummary(sql, new Date()), { snapshot: true }),
} satisfies Partial<Handlers>;
