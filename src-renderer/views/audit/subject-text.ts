import type { AuditEvent } from '../../../src-shared/contract/audit';

/**
 * "INC-12", a host name, or the raw id: said to be gone only when the app looked the record up and
 * found none (a kind it does not look up is not claimed either way); then the change it made, if a state moved.
 */
export function subjectText(e: AuditEvent): string {
  const type = e.target.type.replace(/_/g, ' ');
  const { from, to } = e.data;
  const move = typeof from === 'string' && typeof to === 'string' ? `: ${from} → ${to}` : '';
  if (e.subject.label) return `${type} ${e.subject.label}${e.subject.detail ? ` · ${e.subject.detail}` : ''}${move}`;
  if (e.target.id) return `${type} ${e.target.id}${e.subject.gone ? ' (no longer exists)' : ''}${move}`;
  return `${type}${move}`;
}
