import { describe, expect, it } from 'vitest';
import { healthOf, worstHealth } from './node-health';
import { formatKey, formatNodeKey, keyKind, looksLikeNodeKey, visiblePrefix } from './api-key';
import { allowedTransitions, canTransition, LIFECYCLES } from './node-lifecycle';
import { checkSiteCountry } from './residency';

describe('node key format', () => {
  const random = 'Ab3dE9xQ0123456789abcdefghijKLMN';
  it('is a typed prefix, 32 random characters and a checksum', () => {
    const key = formatNodeKey(random);
    expect(key).toMatch(/^ume_node_[0-9A-Za-z]{38}$/);
    expect(key.startsWith(`ume_node_${random}`)).toBe(true);
    expect(looksLikeNodeKey(key)).toBe(true);
    expect(visiblePrefix(key)).toBe('ume_node_Ab3dE9');
  });
  it('detects a typo through the checksum', () => {
    const key = formatNodeKey(random);
    const typo = key.slice(0, 12) + (key[12] === 'a' ? 'b' : 'a') + key.slice(13);
    expect(looksLikeNodeKey(typo)).toBe(false);
    expect(looksLikeNodeKey(`${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(looksLikeNodeKey('ume_node_short')).toBe(false);
  });
  it('refuses to build from anything but 32 base62 characters', () => {
    expect(() => formatNodeKey('too-short')).toThrow();
    expect(() => formatNodeKey(`${random.slice(0, 31)}!`)).toThrow();
  });
});

describe('node lifecycle', () => {
  it('goes registered → active → draining → offline → retired', () => {
    expect(canTransition('registered', 'active')).toBe(true);
    expect(canTransition('active', 'draining')).toBe(true);
    expect(canTransition('draining', 'offline')).toBe(true);
    expect(canTransition('offline', 'retired')).toBe(true);
  });
  it('has the ways back an operator needs, and none out of retired', () => {
    expect(canTransition('draining', 'active')).toBe(true);
    expect(canTransition('offline', 'active')).toBe(true);
    expect(allowedTransitions('retired')).toEqual([]);
    expect(canTransition('active', 'retired')).toBe(false);
    expect(canTransition('registered', 'draining')).toBe(false);
    for (const l of LIFECYCLES) expect(canTransition(l, l)).toBe(false);
  });
});

describe('residency', () => {
  const policy = { allowedCountries: ['DE', 'FR'], blockedCountries: ['RU'], regulatedWorkloads: [], auditRequirement: null };
  it('blocks a blocked country', () => expect(checkSiteCountry('EU', policy, 'ru')).toMatchObject({ ok: false, reason: 'blocked' }));
  it('refuses a country outside a non-empty allowed list', () => expect(checkSiteCountry('EU', policy, 'GB')).toMatchObject({ ok: false, reason: 'not_allowed' }));
  it('allows an allowed country', () => expect(checkSiteCountry('EU', policy, 'DE')).toEqual({ ok: true }));
  it('allows anything not blocked when the allowed list is empty', () => {
    expect(checkSiteCountry('Any', { ...policy, allowedCountries: [] }, 'BR')).toEqual({ ok: true });
  });
});

describe('node health', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  it('is unknown before the first sample and stale after five quiet minutes', () => {
    expect(healthOf({ seenAt: null, p95LatencyMs: null, errorRate: null, gpuTempC: null }, now)).toBe('unknown');
    expect(healthOf({ seenAt: at(301), p95LatencyMs: 100, errorRate: 0, gpuTempC: 50 }, now)).toBe('stale');
  });
  it('follows the production alert thresholds', () => {
    const h = (p95: number, err: number, temp = 60) => healthOf({ seenAt: at(5), p95LatencyMs: p95, errorRate: err, gpuTempC: temp }, now);
    expect(h(300, 0.001)).toBe('healthy');
    expect(h(501, 0.001)).toBe('warning');
    expect(h(300, 0.011)).toBe('warning');
    expect(h(1001, 0.001)).toBe('critical');
    expect(h(300, 0.051)).toBe('critical');
    expect(h(300, 0.001, 92)).toBe('critical');
  });
  it('rolls up to the worst', () => {
    expect(worstHealth(['healthy', 'stale', 'warning'])).toBe('warning');
    expect(worstHealth([])).toBe('healthy');
  });
});

describe('customer API key format (the same module, other kinds)', () => {
  const random = 'Zz3dE9xQ0123456789abcdefghijKLMN';
  it('has a typed prefix per mode, the same checksum, and is never taken for another kind', () => {
    const live = formatKey('live', random);
    const test = formatKey('test', random);
    expect(live).toMatch(/^ume_live_[0-9A-Za-z]{38}$/);
    expect(test).toMatch(/^ume_test_[0-9A-Za-z]{38}$/);
    expect(keyKind(live)).toBe('live');
    expect(keyKind(test)).toBe('test');
    expect(keyKind(formatNodeKey(random))).toBe('node');
    expect(looksLikeNodeKey(live)).toBe(false);
    expect(visiblePrefix(live)).toBe('ume_live_Zz3dE9');
    // A prefix swapped onto another kind's body keeps a valid checksum: the kind is the prefix.
    expect(keyKind(`ume_prod_${live.slice(9)}`)).toBeNull();
    expect(keyKind(`${live.slice(0, -1)}${live.endsWith('0') ? '1' : '0'}`)).toBeNull();
  });
});
