import { McError } from '../../../src-shared/contract/errors';

/**
 * Turn a unique-constraint violation into a CONFLICT that names the field, so a form can show it.
 * Anything else is rethrown as it is.
 */
export async function uniquely<T>(fn: () => Promise<T>, constraints: Record<string, { field: string; message: string }>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    const hit = e.code === '23505' && e.constraint ? constraints[e.constraint] : undefined;
    if (hit) throw new McError('CONFLICT', hit.message, { [hit.field]: hit.message });
    throw err;
  }
}
