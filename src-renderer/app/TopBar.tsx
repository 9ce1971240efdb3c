import iconUrl from '../../resources/icon.svg';
import { ROLE_LABELS } from '../../src-shared/contract/roles';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';
import { ConnectionIndicator } from './ConnectionIndicator';
import { Keys } from './Keys';
import { SessionLine } from '../views/session/SessionLine';

export function TopBar() {
  const info = useSystem((s) => s.info);
  const setPalette = useUi((s) => s.setPalette);
  const session = info?.session;
  return (
    <header className="topbar">
      <span className="brand">
        <img src={iconUrl} alt="" width={20} height={20} />
        UmamiEdge <small>Mission Control</small>
      </span>
      {session && <span className="pill">{session.orgName}</span>}
      {session?.orgSimulated && (
        <span className="pill warn" data-testid="org-simulated" title="A demo org: its sites, owners, telemetry and every figure drawn from them are simulated.">
          Demo · simulated data
        </span>
      )}
      {info?.readOnly && <span className="pill warn">Read-only display</span>}
      <span className="spacer" />
      <button className="btn small ghost" onClick={() => setPalette(true)} title="Command palette">
        Commands <Keys keys={['Ctrl+K']} />
      </button>
      {session && (
        <span
          className="who"
          data-testid="who"
          data-identity={info?.identityMode ?? undefined}
          title={
            info?.identityMode === 'os-user'
              ? 'Offline on the embedded database: you, the OS user, are the operator.'
              : 'Signed in with your own database login: the database decides who acts.'
          }
        >
          <strong>{session.operatorName}</strong> · {ROLE_LABELS[session.role]}
          <small className="dim"> · {info?.identityMode === 'os-user' ? 'offline, this workstation’s user' : 'database sign-in'}</small>
        </span>
      )}
      <SessionLine />
      <ConnectionIndicator />
    </header>
  );
}
