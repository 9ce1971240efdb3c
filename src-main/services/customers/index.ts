export { customerDetail, getCustomerRecord, listCustomers } from './read';
export { saveCustomer, type Placement, type Terms } from './save';
export { orgLimit, setOrgLimit } from './org-limit';
