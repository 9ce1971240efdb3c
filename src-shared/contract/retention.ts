import { z } from 'zod';
import { empty, query } from './channel';

const rowSchema = z.object({
  key: z.string(),
  label: z.string(),
  holds: z.string(),
  /** The period in words, with the setting's current value. */
  keep: z.string(),
  /** The period in ms; null when there is no time limit (kept for good, files, not collected). */
  keepMs: z.number().nullable(),
  how: z.string(),
  /** Purged by the hourly database upkeep. */
  upkeep: z.boolean(),
  /** The oldest record still kept (upkeep classes), to see the period holding. */
  oldestAt: z.string().nullable(),
  nextPurgeAt: z.string().nullable(),
});
export type RetentionRow = z.infer<typeof rowSchema>;

export const retentionMatrix = query('retention.matrix', {
  summary: 'The retention matrix as it holds in this database: per data class its period, how it is enforced, the oldest record kept and the next purge.',
  request: empty,
  response: z.object({ rows: z.array(rowSchema), lastUpkeepAt: z.string().nullable(), nextUpkeepAt: z.string().nullable() }),
});
