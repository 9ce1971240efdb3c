import { addChannel, listChannels, listDeliveries, removeChannel } from '../../services/notify';
import type { Handlers } from '../types';

export const notifyHandlers = {
  'notify.channels': async (_input, ctx) => ({ channels: await ctx.read((sql, session) => listChannels(sql, ctx.deps.vault, session.orgId)) }),
  'notify.addChannel': async (input, ctx) => ({ channel: await addChannel(ctx.sql, ctx.deps.vault, ctx.session.orgId, input.channel, ctx.audit) }),
  'notify.removeChannel': async (input, ctx) => {
    await removeChannel(ctx.sql, ctx.deps.vault, ctx.session.orgId, input.channelId, ctx.audit);
    return { removed: true as const };
  },
  'notify.deliveries': async (input, ctx) => ({ deliveries: await ctx.read((sql) => listDeliveries(sql, input.incidentId)) }),
} satisfies Partial<Handlers>;
