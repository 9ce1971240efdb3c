export { connect, getRuntime, listRuntimes, probeNow, recordProbe, recordProbeFailure, runtimeKeyAccount } from './runtimes';
