import '../../styles/customers.css';
import { useCustomers } from '../../stores/customers-store';
import { OrgListView } from '../org-list-view';
import { CustomerList } from './CustomerList';
import { CustomerPage } from './CustomerPage';

/** /customers: every customer of the org, and one customer's page, "#/customers/<id>". */
export function CustomersView() {
  return (
    <OrgListView
      title="Customers"
      what="Customers"
      clear={() => useCustomers.getState().clear()}
      load={() => void useCustomers.getState().load()}
      list={() => <CustomerList />}
      page={(id) => <CustomerPage key={id} customerId={id} />}
    />
  );
}
