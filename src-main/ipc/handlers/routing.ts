import { listDecisions, replayDecision, runWhatIf, simulate } from '../../services/routing';
import { saveCustomer } from '../../services/customers';
import { getCustomer, installDefaults, listSla, savePolicy, setTierPolicy } from '../../services/sla';
import type { Handlers } from '../types';

export const routingHandlers = {
  'sla.list': async (_input, ctx) => ctx.read((sql) => listSla(sql), { snapshot: true }),
  'sla.savePolicy': async (input, ctx) => ({ policy: await savePolicy(ctx.sql, input, ctx.audit) }),
  'sla.setTierPolicy': async (input, ctx) => {
    await setTierPolicy(ctx.sql, input, ctx.audit);
    return { ok: true as const };
  },
  'sla.installDefaults': async (_input, ctx) => ({ installed: await installDefaults(ctx.sql, ctx.audit, () => ctx.unchanged()) }),
  // The SLA view's customer dialog: the same save as customers.save, leaving limits, committed
  // capacity, allowed corridors and contacts as they are (they are edited in Customers).
  'sla.saveCustomer': async ({ reason: _reason, ...placement }, ctx) => {
    const saved = await saveCustomer(ctx.sql, placement, undefined, ctx.audit, () => ctx.unchanged());
    return { customer: await getCustomer(ctx.sql, saved.id) };
  },
  'routing.simulate': async (input, ctx) => simulate(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'routing.whatIf': async (input, ctx) => ctx.read((sql) => runWhatIf(sql, input), { snapshot: true }),
  'routing.decisions': async (input, ctx) => ({ decisions: await ctx.read((sql) => listDecisions(sql, input.limit, input.decisionId ?? null)) }),
  'routing.replay': async (input, ctx) => ctx.read((sql) => replayDecision(sql, input.decisionId), { snapshot: true }),
} satisfies Partial<Handlers>;
