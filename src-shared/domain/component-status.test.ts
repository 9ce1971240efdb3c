import { describe, expect, it } from 'vitest';
import { isIncidentLevel, rollup, stateRank } from './component-status';

describe('status roll-up', () => {
  it('is operational with nothing wrong, and says so', () => {
    const r = rollup([{ state: 'operational' }, { state: 'operational' }]);
    expect(r.state).toBe('operational');
    expect(r.headline).toBe('All components operational');
    expect(r.incidentLevel).toBe(0);
  });

  it('takes the worst state, whatever the order', () => {
    const states = ['degraded_performance', 'major_outage', 'operational', 'partial_outage'] as const;
    expect(rollup(states.map((state) => ({ state }))).state).toBe('major_outage');
    expect(rollup([...states].reverse().map((state) => ({ state }))).state).toBe('major_outage');
  });

  it('ranks planned maintenance below any unplanned degradation', () => {
    expect(stateRank('under_maintenance')).toBeLessThan(stateRank('degraded_performance'));
    expect(rollup([{ state: 'under_maintenance' }, { state: 'operational' }]).headline).toBe('Maintenance in progress');
    expect(rollup([{ state: 'under_maintenance' }, { state: 'degraded_performance' }]).state).toBe('degraded_performance');
  });

  it('counts incident-level components: partial and major outages only', () => {
    expect(isIncidentLevel('degraded_performance')).toBe(false);
    expect(isIncidentLevel('partial_outage')).toBe(true);
    const r = rollup([{ state: 'partial_outage' }, { state: 'major_outage' }, { state: 'degraded_performance' }]);
    expect(r.incidentLevel).toBe(2);
    expect(r.counts).toMatchObject({ partial_outage: 1, major_outage: 1, degraded_performance: 1, operational: 0 });
  });

  it('does not pretend all is well when there are no components', () => {
    const r = rollup([]);
    expect(r.headline).toBe('No components yet');
    expect(r.total).toBe(0);
  });
});

describe('status roll-up with components that have no data', () => {
  it('never says "all operational" while a component has nothing behind it', () => {
    const r = rollup([{ state: 'operational' }, { state: null }]);
    expect(r).toMatchObject({ state: 'operational', noData: 1, headline: 'Operational where measured; 1 without data' });
    expect(rollup([{ state: null }, { state: null }]).headline).toBe('No data behind any component');
    expect(rollup([{ state: null }, { state: 'partial_outage' }])).toMatchObject({ state: 'partial_outage', incidentLevel: 1 });
  });
});
