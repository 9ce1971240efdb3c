export { DEFAULT_POLICIES, getCustomer, getPolicy, installDefaults, listSla, saveCustomer, savePolicy, setTierPolicy } from './sla';
