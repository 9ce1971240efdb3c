import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../../core/paths';

/** The built-in runbooks, one Markdown file each in resources/runbooks/ (issue 16's five). */
export const BUILTIN_KEYS = ['system-down', 'data-loss', 'security-breach', 'db-pool-exhausted', 'high-queue-backlog'] as const;

export function builtinRunbooks(): { key: string; body: string }[] {
  const dir = join(appRoot(), 'resources', 'runbooks');
  return BUILTIN_KEYS.map((key) => ({ key, body: readFileSync(join(dir, `${key}.md`), 'utf8') }));
}
