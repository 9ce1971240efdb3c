import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A zustand selector must return the same value while its store is unchanged. One that builds a
 * fresh array or object (`?? []`, `({ … })`, `.filter(…)`) makes React re-render without end:
 * "Maximum update depth exceeded" blanked the whole app when the Connect runtime dialog opened
 * before a large grid had loaded. Derive such values outside the selector (or use a frozen
 * constant, as grid-store's selectSites does).
 */
const ROOT = join(__dirname, '..');
const SELECTOR = /\buse[A-Z]\w*\(\s*\(?\s*\w+\s*\)?\s*=>\s*/g;
const ALLOCATES = [/\?\?\s*\[\s*\]/, /\?\?\s*\{\s*\}/, /^\(\s*\{/, /^\[/, /\.(filter|map|slice|concat|sort)\(/, /\bnew\s+[A-Z]/, /Object\.(keys|values|entries|assign)\(/];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The selector's body: from after the arrow to the parenthesis that closes the hook call. */
function bodyAt(text: string, start: number): string {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return text.slice(start, i);
    }
  }
  return text.slice(start);
}

function allocatingSelectors(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SELECTOR)) {
      const body = bodyAt(text, m.index! + m[0].length).trim();
      if (ALLOCATES.some((re) => re.test(body))) {
        const line = text.slice(0, m.index).split('\n').length;
        out.push(`${relative(ROOT, file)}:${line}: ${m[0]}${body.slice(0, 80)}`);
      }
    }
  }
  return out;
}

describe('store selectors', () => {
  it('no selector in the renderer builds a new array or object on each call', () => {
    expect(allocatingSelectors(sources(ROOT))).toEqual([]);
  });

  it('the check itself finds the patterns that loop', () => {
    const samples = [
      'const sites = useGrid((s) => s.overview?.sites ?? []);',
      'const x = useUi((s) => ({ a: s.a, b: s.b }));',
      'const live = useGrid((s) => s.nodes.filter((n) => n.up));',
    ];
    // Written to a scratch file so the same reader as above is exercised.
    const dir = mkdtempSync(join(tmpdir(), 'mc-selectors-'));
    const file = join(dir, 'sample.tsx');
    writeFileSync(file, `${samples.join('\n')}\nconst fine = useGrid((s) => s.overview);\nconst alsoFine = useGrid(selectSites);\n`);
    try {
      expect(allocatingSelectors([file])).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
