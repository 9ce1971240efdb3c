import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const TSC = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');

/** Compiles files with the real TypeScript compiler; returns its diagnostics ('' when clean). */
function tsc(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    execFileSync(process.execPath, [TSC, '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', ...Object.keys(files)], {
      cwd: dir,
      encoding: 'utf8',
    });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe.skipIf(!ok)('TypeScript types generated from the database schema', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let dir: string;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'dbtypes');
    await asOwner(db, null, (c) =>
      c.query(`
        CREATE SCHEMA shop;
        CREATE TYPE shop.mood AS ENUM ('happy', 'sad', 'it''s "complicated"');
        CREATE DOMAIN shop.positive AS integer CHECK (VALUE > 0);
        CREATE TABLE shop.orders (id uuid NOT NULL PRIMARY KEY, note text, moods shop.mood[] NOT NULL DEFAULT '{}', qty shop.positive NOT NULL,
                                  total numeric(10,2), meta jsonb, placed_at timestamptz NOT NULL DEFAULT now(), "Weird Name" text, dropped int);
        ALTER TABLE shop.orders DROP COLUMN dropped;
        CREATE VIEW shop.open_orders AS SELECT id, qty FROM shop.orders WHERE note IS NULL;`),
    );
    admin = await coreOn(db, org.admin.email);
    dir = mkdtempSync(join(tmpdir(), 'mc-dbtypes-'));
  });
  afterAll(async () => {
    await admin?.cleanup();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a table’s columns with their types and nullability, views and enums, and the output compiles with tsc', async () => {
    const shop = await call<Response<'migrations.types'>>(admin, 'migrations.types', { schemas: ['shop'] });
    expect(shop).toMatchObject({ schemas: ['shop'], tables: 1, views: 1, enums: 1, fileName: `${db.target.database}.database.ts` });
    expect(shop.text).toContain(
      [
        '      orders: {',
        '        id: string;',
        '        note: string | null;',
        `        moods: ("happy" | "sad" | "it's \\"complicated\\"")[];`,
        '        qty: number;',
        '        total: string | null;',
        '        meta: Json | null;',
        '        placed_at: string;',
        '        "Weird Name": string | null;',
        '      };',
      ].join('\n'),
    );
    expect(shop.text).not.toContain('dropped');
    const all = await call<Response<'migrations.types'>>(admin, 'migrations.types', {});
    expect(all.schemas).toEqual(expect.arrayContaining(['mc', 'shop']));
    const use = `import type { Database } from './all';
import type { Database as Shop } from './shop';
type Order = Shop['shop']['Tables']['orders'];
export const o: Order = { id: 'x', note: null, moods: ['happy', 'it\\'s "complicated"'], qty: 3, total: '1.50', meta: { a: [1, null] }, placed_at: 'now', 'Weird Name': null };
export const open: Shop['shop']['Views']['open_orders'] = { id: null, qty: 1 };
export const release: Database['mc']['Tables']['deployment_runs']['release_name'] = 'Spring';
export const corridor: Database['mc']['Tables']['deployment_runs']['corridor_id'] = null;
// @ts-expect-error a NOT NULL column is not nullable
export const badId: Order['id'] = null;
// @ts-expect-error only the enum's labels
export const badMood: Order['moods'][number] = 'angry';
// @ts-expect-error release_name is NOT NULL
export const badRelease: Database['mc']['Tables']['deployment_runs']['release_name'] = null;
`;
    expect(tsc(dir, { 'shop.ts': shop.text, 'all.ts': all.text, 'use.ts': use })).toBe('');
    // The compiler check can fail: a wrong column type is reported.
    expect(tsc(dir, { 'shop.ts': shop.text, 'wrong.ts': `import type { Database } from './shop';\nexport const q: Database['shop']['Tables']['orders']['qty'] = 'three';\n` })).toMatch(/wrong\.ts.*TS2322/);
  });

  it('refuses an unknown or malformed schema name', async () => {
    expect(await refused(admin, 'migrations.types', { schemas: ['no_such_schema'] })).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no_such_schema/) });
    expect(await refused(admin, 'migrations.types', { schemas: ['shop; DROP TABLE x'] })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'migrations.types', { schemas: Array.from({ length: 21 }, (_, i) => `s${i}`) })).toMatchObject({ code: 'VALIDATION' });
  });
});
