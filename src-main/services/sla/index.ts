export { DEFAULT_POLICIES, getCustomer, getPolicy, installDefaults, listSla, savePolicy, setTierPolicy } from './sla';
export type { CustomerRow } from './sla';
