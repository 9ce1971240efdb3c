export { inputsDigest, listDecisions, recordDecision, replayDecision, runWhatIf, simulate } from './routing';
export { customerTerms, loadSnapshot, PROBE_FRESH_MS } from './snapshot';
