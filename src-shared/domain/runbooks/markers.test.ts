import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlocks, parseInline } from './markdown';
import { parseRunbook } from './markers';

const good = `# Test runbook

Intro with **bold**.

## Step first: First step
@facts status, pool
@action deployments: Roll back
Do the thing.

## Step second: Second step
Plain step, no facts.
`;

describe('runbook step markers', () => {
  it('parses title, intro, steps with their facts and action', () => {
    const p = parseRunbook(good);
    expect(p).toEqual({
      ok: true,
      runbook: {
        title: 'Test runbook',
        intro: 'Intro with **bold**.',
        steps: [
          { id: 'first', title: 'First step', facts: ['status', 'pool'], action: { view: 'deployments', label: 'Roll back' }, body: 'Do the thing.', line: 5 },
          { id: 'second', title: 'Second step', facts: [], action: null, body: 'Plain step, no facts.', line: 10 },
        ],
      },
    });
  });

  it('every built-in runbook file parses', () => {
    const dir = new URL('../../../resources/runbooks/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files).toHaveLength(5);
    for (const f of files) expect(parseRunbook(readFileSync(new URL(f, dir), 'utf8')).ok, f).toBe(true);
  });

  it.each([
    ['no title', good.replace('# Test runbook', 'Test runbook'), 1, 'first line must be the runbook’s title'],
    ['malformed marker', good.replace('## Step first: First step', '## Step First step'), 5, 'A step marker reads'],
    ['duplicate id', good.replace('## Step second:', '## Step first:'), 10, 'used twice'],
    ['unknown fact', good.replace('status, pool', 'status, weather'), 6, 'Unknown fact “weather”'],
    ['unknown view', good.replace('@action deployments', '@action nowhere'), 7, 'Unknown view “nowhere”'],
    ['directive after text', good.replace('Do the thing.', 'Do the thing.\n@facts queue'), 9, 'belongs directly under a step marker'],
    ['unknown directive', good.replace('@action deployments: Roll back', '@owner someone'), 7, 'Unknown directive “@owner”'],
    ['two actions', good.replace('Do the thing.', '@action status: Again\nDo the thing.'), 8, 'two @action lines'],
    ['no steps', '# Only a title\n\nText.', 1, 'at least one step'],
    ['open code block', `${good}\n\`\`\`\ncode`, 13, 'never closed'],
  ])('refuses %s with the line and a fix', (_name, src, line, words) => {
    const p = parseRunbook(src);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.errors[0]).toEqual({ line, message: expect.stringContaining(words) });
  });

  it('refuses a runbook over 64 KiB', () => {
    const p = parseRunbook(good + 'é'.repeat(33_000));
    expect(p.ok ? null : p.errors[0]!.message).toContain('larger than 64 KiB');
  });

  it('ignores marker-like lines inside a code block', () => {
    const p = parseRunbook(good.replace('Do the thing.', '```\n## Step fake: not a step\n@facts nothing\n```'));
    expect(p.ok && p.runbook.steps.map((s) => s.id)).toEqual(['first', 'second']);
  });
});

describe('the safe Markdown subset', () => {
  it('keeps raw HTML as text and follows only in-app links', () => {
    const inline = parseInline('<script>alert(1)</script> [Status](#/status) [x](javascript:void(0)) [site](https://example.test)');
    expect(inline[0]).toEqual({ t: 'text', text: '<script>alert(1)</script> ' });
    expect(inline.filter((i) => i.t === 'link').map((l) => (l.t === 'link' ? [l.text, l.internal] : null))).toEqual([
      ['Status', true],
      ['x', false],
      ['site', false],
    ]);
  });

  it('parses headings, lists, quotes, code and paragraphs', () => {
    expect(parseBlocks('## Head\n\n- a\n- `b`\n\n1. one\n\n> quoted\n\n```\n<b>x</b>\n```\nline one\nline two').map((b) => b.t)).toEqual(['heading', 'list', 'list', 'quote', 'code', 'para']);
  });
});
