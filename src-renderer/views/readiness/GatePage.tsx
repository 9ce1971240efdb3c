import { useState } from 'react';
import type { ReadinessSubject } from '../../../src-shared/contract/checklists';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { ReasonDialog } from '../../components/ReasonDialog';
import { type Readiness, useReadiness } from '../../stores/readiness-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { RunPage } from '../checklists/RunPage';
import { PilotEvidence } from './PilotEvidence';
import { READINESS_LABELS, ReadinessBadge } from './ReadinessBadge';

const DECISIONS: { to: Readiness; label: string; testId: string }[] = [
  { to: 'ready', label: 'Mark ready', testId: 'mark-ready' },
  { to: 'live', label: 'Mark live', testId: 'mark-live' },
  { to: 'preparing', label: 'Back to preparing', testId: 'mark-preparing' },
];

/** One gate set, gate by gate with owners, and the admin's go-live decision on its subject. */
export function GatePage({ runId }: { runId: string }) {
  const overview = useReadiness((s) => s.overview);
  const members = useReadiness((s) => s.members);
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const [deciding, setDeciding] = useState<Readiness | null>(null);
  const decision = DECISIONS.find((d) => d.to === deciding);
  const subject = overview ? [...overview.corridors, ...overview.pilots].find((s) => s.gateRunId === runId) : undefined;

  const role = info?.session?.role;
  const why = info?.readOnly ? 'This display is read-only.' : role === 'admin' ? null : `Only admins mark ${subject?.subjectType === 'pilot' ? 'pilots' : 'corridors'} ready or live; you are signed in as ${role ? ROLE_LABELS[role] : 'nobody'}.`;

  return (
    <>
      <RunPage
        runId={runId}
        back="readiness"
        members={members}
        actions={
          subject &&
          DECISIONS.filter((d) => d.to !== subject.readiness).map((d) => (
            <button
              key={d.to}
              // Going ready or live is the next step only once every gate is passed or waived;
              // until then the button is plain and says why it will be refused.
              className={`btn small ${d.to === 'preparing' ? (subject.readiness === 'live' ? 'danger' : '') : subject.openGates.length === 0 ? 'primary' : ''}`}
              disabled={why !== null}
              title={
                why ??
                (d.to !== 'preparing' && subject.openGates.length > 0
                  ? `${subject.openGates.length} gate${subject.openGates.length === 1 ? ' is' : 's are'} open or failed: pass or waive them first`
                  : `${d.label}: recorded with your reason`)
              }
              onClick={() => setDeciding(d.to)}
              data-testid={d.testId}
            >
              {d.label}…
            </button>
          ))
        }
      >
        {subject && <Decision subject={subject} why={why} />}
        {subject?.subjectType === 'pilot' && <PilotEvidence pilotId={subject.id} name={subject.name} tier={subject.tier} />}
      </RunPage>
      {decision && subject && (
        <ReasonDialog
          title={`${decision.label}: ${subject.name}`}
          confirmLabel={decision.label}
          danger={decision.to === 'preparing' && subject.readiness === 'live'}
          placeholder={decision.to === 'preparing' ? 'What changed, and what must happen before it goes ahead again' : 'What the decision rests on'}
          onClose={() => setDeciding(null)}
          onSubmit={async (reason) => {
            await useReadiness.getState().setReadiness(subject, decision.to, reason);
            toast('ok', `${subject.name} is ${READINESS_LABELS[decision.to].toLowerCase()} now.`);
          }}
        >
          <p className="dim">
            {decision.to === 'preparing'
              ? `${subject.name} goes back to preparing: it is no longer treated as ready for traffic.`
              : `${subject.name} is marked ${decision.to} only if every gate is passed or waived.`}
            {decision.to !== 'preparing' && subject.openGates.length > 0 && ` ${subject.openGates.length} ${subject.openGates.length === 1 ? 'is' : 'are'} open or failed now.`}
          </p>
        </ReasonDialog>
      )}
    </>
  );
}

function Decision({ subject, why }: { subject: ReadinessSubject; why: string | null }) {
  return (
    <div className="rd-decide" data-testid="decision">
      <span className="dim">{subject.subjectType === 'pilot' ? 'Pilot' : 'Corridor'}:</span>
      <ReadinessBadge readiness={subject.readiness} />
      {subject.detail && <span className="dim">{subject.detail}</span>}
      {subject.subjectType === 'pilot' && <span className="dim">· owner {subject.owner?.name ?? 'none'}</span>}
      <span className={`pill ${subject.openGates.length ? 'warn' : 'ok'}`} data-testid="open-gate-count">
        {subject.openGates.length ? `${subject.openGates.length} gate${subject.openGates.length === 1 ? '' : 's'} open or failed` : 'every gate passed or waived'}
      </span>
      {why && (
        <span className="faint" data-testid="readiness-why">
          {why}
        </span>
      )}
    </div>
  );
}
