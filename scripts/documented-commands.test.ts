import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every Markdown file a user reads: the README and docs/ (recursively). */
function userDocs(dir = join(ROOT, 'docs')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? userDocs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

// A command the README or a guide tells a user to type must exist: `npm run evidence` was
// documented (README, security.md) for a whole landing while package.json had no such script.
describe('documented npm commands', () => {
  const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
  const files = [join(ROOT, 'README.md'), ...userDocs()];

  it('finds the README and the guides', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it('every `npm run X` in the README and docs/ is a script in package.json', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/npm run ([a-z][a-z0-9:-]*)/g)) {
        const name = m[1] as string;
        if (!scripts.includes(name)) missing.push(`${file.slice(ROOT.length)}: npm run ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
