import { useEffect, useRef } from 'react';
import '../../styles/customers.css';
import { NoOrg } from '../../components/NoOrg';
import { useCustomers } from '../../stores/customers-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { CustomerList } from './CustomerList';
import { CustomerPage } from './CustomerPage';

/** /customers: every customer of the org, and one customer's page, "#/customers/<id>". */
export function CustomersView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session ?? null);
  const epoch = useSystem((s) => s.epoch);
  const shownOrg = useRef<string | null>(null);

  useEffect(() => {
    if (!session) return;
    if (shownOrg.current !== session.orgId) useCustomers.getState().clear();
    shownOrg.current = session.orgId;
    void useCustomers.getState().load();
  }, [session?.orgId, session?.role, epoch]);

  if (!session) return <NoOrg title="Customers" what="Customers" />;
  if (param) return <CustomerPage key={param} customerId={param} />;
  return <CustomerList />;
}
