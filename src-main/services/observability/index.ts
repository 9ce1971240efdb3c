export { computeMinutes, lastComputedMinute, series } from './figures';
export { operatorSummary } from './operator';
export { corridorHealth, drilldown, observabilityOverview } from './overview';
export { gatewayActivity } from './gateway';
