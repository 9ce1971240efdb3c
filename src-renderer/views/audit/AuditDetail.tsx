import type { AuditEvent } from '../../../src-shared/contract/audit';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import { VIEWS } from '../../../src-shared/navigation';
import { Dialog } from '../../components/Dialog';
import { localTime } from '../../components/Time';
import { useAudit } from '../../stores/audit-store';
import { useUi } from '../../stores/ui-store';

/**
 * One event in full: everything the hash covers, the hashes themselves, and the record it is
 * about, to open in its own view. Esc closes.
 */
export function AuditDetail({ event: e, onClose }: { event: AuditEvent; onClose: () => void }) {
  const link = e.subject.link;
  const viewLabel = link ? VIEWS.find((v) => v.id === link.view)?.label : null;
  const name = e.subject.label ?? e.target.id;
  return (
    <Dialog
      title={`Audit event #${e.seq}`}
      onClose={onClose}
      footer={
        <>
          {e.target.id && (
            <button
              className="btn"
              onClick={() => {
                onClose();
                void useAudit.getState().applyFilter({ subjectType: e.target.type, subjectId: e.target.id! });
              }}
              data-testid="audit-detail-same-subject"
            >
              Every event about it
            </button>
          )}
          {link && (
            <button
              className="btn primary"
              onClick={() => {
                onClose();
                useUi.getState().navigate(link.view, link.param);
              }}
              data-testid="audit-detail-open"
            >
              Open {name} in {viewLabel}
            </button>
          )}
          <button className="btn" onClick={onClose}>
            Close (Esc)
          </button>
        </>
      }
    >
      <dl className="kv audit-detail" data-testid="audit-detail">
        <dt>When</dt>
        <dd>
          {localTime(e.at)} <span className="faint mono">{e.at}</span>
        </dd>
        <dt>Who</dt>
        <dd>
          {e.actor.name}
          {e.actor.role && <span className="faint"> · {ROLE_LABELS[e.actor.role as Role] ?? e.actor.role}</span>}
          {e.actor.id ? <span className="faint mono"> · {e.actor.id}</span> : <span className="faint"> · the app acting on its own</span>}
        </dd>
        <dt>Action</dt>
        <dd>
          <code>{e.action}</code>
        </dd>
        <dt>Subject</dt>
        <dd data-testid="audit-detail-subject">
          {e.target.type.replace(/_/g, ' ')} <strong>{e.subject.label ?? '—'}</strong>
          {e.subject.detail && <span> · {e.subject.detail}</span>}
          {e.target.id && <div className="faint mono">{e.target.id}</div>}
          {e.target.id && !e.subject.label && !link && (
            <div className="faint">
              {e.subject.gone ? 'This record no longer exists in the org; its id is what the event proves.' : 'No view of the app names this kind of record; its id is what the event proves.'}
            </div>
          )}
        </dd>
        <dt>Reason</dt>
        <dd className="audit-reason" data-testid="audit-detail-reason">
          {e.reason ?? <span className="faint">No reason was given.</span>}
        </dd>
        <dt>Data</dt>
        <dd>
          <pre className="audit-json" data-testid="audit-detail-data">
            {JSON.stringify(e.data, null, 2)}
          </pre>
        </dd>
        <dt>Request id</dt>
        <dd className="mono">{e.requestId ?? <span className="faint">none (not made through a contract call)</span>}</dd>
        <dt>Previous hash</dt>
        <dd className="hash audit-full-hash" data-testid="audit-detail-prev-hash">
          {e.prevHash}
        </dd>
        <dt>Hash</dt>
        <dd className="hash audit-full-hash" data-testid="audit-detail-hash">
          {e.hash}
        </dd>
      </dl>
      <p className="faint">
        hash = sha256(previous hash ‖ canonical JSON of the event). Export the log to recompute it without the app (docs/formats.md).
      </p>
    </Dialog>
  );
}
