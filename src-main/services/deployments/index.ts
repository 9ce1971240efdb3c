export { advanceRun, attachEvidence, createRun, finishRun, getRun, linkRun, listRuns, startRun, targetAlerts } from './runs';
export { deploymentsOverview } from './overview';
export { recentChangeEvents, recordChangeEvent } from './events';
export { changesWithoutEvidence } from './without-evidence';
export type { ChangeKind, ChangeWithoutEvidence } from './without-evidence';
