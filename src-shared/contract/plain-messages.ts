import { z } from 'zod';

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

/**
 * Zod's own wording ("Too small: expected number to be >=0", "Invalid input: expected int,
 * received number") reaches operators whenever a schema has no message of its own. This says the
 * same in words a form can show next to the field. A schema's own message always wins.
 */
export function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'Required.';
      if (issue.expected === 'int') return 'A whole number.';
      if (issue.expected === 'number') return typeof issue.input === 'number' ? 'A finite number.' : 'A number.';
      if (issue.expected === 'string') return 'Text.';
      if (issue.expected === 'boolean') return 'Yes or no (true or false).';
      if (issue.expected === 'array') return 'A list.';
      if (issue.expected === 'object') return 'A set of fields (an object).';
      return undefined;
    case 'too_small': {
      const min = issue.minimum as number;
      if (issue.origin === 'string') return Number(min) <= 1 ? 'Required.' : `At least ${plural(min, 'character', 'characters')}.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `At least ${plural(min, 'item', 'items')}.`;
      return issue.inclusive ? `At least ${min}.` : `More than ${min}.`;
    }
    case 'too_big': {
      const max = issue.maximum as number;
      if (issue.origin === 'string') return `At most ${plural(max, 'character', 'characters')}.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `At most ${plural(max, 'item', 'items')}.`;
      return issue.inclusive ? `At most ${max}.` : `Less than ${max}.`;
    }
    case 'invalid_format':
      if (issue.format === 'email') return 'An e-mail address, like name@example.com.';
      if (issue.format === 'uuid' || issue.format === 'guid') return 'Not a valid id (a UUID).';
      if (issue.format === 'url') return 'A web address (URL).';
      if (issue.format === 'datetime') return 'A date and time (ISO 8601, e.g. 2026-11-22T14:05:00Z).';
      return 'Not in the expected format.';
    case 'invalid_value':
      return issue.values.length === 1 ? `Must be ${String(issue.values[0])}.` : `One of: ${issue.values.map(String).join(', ')}.`;
    case 'not_multiple_of':
      return `A multiple of ${String(issue.divisor)}.`;
    default:
      return undefined;
  }
}

z.config({ customError: plainMessage });
