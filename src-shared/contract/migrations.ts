import { z } from 'zod';
import { actorRef, command, idsEvent, isoTime, query, topic } from './channel';
import { evidenceFields, evidenceSchema } from './deployments';

/** Operator SQL files are small: the center is for hand-written changes, not dumps. */
export const MAX_SQL_BYTES = 256 * 1024;

export const lintFindingSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  level: z.string(),
  rule: z.string(),
  message: z.string(),
  help: z.string().nullable(),
});

export const lockSchema = z.object({ relation: z.string(), mode: z.string() });

export const statementReportSchema = z.object({
  index: z.number().int(),
  line: z.number().int(),
  text: z.string(),
  kind: z.string(),
  /** 'ran' in the dry run; 'flagged' when it cannot run inside a transaction and was not dry-run; 'failed'. */
  dryRun: z.enum(['ran', 'flagged', 'failed', 'skipped']),
  note: z.string().nullable(),
  locks: z.array(lockSchema),
  rewrote: z.array(z.string()),
});
export type StatementReport = z.infer<typeof statementReportSchema>;

export const migrationRunSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  sha256: z.string(),
  byteSize: z.number().int(),
  targetDatabase: z.string(),
  sharedDatabase: z.boolean(),
  lockTimeoutMs: z.number().int(),
  statementTimeoutMs: z.number().int(),
  findings: z.array(lintFindingSchema),
  statements: z.array(statementReportSchema),
  status: z.enum(['checked', 'applied', 'failed']),
  error: z.string().nullable(),
  errorLine: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  createdAt: isoTime,
  createdBy: actorRef,
  approvedAt: isoTime.nullable(),
  approvedBy: actorRef.nullable(),
  appliedAt: isoTime.nullable(),
  appliedBy: actorRef.nullable(),
  evidence: evidenceSchema.nullable(),
});
export type MigrationRun = z.infer<typeof migrationRunSchema>;

export const migrationsOverview = query('migrations.overview', {
  summary: 'The app’s own migration ledger (applied, pending, drift) and the operator SQL runs.',
  request: z.strictObject({}),
  response: z.object({
    database: z.string(),
    sharedDatabase: z.boolean(),
    ledger: z.array(z.object({ name: z.string(), checksum: z.string(), appliedAt: isoTime, appliedBy: z.string(), drift: z.boolean() })),
    pending: z.array(z.string()),
    unknown: z.array(z.string()),
    runs: z.array(migrationRunSchema),
    defaults: z.object({ lockTimeoutMs: z.number().int(), statementTimeoutMs: z.number().int(), maxBytes: z.number().int() }),
  }),
});

export const migrationsCheck = command('migrations.check', {
  summary: 'Lint an SQL file with squawk and dry-run it in a transaction that is rolled back, recording the locks each statement takes.',
  request: z.strictObject({
    fileName: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.sql$/, 'Name the file like 0042_add_column.sql (letters, digits, “_”, “-”, “.”; ending in .sql).'),
    /** The file's bytes, base64: the main process decides whether they are UTF-8. */
    contentBase64: z.string().max(Math.ceil((MAX_SQL_BYTES * 4) / 3) + 8, `The file is over ${MAX_SQL_BYTES / 1024} KiB.`),
    lockTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    statementTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
  }),
  response: z.object({ run: migrationRunSchema }),
  roles: ['admin'],
});

export const migrationsApprove = command('migrations.approve', {
  summary: 'A second admin approves a checked run for a shared database.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ run: migrationRunSchema }),
  roles: ['admin'],
});

export const migrationsApply = command('migrations.apply', {
  summary: 'Apply a checked (and, on a shared database, approved) run in one transaction.',
  request: z.strictObject({
    id: z.uuid(),
    /** The operator types the database's name: the confirmation names what is changed. */
    confirmDatabase: z.string().trim().min(1, 'Type the name of the database to confirm.').max(200),
  }),
  response: z.object({ run: migrationRunSchema }),
  roles: ['admin'],
});

export const schemaVerify = query('migrations.verify', {
  summary: 'Schema verification: tables, functions and RLS policies per schema, tables without forced RLS, definer functions without a fixed search_path.',
  request: z.strictObject({}),
  response: z.object({
    at: isoTime,
    schemas: z.array(z.object({ schema: z.string(), tables: z.number().int(), functions: z.number().int(), policies: z.number().int() })),
    tablesWithoutForcedRls: z.array(z.string()),
    definerWithoutSearchPath: z.array(z.string()),
    expected: z.object({ appTables: z.number().int(), missingTables: z.array(z.string()) }),
    ok: z.boolean(),
  }),
});

export const migrationsAttachEvidence = command('migrations.attachEvidence', {
  summary: 'Attach evidence to an applied (or failed) migration run: a URI and the sha256 of what it names.',
  request: z.strictObject({ id: z.uuid(), ...evidenceFields }),
  response: z.object({ run: migrationRunSchema }),
  roles: ['admin'],
});

export const migrationsTypes = query('migrations.types', {
  summary: 'TypeScript types generated from the connected database’s catalog: tables, views, columns with nullability, enums; per schema.',
  request: z.strictObject({
    /** Only these schemas; all that the connection can see when empty. */
    schemas: z.array(z.string().trim().min(1).max(63).regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'A schema name is a plain identifier.')).max(20).default([]),
  }),
  response: z.object({ fileName: z.string(), text: z.string(), schemas: z.array(z.string()), tables: z.number().int(), views: z.number().int(), enums: z.number().int() }),
});

export const migrationsChanged = topic('migrations.changed', {
  summary: 'Operator migration runs changed (ids, coalesced).',
  params: z.object({}).strict(),
  event: idsEvent,
});
