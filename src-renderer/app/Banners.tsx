import { useBlocking } from '../stores/blocking-store';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';

/** Conditions that change what the operator can trust or do, always visible above every view. */
export function Banners() {
  const info = useSystem((s) => s.info);
  const transport = useSystem((s) => s.transport);
  const navigate = useUi((s) => s.navigate);
  const blocking = useBlocking((s) => s.blocking);
  const banners: { kind: 'warn' | 'bad' | 'info'; text: string; action?: { label: string; run: () => void } }[] = [];
  if (transport === 'unauthorised') {
    banners.push({ kind: 'bad', text: 'This page is not authorised for the running host (it prints a new token each time it starts). Open the exact URL it printed.' });
  } else if (transport === 'closed') {
    banners.push({ kind: 'bad', text: 'The Mission Control host is not answering. Reconnecting… Figures on screen may be stale.' });
  }
  if (info) {
    if (info.readOnly) banners.push({ kind: 'info', text: 'Read-only display: this screen shows live status; changes are made from a Mission Control workstation.' });
    if (!info.keychain.available) banners.push({ kind: 'bad', text: info.keychain.message ?? 'No OS keychain is available.' });
    if (info.database.state === 'error' || info.database.state === 'disconnected') {
      banners.push({
        kind: 'bad',
        text: info.database.message ?? 'No database is connected.',
        action: { label: 'Open Connections', run: () => navigate('connections') },
      });
    } else if (info.database.state === 'connected' && !info.session && info.database.message) {
      banners.push({ kind: 'warn', text: info.database.message, action: { label: 'Open Connections', run: () => navigate('connections') } });
    } else if (info.database.state === 'connected' && !info.database.live) {
      banners.push({ kind: 'warn', text: 'Live updates are reconnecting: other operators’ changes will appear when they are back.' });
    }
  }
  if (blocking.length > 0) {
    const worst = blocking[0]!;
    banners.push({
      kind: 'bad',
      text:
        blocking.length === 1
          ? `${worst.ref} (${worst.severity}) is open: resolve critical and high incidents before new traffic.`
          : `${blocking.length} critical or high incidents are open (${blocking.slice(0, 3).map((i) => i.ref).join(', ')}${blocking.length > 3 ? ', …' : ''}): resolve them before new traffic.`,
      action: { label: 'Open incidents', run: () => navigate('incidents', blocking.length === 1 ? worst.id : null) },
    });
  }
  return (
    <>
      {banners.map((b, i) => (
        <div key={i} className={`banner ${b.kind}`} role={b.kind === 'bad' ? 'alert' : 'status'} data-testid="banner">
          <span>{b.text}</span>
          {b.action && (
            <button className="btn small" onClick={b.action.run}>
              {b.action.label}
            </button>
          )}
        </div>
      ))}
    </>
  );
}
