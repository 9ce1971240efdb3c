import type { ReactNode } from 'react';
import type { RunSummary } from '../../../src-shared/contract/checklists';
import { TEMPLATE_BY_KEY } from '../../../src-shared/domain/checklists';
import { Time } from '../../components/Time';
import { Progress } from './Progress';

/** "Passed", "Failed", or how much is still open. */
export function Outcome({ run }: { run: RunSummary }) {
  if (!run.completedAt || !run.outcome) {
    return (
      <span className="pill" data-testid="run-outcome" data-outcome="open">
        In progress
      </span>
    );
  }
  return (
    <span className={`pill ${run.outcome === 'passed' ? 'ok' : 'bad'}`} data-testid="run-outcome" data-outcome={run.outcome} title={`Completed ${run.completedAt}`}>
      Complete · {run.outcome === 'passed' ? 'passed' : 'failed'}
    </span>
  );
}

/** Who started a run and when, and where its items come from. */
export function RunHeader({ run, actions, children }: { run: RunSummary; actions?: ReactNode; children?: ReactNode }) {
  const template = TEMPLATE_BY_KEY.get(run.templateKey);
  return (
    <section className="panel cl-run-head" data-testid="run-head">
      <header>
        <span data-testid="run-title">{run.title}</span>
        <Outcome run={run} />
        {actions && <div className="actions">{actions}</div>}
      </header>
      <div className="body">
        <dl className="kv">
          {run.subjectName && (
            <>
              <dt>{run.subjectType === 'pilot' ? 'Customer pilot' : run.subjectType === 'site' ? 'Site' : 'Corridor'}</dt>
              <dd>{run.subjectName}</dd>
            </>
          )}
          {run.period && (
            <>
              <dt>Period</dt>
              <dd className="mono">{run.period} (UTC)</dd>
            </>
          )}
          <dt>Started</dt>
          <dd>
            {run.startedBy?.name ?? 'unknown'}, <Time iso={run.startedAt} />
          </dd>
          {run.completedAt && (
            <>
              <dt>Completed</dt>
              <dd>
                <Time iso={run.completedAt} mode="local" />
              </dd>
            </>
          )}
          {template && (
            <>
              <dt>Source</dt>
              <dd className="dim">{template.source}</dd>
            </>
          )}
        </dl>
        <Progress progress={run.progress} kind={run.kind} />
        {children}
      </div>
    </section>
  );
}
