/**
 * The report's digest on its own: bounded whatever the bundle's size (rows, cells, actions), the
 * oldest rows kept in time order when the file is in id order, and every records file of a bundle
 * named in words in the report.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEventBody } from '../../../../src-shared/domain/audit-chain';
import { DIGEST_EVENTS, DIGEST_ROWS, ReportDigest, utc } from './digest';
import { RECORD_NAMES } from '../../../../src-shared/domain/evidence/record-names';
import { SOURCES } from './sources';

const event = (seq: number, action: string): AuditEventBody => ({
  org_id: 'o',
  seq,
  id: `e${seq}`,
  at: '2026-12-07T10:03:04.123Z',
  actor: { id: null, name: 'Ada Okafor', role: 'admin' },
  action,
  target: { type: 'incident', id: 'i1' },
  reason: null,
  data: {},
  request_id: null,
});

describe('the report digest', () => {
  it('keeps the first rows of a file in its own order, and counts every row', () => {
    const d = new ReportDigest();
    for (let i = 0; i < DIGEST_ROWS * 3; i++) d.row('records/incident-reviews.jsonl', { incident_id: `i${i}`, summary: `review ${i}`, causes: '', actions: [1, 2], updated_at: '2026-12-07T10:00:00Z' });
    const [s] = d.result().sections;
    expect(s).toMatchObject({ title: 'Incident reviews', total: DIGEST_ROWS * 3, oldest: false });
    expect(s!.rows).toHaveLength(DIGEST_ROWS);
    expect(s!.rows[0]).toEqual(['i0', 'review 0', '', '2', '2026-12-07 10:00 UTC']);
    expect(s!.rows.at(-1)![1]).toBe(`review ${DIGEST_ROWS - 1}`);
  });

  it('keeps the oldest rows of a timeline in time order, whatever order they come in', () => {
    const d = new ReportDigest();
    // Minutes in a scrambled order (7 is coprime with the count, so each comes once).
    const n = DIGEST_ROWS * 2 + 1;
    for (let i = 0; i < n; i++) {
      const m = (i * 7) % n;
      d.row('records/incident-events.jsonl', { incident_id: 'x', at: new Date(Date.UTC(2026, 11, 7, 0, m)).toISOString(), actor_name: 'A', kind: 'note', body: `m${m}`, audit_seq: m });
    }
    const [s] = d.result().sections;
    expect(s).toMatchObject({ total: n, oldest: true });
    expect(s!.rows.map((r) => r[4])).toEqual(Array.from({ length: DIGEST_ROWS }, (_, m) => `m${m}`));
  });

  it('names an incident by its ref in every table, marks a drill incident, and says what a transition changed', () => {
    const d = new ReportDigest();
    d.row('records/incidents.jsonl', { id: 'i1', number: 42, title: 'EU down', drill: true, severity: 'high', state: 'resolved', opened_at: '2026-12-07T09:00:00Z' });
    d.row('records/incidents.jsonl', { id: 'i2', number: 43, title: 'Another', drill: false });
    d.row('records/incident-reviews.jsonl', { incident_id: 'i1', summary: 's', causes: 'c', actions: [], updated_at: null });
    d.row('records/incident-reviews.jsonl', { incident_id: 'unknown-id', summary: 's', causes: 'c', actions: [], updated_at: null });
    d.row('records/incident-events.jsonl', { incident_id: 'i1', at: '2026-12-07T09:01:00Z', actor_name: 'A', kind: 'transition', body: 'Confirmed', data: { from: 'triage', to: 'active' }, audit_seq: 7 });
    d.row('records/incident-events.jsonl', { incident_id: 'i1', at: '2026-12-07T09:02:00Z', actor_name: 'A', kind: 'note', body: 'n', data: {}, audit_seq: 8 });
    const r = d.result();
    expect(r.sections.find((s) => s.title === 'Incident timeline')!.rows.map((x) => [x[0], x[3]])).toEqual([
      ['INC-42', 'transition: triage → active'],
      ['INC-42', 'note'],
    ]);
    // By the ref the app shows (INC-42), the same in every table; an unknown one by its id.
    expect(r.sections.find((s) => s.title === 'Incident reviews')!.rows.map((x) => x[0])).toEqual(['INC-42', 'unknown-id']);
    expect(r.sections.find((s) => s.title === 'Incidents')!.rows[0]!.slice(0, 4)).toEqual(['INC-42', 'EU down (drill)', 'high', 'resolved']);
  });

  it('says why a drill failed, and that a completed drill did not recover or was not measured, rather than leave cells blank', () => {
    const d = new ReportDigest();
    const drill = { scope_name: 'Site AMS-01', scope_kind: 'site', hypothesis: 'h', created_at: '2026-12-07T10:00:00Z', started_at: '2026-12-07T10:01:00Z', ended_at: '2026-12-07T10:09:00Z' };
    d.row('records/drills.jsonl', { ...drill, state: 'completed', outcome: 'failed', outcome_reasons: ['Routing never found valid targets again during the drill.'], recovery_ms: null, data_loss_ms: null });
    d.row('records/drills.jsonl', { ...drill, created_at: '2026-12-07T11:00:00Z', state: 'completed', outcome: 'passed', outcome_reasons: [], recovery_ms: 4200, data_loss_ms: 12_000 });
    d.row('records/drills.jsonl', { ...drill, created_at: '2026-12-07T12:00:00Z', state: 'running', outcome: null, outcome_reasons: null, recovery_ms: null, data_loss_ms: null });
    const rows = d.result().sections[0]!.rows.map((r) => r.slice(3, 6));
    expect(rows).toEqual([
      ['failed: Routing never found valid targets again during the drill.', 'not recovered', 'not measured (no telemetry from the scope during the drill)'],
      ['passed', '4.2 s', '12 s'],
      ['', '', ''],
    ]);
  });

  it('cuts a long cell, and bounds the events shown and the actions counted', () => {
    const d = new ReportDigest();
    d.row('records/migration-runs.jsonl', { file_name: 'x.sql', error: 'e'.repeat(5000) });
    const cell = d.result().sections[0]!.rows[0]![4]!;
    expect(cell).toHaveLength(200);
    expect(cell.endsWith('…')).toBe(true);
    for (let i = 1; i <= DIGEST_EVENTS + 100; i++) d.event(event(i, `action.${i % 80}`), i === 1 ? 'Incident #1' : null);
    const e = d.result().events;
    expect(e.total).toBe(DIGEST_EVENTS + 100);
    expect(e.rows).toHaveLength(DIGEST_EVENTS);
    expect(e.rows[0]).toEqual(['1', '2026-12-07 10:03 UTC', 'Ada Okafor (admin)', 'action.1', 'Incident #1', '']);
    expect(e.rows[1]![4]).toBe('incident i1');
    // 80 distinct actions: 60 named with their counts, the rest counted together; nothing lost.
    expect(e.actions).toHaveLength(60);
    expect(e.actions.reduce((n, [, c]) => n + c, 0) + e.otherActions).toBe(DIGEST_EVENTS + 100);
    expect(e.otherActions).toBeGreaterThan(0);
  });

  it('ignores a file it has no table for (only counted in the manifest), and writes no time it cannot read', () => {
    const d = new ReportDigest();
    d.row('records/nodes.jsonl', { id: 'n1' });
    expect(d.result().sections).toEqual([]);
    expect(utc('yesterday')).toBe('');
    expect(utc(null)).toBe('');
    expect(utc('2026-01-02T03:04:05Z')).toBe('2026-01-02 03:04 UTC');
  });

  it('names every records file a bundle can hold', () => {
    const unnamed = ['records/audit-events.jsonl', ...SOURCES.map((s) => s.file)].filter((f) => !(f in RECORD_NAMES));
    expect(unnamed).toEqual([]);
  });
});
