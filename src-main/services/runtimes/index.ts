export { connect, getRuntime, listRuntimes, probeNow, recordProbe, recordProbeFailure, runtimeKeyAccount } from './runtimes';
export { dueRuntimes, probeRuntimes, recordOutcomes, PROBE_EVERY_MS } from './prober';
