export type { CredentialDeps, ReadDeps } from './deps';
export { rotationFaults, type FaultPoint } from './faults';
export { collectCredentials, listCredentials, STAGE } from './inventory';
export { listRuns, openRunId, pendingSwitch, readRun } from './records';
export { deliveryAccount } from './rotate-one';
export { cancelRun, closeRun, DEFAULT_GRACE_HOURS, heldCustomerKeys, heldNodeKeys, resumeRun, revealSecret, rotateAll, startRun, stepRun } from './run';
