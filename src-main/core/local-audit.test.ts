import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../testing/harness';
import { LocalAuditLog, LocalAuditUnavailableError, type TornTail } from './local-audit';

const draft = (action: string) => ({ actor: 'tester', action, target: { type: 'connection_profile', id: 'p1' }, reason: null, data: { n: action }, requestId: `r-${action}` });
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; action: string; data: Record<string, unknown> });

describe('local audit log', () => {
  it('chains records across restarts and verifies', () => {
    const t = tempDataDir();
    try {
      const a = new LocalAuditLog(t.dir);
      a.append(draft('one'));
      a.append(draft('two'));
      a.close();
      const b = new LocalAuditLog(t.dir);
      b.append(draft('three'));
      expect(lines(b.path).map((l) => [l.seq, l.action])).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);
      expect(b.verify()).toMatchObject({ ok: true, checked: 3, tornTail: false });
    } finally {
      t.remove();
    }
  });

  it('sets a torn last line aside, keeps every earlier record, records the repair and stays verifiable', () => {
    const t = tempDataDir();
    try {
      const a = new LocalAuditLog(t.dir);
      a.append(draft('one'));
      a.append(draft('two'));
      a.close();
      // A crash in the middle of writing the third record.
      const fragment = '{"org_id":"local","seq":3,"id":"x","at":"2026-';
      appendFileSync(a.path, fragment);
      expect(new LocalAuditLog(t.dir).verify()).toMatchObject({ tornTail: true });

      const reported: TornTail[] = [];
      const b = new LocalAuditLog(t.dir, (x) => reported.push(x));
      b.append(draft('three'));
      const recs = lines(b.path);
      expect(recs.map((l) => [l.seq, l.action])).toEqual([[1, 'one'], [2, 'two'], [3, 'local_audit.torn_tail_set_aside'], [4, 'three']]);
      expect(b.verify()).toMatchObject({ ok: true, checked: 4, tornTail: false });
      expect(reported).toHaveLength(1);
      expect(readFileSync(reported[0]!.file, 'utf8')).toBe(fragment);
      expect(recs[2]!.data).toMatchObject({ file: reported[0]!.file, bytes: fragment.length });
      expect(readdirSync(t.dir).filter((n) => n.startsWith('local-audit.torn-'))).toHaveLength(1);
    } finally {
      t.remove();
    }
  });

  it('sets aside a record glued onto a fragment (what the old writer left) the same way', () => {
    const t = tempDataDir();
    try {
      const a = new LocalAuditLog(t.dir);
      a.append(draft('one'));
      a.close();
      appendFileSync(a.path, '{"seq":2,"tor{"seq":2,"action":"glued"}\n');
      const b = new LocalAuditLog(t.dir);
      b.append(draft('two'));
      expect(lines(b.path).map((l) => l.action)).toEqual(['one', 'local_audit.torn_tail_set_aside', 'two']);
      expect(b.verify().ok).toBe(true);
    } finally {
      t.remove();
    }
  });

  it('refuses, saying where, when the log cannot be written', () => {
    const t = tempDataDir();
    try {
      mkdirSync(join(t.dir, 'local-audit.jsonl'));
      const a = new LocalAuditLog(t.dir);
      expect(() => a.prepare()).toThrow(LocalAuditUnavailableError);
      expect(() => a.prepare()).toThrow(/local-audit\.jsonl.*cannot be written/);
    } finally {
      t.remove();
    }
  });
});
