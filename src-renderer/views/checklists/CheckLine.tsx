import type { ChecklistItem } from '../../../src-shared/contract/checklists';
import { RecordLink } from './RecordLink';

export type Answer = NonNullable<ChecklistItem['live']>;

/** ✓ the check passes, ✗ it does not, ? the app cannot tell; with the record that says so. */
export function CheckLine({ answer, label, testId }: { answer: Answer; label: string; testId: string }) {
  const cls = answer.ok === true ? 'ok' : answer.ok === false ? 'bad' : 'unknown';
  return (
    <div className={`cl-answer ${cls}`} data-testid={testId} data-ok={String(answer.ok)}>
      <span className="cl-mark" aria-label={answer.ok === true ? 'passes' : answer.ok === false ? 'fails' : 'cannot tell'}>
        {answer.ok === true ? '✓' : answer.ok === false ? '✗' : '?'}
      </span>
      <span className="cl-answer-label">{label}:</span> <span data-testid={`${testId}-summary`}>{answer.summary}</span>
      {answer.record && (
        <>
          {' '}
          <RecordLink record={answer.record} testId={`${testId}-record`} />
        </>
      )}
    </div>
  );
}
