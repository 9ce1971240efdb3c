export { answer } from './checks';
export type { CheckScope } from './checks';
export { createPilot, prepareGates, readinessOverview, setReadiness } from './readiness';
export { currentRun, getRun, listRuns, runSummary, setItem, setOwner, startRun } from './runs';
