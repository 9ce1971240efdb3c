import { describe, expect, it } from 'vitest';
import type { AccessReviewRow } from '../contract/members';
import { accessReviewCsv, accessReviewFileName } from './access-review';
import { csvCell } from './csv';

const row = (over: Partial<AccessReviewRow> = {}): AccessReviewRow => ({
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Dana Ortiz',
  email: 'dana@example.test',
  role: 'admin',
  status: 'active',
  memberSince: '2026-11-01T08:00:00.000Z',
  lastSignIn: '2026-12-05T07:59:00.000Z',
  lastAction: { at: '2026-12-05T08:10:00.000Z', action: 'member.role_changed' },
  ...over,
});

describe('access review CSV', () => {
  it('writes a header and one CRLF-terminated record per member', () => {
    const csv = accessReviewCsv([row(), row({ name: 'Kofi', email: 'kofi@example.test', role: 'auditor', status: 'suspended', lastSignIn: null, lastAction: null })]);
    expect(csv.split('\r\n')).toEqual([
      'Name,E-mail,Role,Status,Member since (UTC),Last sign-in (UTC),Last action (UTC),Last action',
      'Dana Ortiz,dana@example.test,Admin,active,2026-11-01T08:00:00.000Z,2026-12-05T07:59:00.000Z,2026-12-05T08:10:00.000Z,member.role_changed',
      'Kofi,kofi@example.test,Auditor,suspended,2026-11-01T08:00:00.000Z,never,,none',
      '',
    ]);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('Ortiz, Dana')).toBe('"Ortiz, Dana"');
    expect(csvCell('Dana "D" Ortiz')).toBe('"Dana ""D"" Ortiz"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    for (const bad of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      const cell = csvCell(bad);
      expect(cell.replace(/^"/, '').startsWith("'")).toBe(true);
    }
    const csv = accessReviewCsv([row({ name: '=cmd|"/c calc"!A0' })]);
    expect(csv.split('\r\n')[1]).toBe(`"'=cmd|""/c calc""!A0",dana@example.test,Admin,active,2026-11-01T08:00:00.000Z,2026-12-05T07:59:00.000Z,2026-12-05T08:10:00.000Z,member.role_changed`);
  });

  it('names the file after the org and the day', () => {
    expect(accessReviewFileName('Lagos Edge Ops', '2026-12-05T08:00:00.000Z')).toBe('access-review-lagos-edge-ops-2026-12-05.csv');
    expect(accessReviewFileName('../../', '2026-12-05T08:00:00.000Z')).toBe('access-review-org-2026-12-05.csv');
  });
});
