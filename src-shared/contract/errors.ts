import { z } from 'zod';

/**
 * The only error codes that cross the contract boundary. UNAUTHENTICATED: the session ended
 * (expired, handed over) and the person must sign in again; the views show the sign-in prompt.
 */
export const ERROR_CODES = ['VALIDATION', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'UNAVAILABLE', 'INTERNAL', 'UNAUTHENTICATED'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorShape = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /**
   * Field path (dotted) → what is wrong with it. Always for VALIDATION; NOT_FOUND and CONFLICT
   * carry it too when one field names the missing or conflicting thing (so a form can mark it).
   */
  fields: z.record(z.string(), z.string()).optional(),
  /** Lets an operator quote the failing call to whoever reads the logs. */
  requestId: z.string().optional(),
});
export type McErrorShape = z.infer<typeof errorShape>;

/** What every invoke resolves to, on every transport. Errors are values, not exceptions, so they
 *  survive structured clone (Electron IPC) and JSON (WebSocket) with every field intact. */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: McErrorShape };

/** Thrown on the privileged side by handlers and services; the router turns it into an McErrorShape. */
export class McError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;
  constructor(code: ErrorCode, message: string, fields?: Record<string, string>) {
    super(message);
    this.name = 'McError';
    this.code = code;
    this.fields = fields;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
