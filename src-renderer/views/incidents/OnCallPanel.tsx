import { useCallback, useEffect, useState } from 'react';
import type { ShiftView } from '../../../src-shared/contract/oncall';
import { call, errorText } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';

/** "2026-12-06T09:00" in the operator's time zone, for a datetime-local input. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * Who holds incident command now and the shifts to come: the policy step "the incident commander
 * on call" pages whoever this schedule names when the step fires (and says so on the timeline when
 * nobody is on call, then the next step fires at once).
 */
export function OnCallPanel() {
  const info = useSystem((s) => s.info);
  const members = useIncidents((s) => s.members);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const role = info?.session?.role;
  const may = write.ok && (role === 'admin' || role === 'incident_commander');
  const commanders = members.filter((m) => m.role === 'incident_commander');
  const [list, setList] = useState<{ now: ShiftView | null; shifts: ShiftView[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [who, setWho] = useState('');
  const [from, setFrom] = useState(() => localInput(new Date()));
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 12 * 3_600_000)));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<ShiftView | null>(null);

  const load = useCallback(async () => {
    try {
      setList(await call('oncall.list', {}));
      setLoadError(null);
    } catch (err) {
      setLoadError(errorText(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const add = async () => {
    const startsAt = new Date(from);
    const endsAt = new Date(to);
    if (!who) return setError('Pick the incident commander who is on call.');
    if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) return setError('Give a start and an end.');
    setBusy(true);
    try {
      const { shift } = await call('oncall.add', { operatorId: who, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
      setError(null);
      toast('ok', `${shift.name} is on call from ${new Date(shift.startsAt).toLocaleString()}.`);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" data-testid="oncall">
      <header className="row">
        On call
        <span className="dim">
          · now: <strong data-testid="oncall-now">{list?.now ? list.now.name : 'nobody'}</strong>
          {list?.now && (
            <>
              {' '}
              until <Time iso={list.now.endsAt} mode="local" />
            </>
          )}
        </span>
      </header>
      {loadError && (
        <p className="err" role="alert">
          Could not load the on-call schedule: {loadError}{' '}
          <button className="btn small" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {list && list.shifts.length === 0 && (
        <p className="dim" data-testid="oncall-empty">
          Nobody is on call. A policy step “the incident commander on call” then reaches nobody, says so on the timeline and the next step fires at once.
          {may ? ' Add a shift below.' : ' An admin or an incident commander adds shifts.'}
        </p>
      )}
      {list && list.shifts.length > 0 && (
        <table className="grid" aria-label="On-call shifts">
          <thead>
            <tr>
              <th>Incident commander</th>
              <th>From</th>
              <th>Until</th>
              {may && <th />}
            </tr>
          </thead>
          <tbody>
            {list.shifts.map((s) => (
              <tr key={s.id} data-testid="oncall-shift">
                <td>
                  {s.name}
                  {list.now?.id === s.id && <span className="pill ok"> on call now</span>}
                </td>
                <td>
                  <Time iso={s.startsAt} mode="local" />
                </td>
                <td>
                  <Time iso={s.endsAt} mode="local" />
                </td>
                {may && (
                  <td>
                    <button className="btn small danger" onClick={() => setRemoving(s)} data-testid="oncall-remove">
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {may && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label className="field">
            <span>Incident commander</span>
            <select name="oncallOperator" value={who} onChange={(e) => setWho(e.target.value)}>
              <option value="">{commanders.length ? 'Pick…' : 'No incident commander in the org'}</option>
              {commanders.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>From</span>
            <input type="datetime-local" name="oncallFrom" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="field">
            <span>Until</span>
            <input type="datetime-local" name="oncallTo" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button className="btn primary" type="submit" disabled={busy} data-testid="oncall-add">
            Add shift
          </button>
        </form>
      )}
      {error && (
        <p className="err" role="alert" data-testid="oncall-error">
          {error}
        </p>
      )}
      {removing && (
        <ReasonDialog
          title={`Remove ${removing.name}'s shift`}
          confirmLabel="Remove shift"
          danger
          onClose={() => setRemoving(null)}
          onSubmit={async (reason) => {
            await call('oncall.remove', { shiftId: removing.id, reason });
            toast('ok', `${removing.name}'s shift is removed.`);
            await load();
          }}
        >
          <p>From then on, the on-call step pages whoever else is on call at that moment, or nobody.</p>
        </ReasonDialog>
      )}
    </section>
  );
}
