import { useState } from 'react';
import type { RotationItem, RotationRunDetail } from '../../../src-shared/contract/credentials';
import { call, errorText } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { SecretDialog } from '../../components/SecretDialog';
import { Time } from '../../components/Time';
import { useCredentials } from '../../stores/credentials-store';
import { useUi } from '../../stores/ui-store';
import { KIND_LABELS } from './labels';

const STATE_CLASS: Record<RotationItem['state'], string> = { pending: 'dim', rotated: 'ok', failed: 'err', manual: 'warn', skipped: 'dim' };
const STATE_LABEL: Record<RotationItem['state'], string> = { pending: 'pending', rotated: 'rotated, verified', failed: 'failed', manual: 'not rotated: a person must', skipped: 'skipped' };

/** A run's report: per credential what was rotated and verified, what could not be and why, and what is left to do. */
export function RunReport({ run, admin }: { run: RotationRunDetail; admin: boolean }) {
  const toast = useUi((s) => s.toast);
  const [secret, setSecret] = useState<{ secret: string; prefix: string; deliverTo: string } | null>(null);
  const [closing, setClosing] = useState(false);
  const reveal = async (item: RotationItem) => {
    try {
      setSecret(await call('credentials.reveal', { itemId: item.id }));
      void useCredentials.getState().loadRun(run.id);
    } catch (err) {
      toast('error', errorText(err));
    }
  };
  const todo = run.items.filter((i) => i.action);
  return (
    <section className="panel" data-testid="credentials-report" data-run-state={run.state}>
      <header>
        Report · {run.mode} run <Time iso={run.startedAt} />{' '}
        <span className="dim">
          · {run.state} · {run.counts.rotated} rotated · {run.counts.manual} left to a person · {run.counts.skipped} skipped · {run.counts.failed} failed · {run.counts.pending} pending
        </span>
      </header>
      {run.stopReason && <div className={`body ${run.state === 'failed' ? 'err' : 'dim'}`}>Stopped: {run.stopReason}</div>}
      {admin && (run.state === 'cancelled' || run.state === 'failed') && (
        <div className="body row">
          <span className="dim">Resume it with Resume rotation (R), or close it as it stands: what was not rotated stays in this report.</span>
          <button className="btn small" onClick={() => setClosing(true)} data-testid="run-close">
            Close run…
          </button>
        </div>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>#</th>
            <th>Kind</th>
            <th>Credential</th>
            <th>Owner</th>
            <th>State</th>
            <th>What was verified, or why not</th>
            <th>To do</th>
          </tr>
        </thead>
        <tbody>
          {run.items.map((i) => (
            <tr key={i.id} data-testid="report-row" data-kind={i.kind} data-state={i.state}>
              <td className="dim">{i.position}</td>
              <td>{KIND_LABELS[i.kind]}</td>
              <td>
                {i.label}
                {i.newRef && <span className="dim"> → {i.newRef}</span>}
              </td>
              <td>{i.owner}</td>
              <td className={STATE_CLASS[i.state]}>{STATE_LABEL[i.state]}</td>
              <td className="dim">{i.detail}</td>
              <td>
                {i.action}
                {admin && i.delivery === 'held' && (
                  <button className="btn small" onClick={() => void reveal(i)}>
                    Reveal once
                  </button>
                )}
                {i.delivery === 'revealed' && <span className="dim"> (revealed)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {todo.length > 0 && (
        <div className="body dim">
          {todo.length} credential{todo.length === 1 ? '' : 's'} need a person: each row’s “To do” says what to do.
        </div>
      )}
      {closing && (
        <ReasonDialog
          title="Close this rotation run?"
          confirmLabel="Close run"
          placeholder="e.g. the failed credential is rotated by hand instead"
          onClose={() => setClosing(false)}
          onSubmit={async (reason) => {
            useCredentials.getState().setRun((await call('credentials.close', { runId: run.id, reason })).run);
            void useCredentials.getState().load();
          }}
        >
          <p>Credentials not rotated yet stay as they are (the old ones keep working). A new run can start once this one is closed.</p>
        </ReasonDialog>
      )}
      {secret && (
        <SecretDialog
          title={`New key for ${secret.deliverTo}`}
          secret={secret.secret}
          note={`Deliver ${secret.prefix}… to ${secret.deliverTo}. This workstation no longer holds it once this closes.`}
          onClose={() => setSecret(null)}
        />
      )}
    </section>
  );
}
