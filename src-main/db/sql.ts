import { createHash } from 'node:crypto';
import pg, { type ClientBase, type QueryResultRow } from 'pg';

/** The small query surface services use; one implementation over any pg client. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
  one<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R>;
  maybeOne<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R | null>;
  /**
   * Each row handed to `onRow` as it is read, none kept: for reads whose rows are used once and
   * dropped (a bundle's pass over the log). A result kept whole lives long enough for V8 to move
   * its rows' allocation site to the old generation, so every later row is garbage only a full
   * collection frees. If `onRow` throws, the rest of the rows are skipped and the error is
   * returned once the statement ends. Resolves to the number of rows. The statement is prepared
   * on the connection (named by its text), as it is run once per page.
   */
  each<R extends QueryResultRow = QueryResultRow>(text: string, params: readonly unknown[], onRow: (row: R) => void): Promise<number>;
}

export function sqlOf(client: ClientBase): Sql {
  const query = async <R extends QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R[]> =>
    (await client.query<R>(text, params as unknown[] | undefined)).rows;
  const each = <R extends QueryResultRow>(text: string, params: readonly unknown[], onRow: (row: R) => void) =>
    new Promise<number>((resolve, reject) => {
      // Named, so the connection parses and plans it once: a pass runs the same statement per page.
      const q = new pg.Query<R>({ text, values: params as unknown[], name: `mc_each_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` });
      let n = 0;
      let failed: { error: unknown } | null = null;
      q.on('row', (row: R) => {
        if (failed) return;
        try {
          onRow(row);
          n++;
        } catch (error) {
          failed = { error };
        }
      });
      q.on('error', reject);
      q.on('end', () => (failed ? reject(failed.error) : resolve(n)));
      void client.query(q);
    });
  return {
    query,
    each,
    async one<R extends QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R> {
      const rows = await query<R>(text, params);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
      return rows[0] as R;
    },
    async maybeOne<R extends QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R | null> {
      const rows = await query<R>(text, params);
      return rows[0] ?? null;
    },
  };
}
