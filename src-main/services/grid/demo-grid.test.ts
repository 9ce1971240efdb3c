import { describe, expect, it } from 'vitest';
import { METRIC_BY_NAME } from '../../../src-shared/domain/metrics';
import { checkSiteCountry } from '../../../src-shared/domain/residency';
import { initialState, samplesAt } from '../../agent/telemetry-model';
import { DEMO_CORRIDORS } from './demo-geography';
import { demoGrid, demoNode, demoSite } from './demo-grid';

describe('demo grid generator', () => {
  it('makes about 40 sites and 400 nodes over the five corridors by default', () => {
    const g = demoGrid(400);
    expect(g.sites).toHaveLength(40);
    expect(g.nodes).toHaveLength(400);
    const perCorridor = new Map<string, number>();
    for (const s of g.sites) perCorridor.set(s.corridorKey, (perCorridor.get(s.corridorKey) ?? 0) + 1);
    expect([...perCorridor.values()]).toEqual([8, 8, 8, 8, 8]);
  });

  it('is deterministic, and a larger grid contains the smaller one', () => {
    expect(demoGrid(400)).toEqual(demoGrid(400));
    const big = demoGrid(10_000);
    expect(big.sites).toHaveLength(1000);
    expect(big.nodes.slice(0, 400)).toEqual(demoGrid(400).nodes);
    expect(new Set(big.sites.map((s) => s.key)).size).toBe(1000);
    expect(new Set(big.nodes.map((n) => n.hostname)).size).toBe(10_000);
  });

  it('names only fictional owners, each saying so', () => {
    const owners = new Set(demoGrid(10_000).sites.map((s) => s.ownerName));
    expect(owners.size).toBeGreaterThan(5);
    for (const o of owners) expect(o).toMatch(/^Demo Owner [A-O] \(fictional\)$/);
  });

  it('places every site near a real city of its corridor, in a country its policy allows', () => {
    for (const s of demoGrid(10_000).sites) {
      const corridor = DEMO_CORRIDORS.find((c) => c.key === s.corridorKey)!;
      const city = corridor.cities.find((c) => c.city === s.city)!;
      expect(Math.abs(s.latitude - city.lat)).toBeLessThan(0.3);
      expect(Math.abs(s.longitude - city.lon)).toBeLessThan(0.3);
      const allowed = [...new Set(corridor.cities.map((c) => c.country))];
      expect(checkSiteCountry(corridor.name, { allowedCountries: allowed, blockedCountries: [], regulatedWorkloads: [], auditRequirement: null }, s.country).ok).toBe(true);
    }
  });

  it('gives nodes valid, varied hardware and mostly active lifecycles', () => {
    const nodes = demoGrid(400).nodes;
    expect(new Set(nodes.map((n) => n.runtimeGroup)).size).toBeGreaterThanOrEqual(5);
    expect(nodes.filter((n) => n.lifecycle === 'active').length).toBeGreaterThan(350);
    for (const n of nodes) {
      expect(n.hostname).toMatch(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/);
      expect(n.gpuMemoryGb).toBeGreaterThan(0);
    }
    expect(demoNode(123)).toEqual(demoNode(123));
    expect(demoSite(7)).toEqual(demoSite(7));
  });
});

describe('simulated telemetry', () => {
  it('stays inside every metric’s range over a simulated day, incidents included', () => {
    const node = { id: 'n', longitude: 103.8, gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 20_000 };
    const state = initialState(node, 42);
    const start = Date.parse('2026-11-22T00:00:00Z');
    let incidents = 0;
    for (let i = 0; i < 8640; i++) {
      const samples = samplesAt(node, state, start + i * 10_000, 10, 0.002);
      expect(samples).toHaveLength(9);
      for (const s of samples) {
        const m = METRIC_BY_NAME.get(s.metric)!;
        expect(s.value, `${s.metric} at step ${i}`).toBeGreaterThanOrEqual(m.min);
        expect(s.value, `${s.metric} at step ${i}`).toBeLessThanOrEqual(m.max);
      }
      if ((samples.find((s) => s.metric === 'error_rate')?.value ?? 0) > 0.01) incidents++;
    }
    expect(incidents).toBeGreaterThan(0);
    expect(incidents).toBeLessThan(8640 / 4);
  });
});
