import type { ReactNode } from 'react';
import { type Inline, parseBlocks } from '../../../src-shared/domain/runbooks';

/**
 * A runbook's Markdown as React elements, from the shared safe subset: no HTML is ever parsed or
 * injected (raw HTML shows as text), and only in-app links (#/view) are followed.
 */
function inline(parts: Inline[]): ReactNode[] {
  return parts.map((p, i) => {
    switch (p.t) {
      case 'code':
        return <code key={i}>{p.text}</code>;
      case 'strong':
        return <strong key={i}>{p.text}</strong>;
      case 'em':
        return <em key={i}>{p.text}</em>;
      case 'link':
        return p.internal ? (
          <a key={i} href={p.href}>
            {p.text}
          </a>
        ) : (
          <span key={i} title="Links outside Mission Control are shown, not followed">
            {p.text} <span className="faint">({p.href})</span>
          </span>
        );
      default:
        return <span key={i}>{p.text}</span>;
    }
  });
}

export function Markdown({ source }: { source: string }) {
  return (
    <div className="rb-md">
      {parseBlocks(source).map((b, i) => {
        switch (b.t) {
          case 'heading': {
            const H = (`h${Math.min(b.level + 2, 6)}` as 'h3' | 'h4' | 'h5' | 'h6');
            return <H key={i}>{inline(b.inline)}</H>;
          }
          case 'list': {
            const L = b.ordered ? 'ol' : 'ul';
            return (
              <L key={i}>
                {b.items.map((it, j) => (
                  <li key={j}>{inline(it)}</li>
                ))}
              </L>
            );
          }
          case 'quote':
            return <blockquote key={i}>{inline(b.inline)}</blockquote>;
          case 'code':
            return (
              <pre key={i} className="mono">
                {b.text}
              </pre>
            );
          default:
            return <p key={i}>{inline(b.inline)}</p>;
        }
      })}
    </div>
  );
}
