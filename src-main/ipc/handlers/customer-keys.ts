import { issueCustomerKey, listCustomerKeys, revokeCustomerKey, rotateCustomerKey } from '../../services/keys/customer-keys';
import type { Handlers } from '../types';

export const customerKeysHandlers = {
  'customerKeys.list': async (input, ctx) => ctx.read((sql) => listCustomerKeys(sql, input.staleDays), { snapshot: true }),
  'customerKeys.issue': async (input, ctx) => issueCustomerKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'customerKeys.rotate': async (input, ctx) => rotateCustomerKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'customerKeys.revoke': async (input, ctx) => ({ key: await revokeCustomerKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
} satisfies Partial<Handlers>;
