import { accessReviewCsv, accessReviewFileName } from '../../../src-shared/domain/access-review';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useMembers } from '../../stores/members-store';
import { useUi } from '../../stores/ui-store';
import { CSV_TYPE, saveFile } from '../../components/save-file';

/**
 * The monthly "review access logs" step: every member, role, status, last sign-in and last
 * action, computed from the membership, login and audit records when asked; exported as CSV.
 */
export function AccessReviewPanel() {
  const { review, reviewError, loadReview } = useMembers();
  const toast = useUi((s) => s.toast);

  const exportCsv = () => {
    if (!review) return;
    const fileName = accessReviewFileName(review.orgName, review.generatedAt);
    saveFile([accessReviewCsv(review.rows)], fileName, CSV_TYPE);
    toast('ok', `Exported ${review.rows.length} members as ${fileName}.`);
  };

  return (
    <section className="panel" data-testid="access-review">
      <header className="row">
        Access review
        {review && (
          <span className="dim">
            · generated <Time iso={review.generatedAt} mode="local" />
          </span>
        )}
        <span style={{ flex: 1 }} />
        <button className="btn small" onClick={() => void loadReview()} data-testid="access-review-run">
          {review ? 'Run again' : 'Run access review'}
        </button>
        <button className="btn small primary" disabled={!review} onClick={exportCsv} data-testid="access-review-export" title={review ? undefined : 'Run the review first.'}>
          Export CSV
        </button>
      </header>
      {reviewError && <ErrorState title="Could not run the access review" message={reviewError} />}
      {!review && !reviewError && (
        <div className="body dim">The monthly checklist asks for it: run it, check every row still needs the access it has, then export the CSV as the record.</div>
      )}
      {review && (
        <table className="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>E-mail</th>
              <th>Role</th>
              <th>Status</th>
              <th>Last sign-in</th>
              <th>Last action</th>
            </tr>
          </thead>
          <tbody>
            {review.rows.map((r) => (
              <tr key={r.id} data-testid={`review-${r.email}`}>
                <td>{r.name}</td>
                <td className="mono">{r.email}</td>
                <td>{ROLE_LABELS[r.role]}</td>
                <td className={r.status === 'suspended' ? 'warn' : undefined}>{r.status}</td>
                <td>{r.lastSignIn ? <Time iso={r.lastSignIn} /> : <span className="dim">never</span>}</td>
                <td>
                  {r.lastAction ? (
                    <>
                      <span className="mono">{r.lastAction.action}</span> <Time iso={r.lastAction.at} />
                    </>
                  ) : (
                    <span className="dim">none</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
