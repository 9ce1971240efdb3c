import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';

/**
 * TypeScript types of the connected database's schema, generated from pg_catalog: per schema its
 * tables, views (and materialized views) with each column's type and nullability, and its enums.
 * Read through the app's own session, so it shows what the catalog shows to the app role.
 */
export interface SchemaModel {
  schemas: { name: string; tables: Relation[]; views: Relation[]; enums: { name: string; values: string[] }[] }[];
}
interface Relation {
  name: string;
  columns: { name: string; type: string; nullable: boolean }[];
}

/** Built-in types by name (the element type for arrays); everything else is `unknown`. */
const SCALARS: Record<string, string> = {
  bool: 'boolean',
  int2: 'number',
  int4: 'number',
  float4: 'number',
  float8: 'number',
  oid: 'number',
  // node-postgres returns these as strings: exact values that do not fit a JS number.
  int8: 'string',
  numeric: 'string',
  money: 'string',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  char: 'string',
  name: 'string',
  citext: 'string',
  uuid: 'string',
  inet: 'string',
  cidr: 'string',
  macaddr: 'string',
  bytea: 'string',
  date: 'string',
  time: 'string',
  timetz: 'string',
  timestamp: 'string',
  timestamptz: 'string',
  interval: 'string',
  tsvector: 'string',
  xml: 'string',
  json: 'Json',
  jsonb: 'Json',
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name));
const SYSTEM = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

export async function readSchemaModel(sql: Sql, only: readonly string[] | null): Promise<SchemaModel> {
  const filter = only && only.length > 0 ? only : null;
  const cols = await sql.query<{ schema: string; rel: string; kind: string; col: string; notnull: boolean; ts: string }>(
    `WITH RECURSIVE base AS (
       -- A column's type resolved through domains to the type it stores, keeping array-ness.
       SELECT t.oid, t.oid AS cur, 0 AS depth FROM pg_type t
       UNION ALL
       SELECT b.oid, t.typbasetype, b.depth + 1 FROM base b JOIN pg_type t ON t.oid = b.cur WHERE t.typtype = 'd' AND b.depth < 10
     )
     SELECT n.nspname AS schema, c.relname AS rel, c.relkind::text AS kind, a.attname AS col, a.attnotnull AS notnull,
            CASE WHEN rt.typcategory = 'A' THEN 'A:' ELSE '' END
              || CASE WHEN et.typtype = 'e' THEN 'E:' || en.nspname || '.' || et.typname ELSE et.typname END AS ts
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL (SELECT cur FROM base WHERE base.oid = a.atttypid ORDER BY depth DESC LIMIT 1) r ON true
       JOIN pg_type rt ON rt.oid = r.cur
       JOIN pg_type et ON et.oid = CASE WHEN rt.typcategory = 'A' THEN rt.typelem ELSE rt.oid END
       JOIN pg_namespace en ON en.oid = et.typnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${SYSTEM}
        AND ($1::text[] IS NULL OR n.nspname = ANY ($1))
      ORDER BY n.nspname, c.relname, a.attnum`,
    [filter],
  );
  const enums = await sql.query<{ schema: string; name: string; values: string[] }>(
    `SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${SYSTEM} AND ($1::text[] IS NULL OR n.nspname = ANY ($1))
      GROUP BY n.nspname, t.typname ORDER BY n.nspname, t.typname`,
    [filter],
  );
  const enumValues = new Map(enums.map((e) => [`${e.schema}.${e.name}`, e.values]));
  const model: SchemaModel = { schemas: [] };
  const schemaOf = (name: string) => {
    let s = model.schemas.find((x) => x.name === name);
    if (!s) model.schemas.push((s = { name, tables: [], views: [], enums: [] }));
    return s;
  };
  for (const c of cols) {
    const s = schemaOf(c.schema);
    const list = c.kind === 'v' || c.kind === 'm' ? s.views : s.tables;
    let rel = list.find((r) => r.name === c.rel);
    if (!rel) list.push((rel = { name: c.rel, columns: [] }));
    rel.columns.push({ name: c.col, type: tsType(c.ts, enumValues), nullable: !c.notnull });
  }
  for (const e of enums) schemaOf(e.schema).enums.push({ name: e.name, values: e.values });
  if (filter) {
    const missing = filter.filter((f) => !model.schemas.some((s) => s.name === f));
    if (missing.length > 0) throw new McError('NOT_FOUND', `No table, view or enum in schema ${missing.join(', ')} is visible on this connection; check the name.`, { schemas: 'Unknown schema.' });
  }
  model.schemas.sort((a, b) => a.name.localeCompare(b.name));
  return model;
}

/** "A:E:mc.state" → "('a' | 'b')[]"; an enum is written out as its union of labels. */
function tsType(ts: string, enums: Map<string, string[]>): string {
  const array = ts.startsWith('A:');
  const inner = array ? ts.slice(2) : ts;
  let t: string;
  if (inner.startsWith('E:')) {
    const values = enums.get(inner.slice(2)) ?? [];
    t = values.length > 0 ? values.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    if (array && values.length > 1) t = `(${t})`;
  } else {
    t = SCALARS[inner] ?? 'unknown';
  }
  return array ? `${t}[]` : t;
}

/** The model as one TypeScript module: `Database[schema]['Tables' | 'Views'][name]` is a row. */
export function renderTypes(model: SchemaModel, source: { database: string; at: string }): string {
  const out: string[] = [
    `// Types of database ${JSON.stringify(source.database)} as read from its catalog at ${source.at}.`,
    '// Generated by UmamiEdge Mission Control (Migrations → Download types); regenerate, do not edit.',
    '',
    'export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];',
    '',
    'export interface Database {',
  ];
  const rels = (label: string, list: Relation[]) => {
    if (list.length === 0) return [`    ${label}: Record<never, never>;`];
    const lines = [`    ${label}: {`];
    for (const r of list) {
      lines.push(`      ${key(r.name)}: {`);
      for (const c of r.columns) lines.push(`        ${key(c.name)}: ${c.type}${c.nullable ? ' | null' : ''};`);
      lines.push('      };');
    }
    lines.push('    };');
    return lines;
  };
  for (const s of model.schemas) {
    out.push(`  ${key(s.name)}: {`, ...rels('Tables', s.tables), ...rels('Views', s.views));
    if (s.enums.length === 0) out.push('    Enums: Record<never, never>;');
    else {
      out.push('    Enums: {');
      for (const e of s.enums) out.push(`      ${key(e.name)}: ${e.values.length > 0 ? e.values.map((v) => JSON.stringify(v)).join(' | ') : 'never'};`);
      out.push('    };');
    }
    out.push('  };');
  }
  out.push('}', '');
  return out.join('\n');
}
