import { issueKey, listKeys, revokeKey, rotateKey } from '../../services/keys';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const keysHandlers = {
  'keys.list': async (input, ctx) => ctx.read((sql) => listKeys(sql, input.staleDays), { snapshot: true }),
  'keys.issue': async (input, ctx) => issueKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'keys.rotate': async (input, ctx) => rotateKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit),
  'keys.revoke': async (input, ctx) => ({ key: await revokeKey(ctx.sql, { ...input, operatorId: ctx.session.operatorId }, ctx.audit) }),
} satisfies Partial<Handlers>;

export const keysTopics = {
  'keys.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'keys.changed', emit),
} satisfies Partial<TopicHandlers>;
