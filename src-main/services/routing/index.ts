export { inputsDigest, listDecisions, maintainRouting, recordDecision, replayDecision, runWhatIf, simulate } from './routing';
export { customerTerms, loadSnapshot, PROBE_FRESH_MS, requestFor, routableTerms } from './snapshot';
