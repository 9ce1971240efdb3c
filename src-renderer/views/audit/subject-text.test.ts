import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src-shared/contract/audit';
import { subjectText } from './subject-text';

const event = (target: AuditEvent['target'], subject: AuditEvent['subject'], data: Record<string, unknown> = {}): AuditEvent => ({
  seq: 1,
  id: '00000000-0000-4000-8000-000000000001',
  at: '2026-12-07T06:00:00.000Z',
  actor: { id: null, name: 'Mission Control', role: null },
  action: 'x.y',
  target,
  reason: null,
  data,
  requestId: null,
  prevHash: '0'.repeat(64),
  hash: '1'.repeat(64),
  subject,
});

describe('audit subject text', () => {
  it('names a found subject, with the move it made', () => {
    expect(subjectText(event({ type: 'node', id: 'n1' }, { label: 'fra-01-gpu01', detail: null, link: null, gone: false }, { from: 'active', to: 'draining' }))).toBe(
      'node fra-01-gpu01: active → draining',
    );
  });
  it('says "no longer exists" only when the record was looked up and not found', () => {
    expect(subjectText(event({ type: 'node', id: 'n1' }, { label: null, detail: null, link: null, gone: true }))).toBe('node n1 (no longer exists)');
    expect(subjectText(event({ type: 'invitation', id: 'i1' }, { label: null, detail: null, link: null, gone: false }))).toBe('invitation i1');
  });
});
