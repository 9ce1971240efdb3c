import { type ReactNode, useEffect, useState } from 'react';
import { customerImpact } from './customer-impact';
import { DrainDialog } from './DrainDialog';
import { showOnMap } from './show-on-map';
import type { IncidentDetail } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import { canCommand, type IncidentState, isOpen } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { AckDialog } from './AckDialog';
import { KIND_WORDS } from './AffectedPicker';
import { AffectedDialog, HandOverDialog, LinkAlertDialog, MergeDialog, SeverityDialog, TakeOverDialog } from './CommandDialogs';
import { CreateIncidentDialog } from './CreateIncidentDialog';
import { EscalationPanel } from './EscalationPanel';
import { transitionLabel } from './labels';
import { AlertStatePill, DrillPill, IncidentStateBadge, runQuick, SeverityBadge } from './parts';
import { ReviewEditor } from './ReviewEditor';
import { IncidentAdvisories } from '../advisories/IncidentAdvisories';
import { NoteComposer, Timeline } from './Timeline';
import { TransitionDialog } from './TransitionDialog';
import { useViewKeys } from './useViewKeys';
import { FollowPanel } from '../runbooks/FollowPanel';

type Open = { kind: 'ack' } | { kind: 'transition'; to: IncidentState } | { kind: 'drain'; mode: 'drain' | 'restore' } | { kind: 'severity' | 'takeover' | 'handover' | 'merge' | 'affected' | 'link' | 'create' };

/** Why this operator cannot take command (the button's disabled reason, the key's answer); null when they can. */
function commandRefusal(role: Role, commander: string | null): string | null {
  if (!canCommand(role)) return `Your role (${ROLE_LABELS[role]}) cannot command incidents: incident commanders and admins can.`;
  if (commander !== null && role !== 'admin') return `${commander} commands it: ask them to hand over (an admin can take over).`;
  return null;
}

const takeCommandOf = (incidentId: string, ref: string) =>
  runQuick(async () => {
    await call('incidents.takeCommand', { incidentId });
    return `You command ${ref} now.`;
  });

