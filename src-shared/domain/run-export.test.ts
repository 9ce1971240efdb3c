import { describe, expect, it } from 'vitest';
import type { ChecklistItem, RunSummary } from '../contract/checklists';
import { RUN_EXPORT_COLUMNS, runCsv, runFileName } from './run-export';

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: '11111111-1111-4111-8111-111111111111',
  templateKey: 'pilot_acceptance',
  kind: 'gates',
  title: 'Pilot acceptance gates',
  subjectType: 'pilot',
  subjectId: '22222222-2222-4222-8222-222222222222',
  subjectName: 'Acme, Lagos pilot',
  period: null,
  startedAt: '2026-12-01T08:00:00.000Z',
  startedBy: null,
  completedAt: null,
  outcome: null,
  progress: { total: 2, open: 0, done: 1, failed: 0, skipped: 1, complete: true, passed: true },
  ...over,
});

const item = (over: Partial<ChecklistItem> = {}): ChecklistItem => ({
  id: '33333333-3333-4333-8333-333333333333',
  key: 'oauth',
  text: 'OAuth login works',
  view: null,
  check: null,
  owner: { id: '44444444-4444-4444-8444-444444444444', name: 'Ada Okafor' },
  status: 'skipped',
  setBy: { id: '44444444-4444-4444-8444-444444444444', name: 'Ada Okafor' },
  setAt: '2026-12-02T09:30:00.000Z',
  note: 'Waived: the customer signs in with API keys only during the pilot.',
  evidenceUrl: null,
  evidenceRef: null,
  recordedAnswer: null,
  live: null,
  version: 2,
  proof: { kind: 'attestation', evidenceKinds: [], needs: 'an attestation: a named person, a note and a file or link' },
  attachment: null,
  ...over,
});

describe('run export CSV', () => {
  it('a waived gate reads Waived with who waived it and why, never Passed', () => {
    const lines = runCsv(run(), [item()]).split('\r\n');
    expect(lines[0]).toBe(RUN_EXPORT_COLUMNS.join(','));
    expect(lines[1]).toBe(
      'Pilot acceptance gates,"Acme, Lagos pilot",OAuth login works,Waived,"an attestation: a named person, a note and a file or link",Ada Okafor,Ada Okafor,2026-12-02T09:30:00.000Z,Waived: the customer signs in with API keys only during the pilot.,,,,,,',
    );
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
  });

  it('carries the proof: the linked record, the attachment hash, and both live answers', () => {
    const csv = runCsv(run(), [
      item({
        status: 'done',
        note: 'Signed in through the provider.',
        evidenceRef: { type: 'evidence', id: '55555555-5555-4555-8555-555555555555', label: 'Routing simulation EU' },
        attachment: { uri: 'file:login.png', sha256: 'a'.repeat(64) },
        recordedAnswer: { ok: true, summary: 'Ada signed in', record: { type: 'audit', id: '9', label: 'audit #9' } },
        live: { ok: false, summary: 'nobody signed in today', record: null },
      }),
    ]);
    const cells = csv.split('\r\n')[1]!;
    expect(cells).toContain(',Passed,');
    expect(cells).toContain('Routing simulation EU (evidence 55555555-5555-4555-8555-555555555555)');
    expect(cells).toContain(`file:login.png,${'a'.repeat(64)},yes: Ada signed in (audit #9),no: nobody signed in today`);
  });

  it('a checklist says Not applicable where a gate says Waived', () => {
    const csv = runCsv(run({ kind: 'checklist', title: 'Daily checklist', subjectName: null }), [item({ note: null })]);
    expect(csv.split('\r\n')[1]!.split(',')[3]).toBe('Not applicable');
  });

  it('defuses a note a spreadsheet would run as a formula', () => {
    const csv = runCsv(run(), [item({ note: '=HYPERLINK("http://x")' })]);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
  });

  it('names the file after the subject and the day', () => {
    expect(runFileName(run(), '2026-12-06T01:00:00.000Z')).toBe('gates-acme-lagos-pilot-2026-12-06.csv');
    expect(runFileName(run({ kind: 'checklist', title: 'Daily checklist', subjectName: null }), '2026-12-06T01:00:00.000Z')).toBe('checklist-daily-checklist-2026-12-06.csv');
  });
});
