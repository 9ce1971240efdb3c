import type { ClientBase, QueryResultRow } from 'pg';

/** The small query surface services use; one implementation over any pg client. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
  one<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R>;
  maybeOne<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R | null>;
}

export function sqlOf(client: ClientBase): Sql {
  const query = async <R extends QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R[]> =>
    (await client.query<R>(text, params as unknown[] | undefined)).rows;
  return {
    query,
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