export function IncidentDetailView({ incidentId }: { incidentId: string }) {
  const detail = useIncidents((s) => (s.detailId === incidentId ? s.detail : null));
  const error = useIncidents((s) => (s.detailId === incidentId ? s.detailError : null));
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [dialog, setDialog] = useState<Open | null>(null);
  const write = canWrite(info);
  const session = info?.session ?? null;
  const i = detail?.incident ?? null;

  const canAck = write.ok && i !== null && isOpen(i.state) && !i.acknowledged;
  // c: the command button's own act (take command; an admin takes over one someone else commands,
  // through its dialog). Where the button is shown but disabled, the key says why instead.
  const commandKey = (): (() => void) | null => {
    if (!write.ok || !i || !session || !isOpen(i.state) || i.commander?.id === session.operatorId) return null;
    const why = commandRefusal(session.role, i.commander?.name ?? null);
    if (why) return () => toast('info', why);
    return i.commander ? () => setDialog({ kind: 'takeover' }) : () => void takeCommandOf(i.id, i.ref);
  };
  useViewKeys({
    Escape: () => navigate('incidents'),
    r: () => void useIncidents.getState().loadDetail(),
    a: canAck ? () => setDialog({ kind: 'ack' }) : null,
    n: write.ok ? () => setDialog({ kind: 'create' }) : null,
    m: i ? () => void showOnMap(i.id) : null,
    i: i ? () => void customerImpact(i.id) : null,
    c: commandKey(),
  });

  // Palette actions for the incident on screen: acknowledge, resolve, show on the map.
  const pending = useUi((st) => st.pendingAction);
  useEffect(() => {
    if (!detail || !i) return;
    const take = useUi.getState().takeAction;
    if (take('acknowledge')) {
      if (canAck) setDialog({ kind: 'ack' });
      else toast('info', !write.ok ? (write.why ?? 'You cannot acknowledge.') : i.acknowledged ? `${i.ref} is acknowledged already, by ${i.acknowledged.by.name}.` : `${i.ref} is not open.`);
    } else if (take('resolve')) {
      if (write.ok && detail.allowedTransitions.includes('resolved')) setDialog({ kind: 'transition', to: 'resolved' });
      else toast('info', !write.ok ? (write.why ?? 'You cannot resolve incidents.') : `${i.ref} cannot be resolved from ${i.state}.`);
    } else if (take('show-on-map')) {
      void showOnMap(i.id);
    } else if (take('customer-impact')) {
      void customerImpact(i.id);
    }
  }, [pending, detail]);

  if (error && !detail) {
    return (
      <div className="view inc-view">
        <ErrorState
          title="Could not load this incident"
          message={error}
          action={
            <button className="btn" onClick={() => navigate('incidents')}>
              Back to incidents
            </button>
          }
        />
      </div>
    );
  }
  if (!detail || !i || !session) return <div className="view inc-view dim">Loading…</div>;

  const open = isOpen(i.state);
  const commandRole = canCommand(session.role);
  const mine = i.commander?.id === session.operatorId;

  const takeCommand = () => takeCommandOf(i.id, i.ref);
  const removeAffected = (a: IncidentDetail['affected'][number]) =>
    runQuick(async () => {
      await call('incidents.setAffected', { incidentId: i.id, remove: [{ kind: a.kind, id: a.id }] });
      return `${a.name} is no longer listed as affected.`;
    });

  return (
    <div className="view inc-view" data-testid="incident-detail" data-state={i.state} data-acknowledged={i.acknowledged !== null}>
      <div className="view-head inc-head">
        <button className="btn small ghost" onClick={() => navigate('incidents')} title="Back to all incidents (Esc)">
          ← Incidents
        </button>
        <span className="mono inc-ref" data-testid="incident-ref">
          {i.ref}
        </span>
        <h1 data-testid="incident-title">{i.title}</h1>
        <SeverityBadge severity={i.severity} />
        <IncidentStateBadge state={i.state} />
        {i.drill && <DrillPill />}
        {i.blocksTraffic && <span className="pill bad">blocks new traffic</span>}
      </div>

      <div className="inc-facts">
        <div data-testid="incident-acknowledged">
          <span className="faint">Acknowledged</span>{' '}
          {i.acknowledged ? (
            <>
              by <strong>{i.acknowledged.by.name}</strong> <Time iso={i.acknowledged.at} />
            </>
          ) : open ? (
            <span className="pill bad">Not acknowledged</span>
          ) : (
            <span className="faint">—</span>
          )}
        </div>
        <div data-testid="incident-commander">
          <span className="faint">Commander</span> {i.commander ? <strong>{i.commander.name}</strong> : <span className="faint">nobody</span>}
        </div>
        <div>
          <span className="faint">Opened</span> <Time iso={i.openedAt} /> by {i.openedBy.name}
        </div>
        {i.resolvedAt && (
          <div>
            <span className="faint">Resolved</span> <Time iso={i.resolvedAt} />
          </div>
        )}
        {i.closedAt && (
          <div>
            <span className="faint">{i.state === 'declined' ? 'Declined' : i.state === 'merged' ? 'Merged' : 'Closed'}</span> <Time iso={i.closedAt} />
          </div>
        )}
        {i.mergedInto && (
          <div>
            <span className="faint">Merged into</span>{' '}
            <a href={`#/incidents/${i.mergedInto.id}`}>
              {i.mergedInto.ref}
            </a>
          </div>
        )}
      </div>

      {write.ok ? (
        <div className="toolbar inc-actions" data-testid="incident-actions">
          {open && (
            <button
              className={`btn ${canAck ? 'primary' : ''}`}
              disabled={!canAck}
              onClick={() => setDialog({ kind: 'ack' })}
              title={i.acknowledged ? `Acknowledged by ${i.acknowledged.by.name}` : 'Own the response; stops escalation (a)'}
              data-testid="ack-button"
            >
              Acknowledge <kbd>a</kbd>
            </button>
          )}
          <button className="btn" onClick={() => void showOnMap(i.id)} data-testid="show-on-map" title="The corridors and sites it affects, on the map (m)">
            Show on map <kbd>m</kbd>
          </button>
          <button className="btn" onClick={() => void customerImpact(i.id)} data-testid="customer-impact" title="Which customers’ traffic would move, and which could no longer be served, if what it affects went down: a routing what-if (i)">
            Customer impact <kbd>i</kbd>
          </button>
          {detail.allowedTransitions.map((to) => (
            <button key={to} className={`btn ${to === 'declined' ? 'danger' : ''}`} onClick={() => setDialog({ kind: 'transition', to })} data-testid={`transition-${to}`}>
              {transitionLabel(i.state, to)}
            </button>
          ))}
          {open && (
            <>
              <span className="sep" />
              <button className="btn" onClick={() => setDialog({ kind: 'severity' })} data-testid="severity-button">
                Severity…
              </button>
              <button className="btn" onClick={() => setDialog({ kind: 'merge' })} data-testid="merge-button" title="Same problem as another open incident">
                Merge…
              </button>
              <button className="btn" onClick={() => setDialog({ kind: 'drain', mode: 'drain' })} data-testid="drain-button" title="Drain the active nodes it names, and those of the sites it names: routing sends them no new work">
                Drain…
              </button>
              <button className="btn" onClick={() => setDialog({ kind: 'drain', mode: 'restore' })} data-testid="restore-button" title="Put back into service the nodes this incident drained">
                Put back…
              </button>
            </>
          )}
          <span className="hint-line">
            <kbd>Esc</kbd> back · <kbd>r</kbd> reload · <kbd>n</kbd> new incident
          </span>
        </div>
      ) : (
        <p className="dim inc-readonly" data-testid="read-only">
          Read only: {write.why}
        </p>
      )}

      <div className="split inc-split">
        <div className="stack">
          {(detail.summary || detail.resolutionNote) && (
            <section className="panel">
              <header>Summary</header>
              <div className="body">
                {detail.summary && <div className="pre">{detail.summary}</div>}
                {detail.resolutionNote && (
                  <div className="inc-quote" data-testid="resolution-note-shown">
                    <span className="faint">Resolution note:</span> {detail.resolutionNote}
                  </div>
                )}
              </div>
            </section>
          )}
          <IncidentAdvisories incidentId={incidentId} />
          <section className="panel">
            <header>
              Timeline <span className="faint">({detail.timeline.length})</span>
            </header>
            <div className="body">
              <Timeline entries={detail.timeline} />
              {write.ok && <NoteComposer incidentId={i.id} />}
            </div>
          </section>
          <FollowPanel key={`rb-${i.id}`} incidentId={i.id} write={write.ok} open={!['closed', 'declined', 'merged'].includes(i.state)} />
          <ReviewEditor key={i.id} detail={detail} write={write.ok} />
        </div>

        <div className="stack">
          <section className="panel" data-testid="command">
            <header>Command</header>
            <div className="body">
              <div>
                {i.commander ? (
                  <>
                    <strong>{mine ? 'You' : i.commander.name}</strong> command{mine ? '' : 's'} this incident.
                  </>
                ) : (
                  <span className="dim">Nobody commands this incident.</span>
                )}
              </div>
              {write.ok && open && (
                <div className="row-actions" style={{ marginTop: 8 }}>
                  {!mine && (
                    <button
                      className="btn small"
                      disabled={commandRefusal(session.role, i.commander?.name ?? null) !== null}
                      title={
                        (commandRefusal(session.role, i.commander?.name ?? null) ?? (i.commander ? 'Take over as admin (recorded as an override)' : 'Become the incident commander')) + ' (c)'
                      }
                      onClick={() => (i.commander ? setDialog({ kind: 'takeover' }) : void takeCommand())}
                      data-testid="take-command"
                    >
                      {i.commander ? 'Take over…' : 'Take command'} <kbd>c</kbd>
                    </button>
                  )}
                  {(mine || session.role === 'admin') && (
                    <button className="btn small" onClick={() => setDialog({ kind: 'handover' })} data-testid="hand-over">
                      Hand over…
                    </button>
                  )}
                </div>
              )}
              {write.ok && open && !commandRole && <p className="faint small">Incident commanders and admins take command; ask one of them.</p>}
            </div>
          </section>

          <EscalationPanel detail={detail} write={write.ok && open} />

          <ListPanel
            title="Affected"
            testId="affected"
            count={detail.affected.length}
            empty="Nothing listed yet."
            action={write.ok ? { label: 'Add…', testId: 'affected-add', run: () => setDialog({ kind: 'affected' }) } : null}
          >
            {detail.affected.map((a) => (
              <li key={`${a.kind}:${a.id}`}>
                <span className="pill">{KIND_WORDS[a.kind]}</span>{' '}
                {a.kind === 'node' ? (
                  <a className="mono" href={`#/nodes/${a.id}`}>
                    {a.name}
                  </a>
                ) : (
                  a.name
                )}
                {write.ok && (
                  <button className="btn ghost small" aria-label={`Remove ${a.name} from affected`} title="Remove from affected" onClick={() => void removeAffected(a)}>
                    ✕
                  </button>
                )}
              </li>
            ))}
          </ListPanel>

          <ListPanel
            title="Alerts"
            testId="linked-alerts"
            count={detail.alerts.length}
            empty="No alert is linked."
            action={write.ok ? { label: 'Link…', testId: 'link-alert', run: () => setDialog({ kind: 'link' }) } : null}
          >
            {detail.alerts.map((a) => (
              <li key={`${a.ruleId}|${a.subjectKey}`}>
                <AlertStatePill state={a.state} /> {a.ruleName}{' '}
                <span className="dim">· {a.subjectName}</span>{' '}
                <span className="faint">
                  · {a.severity} · linked <Time iso={a.linkedAt} />
                </span>
              </li>
            ))}
          </ListPanel>

          {detail.mergedFrom.length > 0 && (
            <ListPanel title="Merged into this one" testId="merged-from" count={detail.mergedFrom.length} empty="" action={null}>
              {detail.mergedFrom.map((m) => (
                <li key={m.id}>
                  <a href={`#/incidents/${m.id}`} className="mono">
                    {m.ref}
                  </a>{' '}
                  {m.title}
                </li>
              ))}
            </ListPanel>
          )}
        </div>
      </div>

      {dialog?.kind === 'ack' && <AckDialog incident={i} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'transition' && <TransitionDialog incident={i} storedNote={detail.resolutionNote} to={dialog.to} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'severity' && <SeverityDialog incident={i} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'takeover' && <TakeOverDialog incident={i} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'handover' && <HandOverDialog incident={i} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'merge' && <MergeDialog incident={i} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'drain' && <DrainDialog incident={i} mode={dialog.mode} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'affected' && <AffectedDialog detail={detail} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'link' && <LinkAlertDialog detail={detail} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'create' && (
        <CreateIncidentDialog
          onClose={() => setDialog(null)}
          onDone={(created) => {
            toast('ok', `${created.ref} opened${created.drill ? ' (drill)' : ''}.`);
            navigate('incidents', created.id);
          }}
        />
      )}
    </div>
  );
}

/** A side panel listing things, with its count and, for writers, the way to add one. */
function ListPanel({
  title,
  testId,
  count,
  empty,
  action,
  children,
}: {
  title: string;
  testId: string;
  count: number;
  empty: string;
  action: { label: string; testId: string; run: () => void } | null;
  children: ReactNode;
}) {
  return (
    <section className="panel" data-testid={testId}>
      <header>
        {title} <span className="faint">({count})</span>
        {action && (
          <div className="actions">
            <button className="btn small" onClick={action.run} data-testid={action.testId}>
              {action.label}
            </button>
          </div>
        )}
      </header>
      <div className="body">{count === 0 ? <span className="dim">{empty}</span> : <ul className="inc-list">{children}</ul>}</div>
    </section>
  );
}
