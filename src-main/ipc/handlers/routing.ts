import { listDecisions, replayDecision, runWhatIf, simulate } from '../../services/routing';
import { installDefaults, listSla, saveCustomer, savePolicy, setTierPolicy } from '../../services/sla';
import type { Handlers } from '../types';

export const routingHandlers = {
  'sla.list': async (_input, ctx) => ctx.read((sql) => listSla(sql), { snapshot: true }),
  'sla.savePolicy': async (input, ctx) => ({ policy: await savePolicy(ctx.sql, input, ctx.audit) }),
  'sla.setTierPolicy': async (input, ctx) => {
    await setTierPolicy(ctx.sql, input, ctx.audit);
    return { ok: true as const };
  },
  'sla.installDefaults': async (_input, ctx) => ({ installed: await installDefaults(ctx.sql, ctx.audit, () => ctx.unchanged()) }),
  'sla.saveCustomer': async (input, ctx) => ({ customer: await saveCustomer(ctx.sql, input, ctx.audit) }),
  'routing.simulate': async (input, ctx) => simulate(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'routing.whatIf': async (input, ctx) => ctx.read((sql) => runWhatIf(sql, input), { snapshot: true }),
  'routing.decisions': async (input, ctx) => ({ decisions: await ctx.read((sql) => listDecisions(sql, input.limit)) }),
  'routing.replay': async (input, ctx) => ctx.read((sql) => replayDecision(sql, input.decisionId), { snapshot: true }),
} satisfies Partial<Handlers>;
