export { ensureOpsDefaults } from './defaults';
export { evaluateAlerts, nameOf } from './evaluate';
export type { EvaluationResult } from './evaluate';
export { alertHistory, evaluationStatus, listInstances } from './instances';
export { deleteRule, listRules, saveRule } from './rules';
export type { RuleInput } from './rules';
