import { expect } from 'vitest';
import { asOwner, type TestDatabase } from './db';
import { refused } from './harness';

type Refusable = Parameters<typeof refused>[0];

/**
 * "Refused, and nothing stored added, lost or changed": every row of the given tables (schema mc)
 * of one org, read as the owner before and after the refused call.
 */
export function unchangedOn(db: () => TestDatabase, orgId: () => string, tables: readonly string[]) {
  const stored = () =>
    asOwner(db(), null, async (c) => {
      const out: Record<string, unknown[]> = {};
      for (const t of tables) out[t] = (await c.query(`SELECT to_jsonb(x) AS row FROM mc.${t} x WHERE x.org_id = $1 ORDER BY to_jsonb(x)::text`, [orgId()])).rows.map((r) => r.row);
      return out;
    });
  async function refusedUnchanged(core: Refusable, channel: string, payload: unknown) {
    const before = await stored();
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }
  return { stored, refusedUnchanged };
}
