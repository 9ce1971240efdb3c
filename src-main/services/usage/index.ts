export { usageSummary, periodOrThrow } from './summary';
export { reconcile, computeReconciliation, listReconciliations, getReconciliation } from './reconcile';
export { recordTokenCounters, type TokenCounters } from './counters';
export { meteringReconciledAnswer } from './check';
