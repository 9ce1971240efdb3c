import { VIEW_IDS, type ViewId } from '../../../src-shared/navigation';
import { call, errorText } from '../../bridge/client';
import { useUi } from '../../stores/ui-store';

export interface RecordRef {
  type: string;
  id: string | null;
  label: string;
}

const isView = (id: string | null): id is ViewId => id !== null && (VIEW_IDS as readonly string[]).includes(id);

/** Where a record is shown, as a hash route; null when the app has no page for it. */
function hrefOf(r: RecordRef): string | null {
  if (r.type === 'view') return isView(r.id) ? `#/${r.id}` : null;
  if (!r.id) return null;
  const id = encodeURIComponent(r.id);
  switch (r.type) {
    case 'incident':
      return `#/incidents/${id}`;
    case 'audit':
      return `#/audit?seq=${id}`;
    case 'node':
      return `#/nodes/${id}`;
    case 'checklist':
      return `#/checklists/${id}`;
    case 'site':
    case 'corridor':
      return '#/corridors';
    case 'customer_key':
      return '#/keys';
    case 'usage_reconciliation':
      return `#/usage/${id}`;
    // Environment changes without evidence: Deployments lists them all, with "Attach evidence".
    case 'deployment_run':
    case 'migration_run':
    case 'flag_change':
      return '#/deployments';
    default:
      return null;
  }
}

/**
 * The record behind a check or an item's evidence, as a link to where it is shown. An evidence
 * record is shown through the audit event that recorded it.
 */
export function RecordLink({ record, testId }: { record: RecordRef; testId?: string }) {
  const toast = useUi((s) => s.toast);
  if (record.type === 'evidence' && record.id) {
    const openEvidence = async () => {
      try {
        const { records } = await call('evidence.list', { limit: 500 });
        const found = records.find((e) => e.id === record.id);
        if (found) location.hash = `#/audit?seq=${found.auditSeq}`;
        else toast('error', `Evidence record “${record.label}” is no longer among the newest 500; find it in the audit log.`);
      } catch (err) {
        toast('error', errorText(err));
      }
    };
    return (
      <a
        href="#/audit"
        className="cl-record"
        data-testid={testId}
        title="Open the audit event that recorded this evidence"
        onClick={(e) => {
          e.preventDefault();
          void openEvidence();
        }}
      >
        {record.label}
      </a>
    );
  }
  const href = hrefOf(record);
  if (!href) {
    return (
      <span className="cl-record" data-testid={testId}>
        {record.label}
      </span>
    );
  }
  return (
    <a href={href} className="cl-record" data-testid={testId}>
      {record.label}
    </a>
  );
}
