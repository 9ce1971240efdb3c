import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';

/** One glance: is this screen connected, to what, and are updates live? Click for Connections. */
export function ConnectionIndicator() {
  const info = useSystem((s) => s.info);
  const transport = useSystem((s) => s.transport);
  const navigate = useUi((s) => s.navigate);
  let cls = 'down';
  let text: string;
  let title: string;
  if (transport === 'unauthorised') {
    text = 'Not authorised';
    title = 'This page’s token is not valid for the running host. Open the URL the host printed.';
  } else if (transport !== 'open') {
    text = 'Host unreachable';
    title = 'The Mission Control host is not answering; reconnecting…';
  } else if (!info) {
    text = 'Connecting…';
    title = text;
  } else if (info.database.state === 'connected') {
    cls = info.database.live ? 'live' : 'degraded';
    text = `${info.database.profileName ?? 'Database'}${info.database.live ? '' : ' · reconnecting live updates'}`;
    title = `PostgreSQL ${info.database.serverVersion ?? '?'} · ${info.database.live ? 'live updates on' : 'live updates reconnecting (views may be stale)'}`;
  } else if (info.database.state === 'connecting') {
    cls = 'degraded';
    text = `Connecting ${info.database.profileName ?? ''}…`;
    title = text;
  } else {
    text = `${info.database.profileName ?? 'Database'}: not connected`;
    title = info.database.message ?? 'Not connected';
  }
  return (
    <button className={`conn ${cls}`} onClick={() => navigate('connections')} title={title} data-testid="connection-indicator" data-state={cls}>
      <span className="dot" aria-hidden="true" />
      {text}
    </button>
  );
}
