import { retentionMatrix } from '../../services/retention';
import type { Handlers } from '../types';

export const retentionHandlers = {
  'retention.matrix': async (_input, ctx) => ctx.read((sql) => retentionMatrix(sql)),
} satisfies Partial<Handlers>;
