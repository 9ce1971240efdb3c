import { parse } from 'libpg-query';
import { McError } from '../../../src-shared/contract/errors';

export interface Statement {
  index: number;
  line: number;
  text: string;
  kind: string;
  /** Why it cannot run inside a transaction, or null when it can. */
  notInTransaction: string | null;
}

/** Line (1-based) of a byte offset into the UTF-8 text. */
function lineAtByte(buf: Buffer, offset: number): number {
  return buf.subarray(0, offset).toString('utf8').split('\n').length;
}

function notInTransaction(kind: string, node: Record<string, unknown>): string | null {
  if (kind === 'IndexStmt' && node.concurrent) return 'CREATE INDEX CONCURRENTLY cannot run inside a transaction.';
  if (kind === 'DropStmt' && node.concurrent) return 'DROP INDEX CONCURRENTLY cannot run inside a transaction.';
  if (kind === 'ReindexStmt' && JSON.stringify(node.params ?? []).includes('"concurrently"')) return 'REINDEX CONCURRENTLY cannot run inside a transaction.';
  if (kind === 'VacuumStmt') return 'VACUUM cannot run inside a transaction.';
  if (kind === 'CreatedbStmt' || kind === 'DropdbStmt') return 'CREATE/DROP DATABASE cannot run inside a transaction.';
  if (kind === 'AlterSystemStmt') return 'ALTER SYSTEM cannot run inside a transaction.';
  if (kind === 'CreateTableSpaceStmt' || kind === 'DropTableSpaceStmt') return 'Tablespace statements cannot run inside a transaction.';
  if (kind === 'TransactionStmt') return 'The center runs the file as one transaction itself: remove BEGIN/COMMIT/ROLLBACK.';
  return null;
}

/** The file's statements, by the real PostgreSQL parser; SQL that does not parse is refused with its line. */
export async function splitStatements(text: string): Promise<Statement[]> {
  const buf = Buffer.from(text, 'utf8');
  let stmts: { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = ((await parse(text)) as unknown as { stmts?: typeof stmts }).stmts ?? [];
  } catch (err) {
    const e = err as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const pos = e.sqlDetails?.cursorPosition;
    const line = pos === undefined ? null : lineAtByte(buf, pos);
    throw new McError('VALIDATION', `The SQL does not parse${line ? ` (line ${line})` : ''}: ${e.message ?? String(err)}.`, { file: line ? `Line ${line}.` : 'Does not parse.' });
  }
  if (stmts.length === 0) throw new McError('VALIDATION', 'The file has no SQL statement (only comments or blank lines).', { file: 'No statements.' });
  return stmts.map((s, index) => {
    const start = s.stmt_location ?? 0;
    const len = s.stmt_len && s.stmt_len > 0 ? s.stmt_len : buf.length - start;
    const kind = Object.keys(s.stmt ?? {})[0] ?? 'Unknown';
    const node = ((s.stmt ?? {})[kind] ?? {}) as Record<string, unknown>;
    const raw = buf.subarray(start, start + len).toString('utf8');
    // The parser's location includes the whitespace and comments before a statement: point at its first real line.
    const lead = raw.length - raw.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '').length;
    const stmtText = raw.slice(lead).trim();
    return { index, line: lineAtByte(buf, start + Buffer.byteLength(raw.slice(0, lead))), text: stmtText, kind, notInTransaction: notInTransaction(kind, node) };
  });
}
