import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase, testServers } from '../testing/db';
import { sqlOf } from './sql';

// Sql.each (a bundle's pass over the audit log): rows handed on one by one, and every way a
// statement can end (done, the caller's error, the server's error) settles it and leaves the
// connection usable.
describe('Sql.each', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createDatabase(testServers()[0]!, 'each');
    client = await db.owner();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('hands on every row in order with the client’s type parsing, and resolves to the count; run again, the prepared statement gives the same', async () => {
    const sql = sqlOf(client);
    for (const n of [1000, 3]) {
      const seen: number[] = [];
      const text = 'SELECT g::int8 AS g, now() AS at FROM generate_series(1, $1::int) g ORDER BY g';
      const count = await sql.each<{ g: number; at: string }>(text, [n], (r) => {
        expect(typeof r.g).toBe('number');
        seen.push(r.g);
      });
      expect(count).toBe(n);
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });

  it('stops handing on rows when the caller throws, rejects with that error, and the connection still answers', async () => {
    const sql = sqlOf(client);
    const seen: number[] = [];
    await expect(
      sql.each<{ g: number }>('SELECT g FROM generate_series(1, 500) g ORDER BY g', [], (r) => {
        if (r.g === 10) throw new Error('cancelled at ten');
        seen.push(r.g);
      }),
    ).rejects.toThrow('cancelled at ten');
    expect(seen).toHaveLength(9);
    expect((await sql.query<{ one: number }>('SELECT 1 AS one'))[0]?.one).toBe(1);
  });

  it('rejects with the server’s error when the statement fails midway or is not valid, and the connection still answers', async () => {
    const sql = sqlOf(client);
    let handed = 0;
    // No sort: the server sends rows 1 to 299 before it reaches the error.
    await expect(sql.each('SELECT 1 / (g - 300) AS x FROM generate_series(1, 1000) g', [], () => handed++)).rejects.toThrow('division by zero');
    expect(handed).toBe(299);
    await expect(sql.each('SELEKT 1', [], () => handed++)).rejects.toThrow(/syntax error/);
    expect((await sql.query<{ one: number }>('SELECT 1 AS one'))[0]?.one).toBe(1);
  });
});
