export { DEFAULT_POLICIES, getCustomer, getPolicy, installDefaults, listSla, savePolicy, setTierPolicy } from './sla';
