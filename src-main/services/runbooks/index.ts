export { BUILTIN_KEYS, builtinRunbooks } from './builtin';
export { checkedRunbook, ensureRunbooks, restoreRunbook, saveRunbook } from './edit';
export { computeFacts, FACT_PROVIDERS, RECENT_HOURS } from './facts';
export type { FactProvider } from './facts';
export { followRunbook, recordStep } from './follow';
export { getRunbook, listRunbooks, runsOf } from './read';
