/**
 * The small, safe Markdown subset runbooks are shown in: headings, paragraphs, lists, quotes, code
 * blocks, and inline code, bold, italic and links. It produces plain data the view turns into React
 * elements, never HTML: raw HTML in a runbook is shown as the text it is. A link opens only inside
 * the app (`#/view`); any other address is shown as text, not followed.
 */
export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong'; text: string }
  | { t: 'em'; text: string }
  | { t: 'link'; text: string; href: string; internal: boolean };

export type Block =
  | { t: 'heading'; level: 1 | 2 | 3 | 4; inline: Inline[] }
  | { t: 'para'; inline: Inline[] }
  | { t: 'list'; ordered: boolean; items: Inline[][] }
  | { t: 'quote'; inline: Inline[] }
  | { t: 'code'; text: string };

const INLINE_RE = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE_RE)) {
    if (m.index > last) out.push({ t: 'text', text: text.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ t: 'code', text: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'strong', text: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'em', text: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'em', text: m[4] });
    else out.push({ t: 'link', text: m[5]!, href: m[6]!, internal: /^#\/[a-z][a-z-]*(\/[\w-]+)?$/.test(m[6]!) });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: 'text', text: text.slice(last) });
  return out;
}

const LIST_RE = /^\s*([-*+]|\d{1,3}[.)])\s+(.*)$/;

export function parseBlocks(md: string): Block[] {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ t: 'para', inline: parseInline(para.join(' ')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*(```|~~~)/.test(lines[i]!); i++) code.push(lines[i]!);
      blocks.push({ t: 'code', text: code.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const h = /^(#{1,4}) (.*)$/.exec(line);
    if (h) {
      flush();
      blocks.push({ t: 'heading', level: h[1]!.length as 1 | 2 | 3 | 4, inline: parseInline(h[2]!.trim()) });
      continue;
    }
    const li = LIST_RE.exec(line);
    if (li) {
      flush();
      const ordered = /\d/.test(li[1]!);
      const prev = blocks[blocks.length - 1];
      const item = parseInline(li[2]!);
      if (prev && prev.t === 'list' && prev.ordered === ordered && lines[i - 1]?.trim() !== '') prev.items.push(item);
      else blocks.push({ t: 'list', ordered, items: [item] });
      continue;
    }
    if (line.startsWith('>')) {
      flush();
      blocks.push({ t: 'quote', inline: parseInline(line.replace(/^>\s?/, '')) });
      continue;
    }
    para.push(line.trim());
  }
  flush();
  return blocks;
}
