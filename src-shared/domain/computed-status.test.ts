import { describe, expect, it } from 'vitest';
import { computedCorridor, computedTelemetry, effectiveState } from './computed-status';
import { emptyCounts } from './corridor-health';

describe('computed component status', () => {
  it('judges a corridor by share of its running nodes, every node down being a major outage', () => {
    expect(computedCorridor({ ...emptyCounts(), healthy: 79, critical: 1 }).state).toBe('degraded_performance');
    expect(computedCorridor({ ...emptyCounts(), healthy: 3, critical: 1 }).state).toBe('partial_outage');
    expect(computedCorridor({ ...emptyCounts(), stale: 2, critical: 1 }).state).toBe('major_outage');
    expect(computedCorridor(emptyCounts())).toEqual({ state: null, explain: 'No running nodes: nothing to measure.' });
    expect(computedCorridor({ ...emptyCounts(), healthy: 4 }, [{ severity: 'critical', drill: true }]).state).toBe('operational');
    expect(computedCorridor({ ...emptyCounts(), healthy: 4 }, [{ severity: 'high', drill: false }]).state).toBe('degraded_performance');
  });

  it('judges the telemetry pipeline by the share of running nodes reporting and refusals', () => {
    expect(computedTelemetry({ runningNodes: 0, reportingNodes: 0, acceptedBatches: 0, refusedBatches: 0 }).state).toBeNull();
    expect(computedTelemetry({ runningNodes: 10, reportingNodes: 0, acceptedBatches: 0, refusedBatches: 5 }).state).toBe('major_outage');
    expect(computedTelemetry({ runningNodes: 10, reportingNodes: 7, acceptedBatches: 70, refusedBatches: 0 }).state).toBe('partial_outage');
    expect(computedTelemetry({ runningNodes: 10, reportingNodes: 10, acceptedBatches: 80, refusedBatches: 20 }).state).toBe('degraded_performance');
    expect(computedTelemetry({ runningNodes: 10, reportingNodes: 10, acceptedBatches: 100, refusedBatches: 1 }).state).toBe('operational');
  });

  it('takes the worse of declared and computed; a declaration decides a tie; neither is no data', () => {
    expect(effectiveState('partial_outage', 'operational')).toEqual({ state: 'partial_outage', basis: 'declared' });
    expect(effectiveState('operational', 'major_outage')).toEqual({ state: 'major_outage', basis: 'computed' });
    expect(effectiveState('degraded_performance', 'degraded_performance')).toEqual({ state: 'degraded_performance', basis: 'declared' });
    expect(effectiveState(null, null)).toEqual({ state: null, basis: 'none' });
    expect(effectiveState('operational', null)).toEqual({ state: 'operational', basis: 'declared' });
  });
});
