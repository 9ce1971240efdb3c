import { describe, expect, it } from 'vitest';
import type { NodeRow, Site } from '../../../src-shared/contract/grid';
import { activeFilterCount, EMPTY_FILTERS, filterNodes } from './filter';

const site = (id: string, name: string, corridorId: string): Site => ({
  id, key: id, name, corridorId, kind: 'colocation', country: 'DE', city: name, latitude: 0, longitude: 0, ownerName: 'o', safetyChecklist: 'passed', nodeCount: 0,
});
const node = (id: string, over: Partial<NodeRow>): NodeRow => ({
  id, hostname: id, siteId: 's1', nodeGroupId: 'g', corridorId: 'c1', runtimeGroup: 'vllm', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 1,
  lifecycle: 'active', lifecycleChangedAt: '2026-01-01T00:00:00.000Z', health: 'healthy', seenAt: null,
  latest: { gpuUtilPct: null, gpuTempC: null, powerW: null, tokensPerS: null, p95LatencyMs: null, queueDepth: null, errorRate: null }, validKeys: 1, ...over,
});
const sites = new Map([['s1', site('s1', 'FRA-01 Frankfurt', 'c1')], ['s2', site('s2', 'NBO-01 Nairobi', 'c2')]]);
const nodes = [
  node('fra-01-gpu01', {}),
  node('fra-01-gpu02', { lifecycle: 'draining', health: 'warning' }),
  node('nbo-01-gpu01', { siteId: 's2', corridorId: 'c2', runtimeGroup: 'tgi', health: 'critical', gpuModel: 'L4 24GB' }),
];

describe('node filters', () => {
  it('keeps everything with no filter', () => expect(filterNodes(nodes, EMPTY_FILTERS, sites)).toHaveLength(3));
  it('combines corridor, runtime, lifecycle and health', () => {
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, corridorId: 'c1' }, sites).map((n) => n.id)).toEqual(['fra-01-gpu01', 'fra-01-gpu02']);
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, corridorId: 'c1', lifecycle: 'draining' }, sites).map((n) => n.id)).toEqual(['fra-01-gpu02']);
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, runtimeGroup: 'tgi', health: 'critical' }, sites).map((n) => n.id)).toEqual(['nbo-01-gpu01']);
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, health: 'stale' }, sites)).toEqual([]);
  });
  it('searches host, site, city and GPU, case-insensitively', () => {
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, q: 'NAIROBI' }, sites).map((n) => n.id)).toEqual(['nbo-01-gpu01']);
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, q: 'l4' }, sites).map((n) => n.id)).toEqual(['nbo-01-gpu01']);
    expect(filterNodes(nodes, { ...EMPTY_FILTERS, q: ' gpu02 ' }, sites).map((n) => n.id)).toEqual(['fra-01-gpu02']);
  });
  it('counts active filters', () => expect(activeFilterCount({ ...EMPTY_FILTERS, q: 'x', health: 'warning' })).toBe(2));
});
