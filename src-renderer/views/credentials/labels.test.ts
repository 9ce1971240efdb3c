import { describe, expect, it } from 'vitest';
import { openRunBanner } from './labels';

const counts = (total: number, pending: number) => ({ total, pending, rotated: total - pending, failed: 0, manual: 0, skipped: 0 });

describe('open rotation run banner', () => {
  it('does not call a running run cancelled or failed', () => {
    const text = openRunBanner({ state: 'running', counts: counts(409, 325) });
    expect(text).toContain('under way (84 of 409 credentials done)');
    expect(text).not.toMatch(/cancelled|failed/);
  });
  it('says how far a stopped run got, and what to do', () => {
    expect(openRunBanner({ state: 'cancelled', counts: counts(409, 300) })).toBe('A rotation run was cancelled after 109 of 409 credentials: resume it, or close it from its report.');
    expect(openRunBanner({ state: 'failed', counts: counts(10, 4) })).toMatch(/^A rotation run failed after 6 of 10 credentials: its report says which credential and why/);
  });
});
