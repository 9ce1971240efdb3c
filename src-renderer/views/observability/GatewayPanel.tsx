import { useCallback, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { call, errorText } from '../../bridge/client';
import { Time } from '../../components/Time';
import { usePoll } from '../../components/use-poll';

type Data = Response<'observability.gateway'>;
const POLL_MS = 15_000;

/**
 * The customer gateway (the data plane): the one this app runs, asked live (its address, whether
 * its /healthz answers, the database login it runs as: a name, never a password), and every
 * gateway instance's requests and refusals from the request records it writes. Refreshed every 15 s.
 */
export function GatewayPanel() {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      call('observability.gateway', {}).then(
        (d) => (setData(d), setError(null)),
        (err) => setError(errorText(err)),
      ),
    [],
  );
  usePoll(load, POLL_MS);

  const local = data?.local ?? null;
  return (
    <section className="panel" data-testid="gateway-panel">
      <header>Customer gateway</header>
      <div className="body">
        {error && !data && <div className="err">Could not read the gateway’s status: {error}</div>}
        {!data && !error && <div className="dim">Loading…</div>}
        {data && local && (
          <p data-testid="gateway-local" data-up={local.up ? 'yes' : 'no'}>
            <span className={`pill ${local.up ? 'ok' : 'bad'}`}>{local.up ? 'Up' : 'Not answering'}</span> This app’s {local.simulated ? 'demo gateway (simulated traffic)' : 'gateway'} listens at{' '}
            <span className="mono">{local.url}</span> since <Time iso={local.since} mode="local" />, as the database login <span className="mono">{local.login}</span> (a member of
            mc_gateway; its password is never shown).
            {local.up && (
              <span className="dim">
                {' '}
                Database {local.database ? 'reachable' : 'unreachable'}; {local.spoolBacklog} metering record{local.spoolBacklog === 1 ? '' : 's'} waiting in its spool.
              </span>
            )}
            {local.error && <span className="err"> {local.error}.</span>}
          </p>
        )}
        {data && !local && (
          <p className="dim" data-testid="gateway-local-none">
            This app runs no gateway (the embedded demo org runs one by itself). A production gateway runs on its own with <code>npm run gateway</code>; its requests show below once it records them.
          </p>
        )}
        {data && data.instances.length === 0 && (
          <p className="dim" data-testid="gateway-instances-empty">
            No gateway recorded a request in the last hour.
          </p>
        )}
        {data && data.instances.length > 0 && (
          <table className="grid" data-testid="gateway-instances">
            <thead>
              <tr>
                <th>Instance</th>
                <th>Last request</th>
                <th className="num nowrap">Requests 15 min</th>
                <th className="num nowrap">Refused 15 min</th>
                <th className="num nowrap">Requests 1 h</th>
                <th className="num nowrap">Refused 1 h</th>
                <th>Refused for (1 h)</th>
              </tr>
            </thead>
            <tbody>
              {data.instances.map((g) => (
                <tr key={g.instance} data-testid={`gateway-${g.instance}`}>
                  <td className="mono">
                    {g.instance}
                    {g.simulated && <span className="faint"> (simulated)</span>}
                  </td>
                  <td className="dim">
                    <Time iso={g.lastRequestAt} />
                  </td>
                  <td className="num">{g.requests15m.toLocaleString()}</td>
                  <td className={`num ${g.refused15m ? 'err' : ''}`}>{g.refused15m.toLocaleString()}</td>
                  <td className="num">{g.requests1h.toLocaleString()}</td>
                  <td className={`num ${g.refused1h ? 'err' : ''}`}>{g.refused1h.toLocaleString()}</td>
                  <td className="dim">{g.refusedBy.length ? g.refusedBy.map((r) => `${r.outcome.replace(/_/g, ' ')} ${r.count}`).join(' · ') : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {data && (
          <p className="faint">
            Counted from the request records every gateway writes (API requests); a request refused before its key was known names no customer and is not among them (the Keys view counts
            refused keys).
          </p>
        )}
      </div>
    </section>
  );
}
