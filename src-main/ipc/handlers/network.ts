import { networkOverlay, siteDetail } from '../../services/network';
import type { Handlers } from '../types';

export const networkHandlers = {
  'network.overlay': async (_input, ctx) => ctx.read((sql) => networkOverlay(sql), { snapshot: true }),
  'network.site': async (input, ctx) => ctx.read((sql) => siteDetail(sql, input.siteId, new Date()), { snapshot: true }),
} satisfies Partial<Handlers>;
