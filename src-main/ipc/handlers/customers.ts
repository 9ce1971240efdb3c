import { customerDetail, listCustomers, orgLimit, saveCustomer, setOrgLimit } from '../../services/customers';
import type { Handlers } from '../types';

export const customersHandlers = {
  'customers.list': async (_input, ctx) => ctx.read((sql) => listCustomers(sql), { snapshot: true }),
  'customers.get': async (input, ctx) => ctx.read((sql) => customerDetail(sql, input.id), { snapshot: true }),
  'customers.orgLimit': async (_input, ctx) => ctx.read(async (sql) => ({ limit: await orgLimit(sql) }), { snapshot: true }),
  'customers.setOrgLimit': async (input, ctx) => ({ limit: await setOrgLimit(ctx.sql, input.requestsPerMin, ctx.audit, () => ctx.unchanged()) }),
  'customers.save': async (input, ctx) => {
    const { id, key, name, tier, homeCorridorId, slaPolicyId, reservedNodeIds, reason: _reason, ...terms } = input;
    return { customer: await saveCustomer(ctx.sql, { id, key, name, tier, homeCorridorId, slaPolicyId, reservedNodeIds }, terms, ctx.audit, () => ctx.unchanged()) };
  },
} satisfies Partial<Handlers>;
