export { listMembers, memberOf, roleGroup } from './members';
export { lockOpsSettings, opsSettings, setEnergyTarget, stampEvaluation } from './ops-settings';
export type { OpsSettings } from './ops-settings';
export type { Recorder } from './recorder';
export { commandRecorder, systemRecorder } from './recorder';
export { maintainOps } from './upkeep';
