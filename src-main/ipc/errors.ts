import { ZodError } from 'zod';
import { McError, type McErrorShape } from '../../src-shared/contract/errors';
import type { Logger } from '../core/log';
import { KeychainUnavailableError } from '../vault';

/** "fields.port" style paths, the way forms name their inputs. */
export function zodFields(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(request)';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[issue.path.length ? `${path}.${key}` : key] = 'Unknown field.';
      continue;
    }
    fields[path] ??= issue.message;
  }
  return fields;
}

/** "fields.operatorEmail" → "operator email": what a person calls the field, for the message. */
const LABELS: Record<string, string> = { whPer1k: 'energy target (Wh per 1,000 tokens)' };

export function fieldLabel(path: string): string {
  const last = path.split('.').filter((p) => !/^\d+$/.test(p)).at(-1) ?? path;
  return LABELS[last] ?? last
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/\bId\b/g, 'ID')
    .toLowerCase()
    .replace(/\bid\b/g, 'ID');
}

export function validationError(error: ZodError): McError {
  const fields = zodFields(error);
  const names = Object.keys(fields);
  const [only] = names;
  // Forms show each message next to its field; the summary names the fields in words.
  const message =
    names.length === 1 && only !== undefined
      ? `Check the ${fieldLabel(only)}: ${/[.?!]$/.test(fields[only] ?? '') ? fields[only] : `${fields[only] ?? ''}.`}`
      : `Check these fields: ${[...new Set(names.map(fieldLabel))].join(', ')}.`;
  return new McError('VALIDATION', message, fields);
}

const PG_MESSAGES: Record<string, [McErrorShape['code'], string]> = {
  '42501': ['FORBIDDEN', 'You are not allowed to do that in this org.'],
  '23505': ['CONFLICT', 'That already exists.'],
  '23503': ['CONFLICT', 'That refers to something that does not exist (or no longer exists).'],
  '23514': ['VALIDATION', 'A value is outside what is allowed.'],
  '23502': ['VALIDATION', 'A required value is missing.'],
  '22001': ['VALIDATION', 'A value is too long.'],
  '22P02': ['VALIDATION', 'A value has the wrong format.'],
  '40001': ['CONFLICT', 'Someone else changed this at the same moment. Reload and try again.'],
  '40P01': ['CONFLICT', 'Someone else changed this at the same moment. Reload and try again.'],
  '55P03': ['CONFLICT', 'That record is busy (locked by another change). Try again in a moment.'],
  '57014': ['UNAVAILABLE', 'The database took too long to answer. Try again.'],
  '25006': ['FORBIDDEN', 'This call may only read, not change anything.'],
};

/** Our own SQL functions raise SQLSTATEs UE***; their messages are written for operators. */
const UE_CODES: Record<string, McErrorShape['code']> = {
  UEVAL: 'VALIDATION',
  UENFD: 'NOT_FOUND',
  UEFRB: 'FORBIDDEN',
  UECFL: 'CONFLICT',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/**
 * Map anything thrown by a handler to the contract's error shape. Only McError messages, our own
 * SQL messages and fixed texts cross the boundary; never SQL text, stacks or server detail.
 */
export function toErrorShape(err: unknown, requestId: string, log: Logger): McErrorShape {
  if (err instanceof McError) return { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}), requestId };
  if (err instanceof ZodError) {
    const v = validationError(err);
    return { code: v.code, message: v.message, fields: v.fields ?? {}, requestId };
  }
  if (err instanceof KeychainUnavailableError) return { code: 'UNAVAILABLE', message: err.message, requestId };
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && code in UE_CODES) return { code: UE_CODES[code] as McErrorShape['code'], message: String(e.message), requestId };
  if (code && code in PG_MESSAGES) {
    const [c, m] = PG_MESSAGES[code] as [McErrorShape['code'], string];
    log.warn({ sqlState: code, err: String(e.message) }, 'database refused a call');
    return { code: c, message: m, requestId };
  }
  if ((code && NETWORK_CODES.has(code)) || (typeof e.message === 'string' && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/.test(e.message))) {
    log.warn({ err: String(e.message) }, 'database unreachable during a call');
    return { code: 'UNAVAILABLE', message: 'Lost the connection to the database. It will be retried; check Connections if it persists.', requestId };
  }
  log.error({ err: locatingFields(err) }, 'unexpected error in a handler');
  return { code: 'INTERNAL', message: `Something went wrong inside Mission Control (request ${requestId}). The details are in the log.`, requestId };
}

/**
 * What locates a fault, without the parts of a database error that quote row values (detail,
 * where, internalQuery, parameters): those could be anyone's data, and logs travel further.
 */
function locatingFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; constraint?: unknown; table?: unknown; column?: unknown; routine?: unknown };
  return { type: e.name, message: e.message, code: e.code, constraint: e.constraint, table: e.table, column: e.column, routine: e.routine, stack: e.stack };
}

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '40001' || code === '40P01';
}
