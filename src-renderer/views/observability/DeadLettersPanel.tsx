import { useCallback, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { call, errorText } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { Time } from '../../components/Time';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { usePoll } from '../../components/use-poll';

type Data = Response<'telemetry.deadLetters'>;
const POLL_MS = 15_000;

/**
 * The telemetry door's queue and dead letters (issue 17): batches acknowledged and waiting, the
 * batches the worker gave up on with their reasons, and replay or discard (with a reason, audited)
 * for members who can write. Refreshed every 15 s while shown.
 */
export function DeadLettersPanel() {
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [acting, setActing] = useState<'replay' | 'discard' | null>(null);

  const load = useCallback(
    () =>
      call('telemetry.deadLetters', {}).then(
        (d) => {
          setData(d);
          setError(null);
          // Keep only choices that are still dead letters.
          setChosen((c) => new Set([...c].filter((seq) => d.items.some((i) => i.seq === seq))));
        },
        (err) => setError(errorText(err)),
      ),
    [],
  );
  usePoll(load, POLL_MS);

  const toggle = (seq: number) =>
    setChosen((c) => {
      const n = new Set(c);
      if (n.has(seq)) n.delete(seq);
      else n.add(seq);
      return n;
    });

  return (
    <section className="panel" data-testid="dead-letters">
      <header>
        Telemetry queue and dead letters
        {data && (
          <span className="dim">
            {' '}
            · <span data-testid="queue-depth">{data.waiting} batch{data.waiting === 1 ? '' : 'es'} waiting</span>
            {data.waitingSince && (
              <>
                {' '}
                since <Time iso={data.waitingSince} />
              </>
            )}{' '}
            · <ProcessingTime p={data.processing} /> ·{' '}
            <span className={data.deadLetters > 50 ? 'err' : ''} data-testid="dead-letter-count">
              {data.deadLetters} dead letter{data.deadLetters === 1 ? '' : 's'}
            </span>
          </span>
        )}
      </header>
      {error && !data && <div className="err">Could not read the telemetry queue: {error}</div>}
      {!data && !error && <div className="dim">Loading…</div>}
      {data && data.deadLetters === 0 && (
        <p className="dim" data-testid="dead-letters-empty">
          No dead letters: every batch the HTTP door acknowledged was written, or is waiting its turn. Batches that keep failing (5 attempts) land here with their reason, for you to replay or
          discard. The door runs with <code>npm run ingest-server</code>.
        </p>
      )}
      {data && data.deadLetters > 0 && (
        <>
          <p className="dim">
            Reasons: {data.reasons.map((r) => `${r.reason} (${r.count})`).join(' · ')}
            {data.oldestDeadLetterAt && (
              <>
                {' '}
                · oldest <Time iso={data.oldestDeadLetterAt} />
              </>
            )}
            {data.items.length < data.deadLetters && ` · showing the newest ${data.items.length}`}
          </p>
          <div className="actions">
            <button className="btn small" disabled={!write.ok || chosen.size === 0} title={write.why ?? 'Put the chosen batches back on the queue'} onClick={() => setActing('replay')} data-testid="dlq-replay">
              Replay {chosen.size || ''}…
            </button>
            <button className="btn small danger" disabled={!write.ok || chosen.size === 0} title={write.why ?? 'Drop the chosen batches for good'} onClick={() => setActing('discard')} data-testid="dlq-discard">
              Discard {chosen.size || ''}…
            </button>
          </div>
          <table className="grid" aria-label="Dead letters">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Choose all shown"
                    checked={chosen.size > 0 && chosen.size === data.items.length}
                    onChange={(e) => setChosen(e.target.checked ? new Set(data.items.map((i) => i.seq)) : new Set())}
                  />
                </th>
                <th>Node</th>
                <th>Samples</th>
                <th>Received</th>
                <th>Given up</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((i) => (
                <tr key={i.seq} data-testid={`dead-letter-${i.seq}`}>
                  <td>
                    <input type="checkbox" aria-label={`Choose dead letter ${i.seq}`} checked={chosen.has(i.seq)} onChange={() => toggle(i.seq)} />
                  </td>
                  <td>
                    <a href={`#/nodes/${i.nodeId}`}>{i.hostname ?? i.nodeId.slice(0, 8)}</a> <span className="faint">from {i.source}</span>
                  </td>
                  <td>{i.samples}</td>
                  <td>
                    <Time iso={i.receivedAt} />
                  </td>
                  <td>
                    <Time iso={i.failedAt} /> <span className="faint">after {i.attempts}</span>
                  </td>
                  <td className="dim">{i.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {acting && (
        <ReasonDialog
          title={acting === 'replay' ? `Replay ${chosen.size} dead letter${chosen.size === 1 ? '' : 's'}` : `Discard ${chosen.size} dead letter${chosen.size === 1 ? '' : 's'}`}
          confirmLabel={acting === 'replay' ? 'Replay' : 'Discard'}
          danger={acting === 'discard'}
          placeholder={acting === 'replay' ? 'What was fixed, so they will go through now' : 'Why these samples may be lost'}
          onClose={() => setActing(null)}
          onSubmit={async (reason) => {
            const r = await call('telemetry.resolveDeadLetters', { seqs: [...chosen], action: acting, reason });
            toast('ok', acting === 'replay' ? `${r.resolved} batch${r.resolved === 1 ? '' : 'es'} back on the queue.` : `${r.resolved} dead letter${r.resolved === 1 ? '' : 's'} discarded.`);
            setChosen(new Set());
            await load();
          }}
        >
          <p className="dim">
            {acting === 'replay'
              ? 'The batches go back on the queue as they were received, with their attempts from zero; one already queued again by its agent counts once.'
              : 'The batches are deleted for good: their samples will never be written. The audit log keeps which ones and your reason.'}
          </p>
        </ReasonDialog>
      )}
    </section>
  );
}

/** Acknowledgement-to-write time of queued batches, or why there is none (no door traffic lately). */
function ProcessingTime({ p }: { p: Data['processing'] }) {
  if (p.batches === 0 || p.p95Ms === null) return <span data-testid="queue-processing">no queued batch written in the last {p.windowMinutes} min</span>;
  return (
    <span data-testid="queue-processing" title={`p50 ${ms(p.p50Ms)}, max ${ms(p.maxMs)}, over ${p.batches} batches in the last ${p.windowMinutes} minutes`}>
      processing p95 {ms(p.p95Ms)} ({p.batches} batches, {p.windowMinutes} min)
    </span>
  );
}

const ms = (v: number | null) => (v === null ? '–' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
