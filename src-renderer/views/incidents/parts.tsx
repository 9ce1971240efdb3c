import { type ReactNode, useRef, useState } from 'react';
import { INCIDENT_STATE_LABELS, type IncidentState, SEVERITY_LABELS, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import { McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/States';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';

/** Severity carries shape as well as colour: diamond for critical and high, square medium, round low. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge sev-${severity}`} data-severity={severity}>
      <span className={`dot ${severity === 'critical' || severity === 'high' ? 'diamond' : severity === 'medium' ? 'square' : ''}`} aria-hidden="true" />
      {SEVERITY_LABELS[severity]}
    </span>
  );
}

export function IncidentStateBadge({ state }: { state: IncidentState }) {
  return (
    <span className={`pill inc-state inc-${state}`} data-state={state}>
      {INCIDENT_STATE_LABELS[state]}
    </span>
  );
}

export function DrillPill() {
  return (
    <span className="pill accent" title="A failover drill: it escalates and records like an incident, but never blocks new traffic">
      Drill
    </span>
  );
}

/** An alert's state, coloured like everywhere else: firing is bad, pending a warning. */
export function AlertStatePill({ state }: { state: string }) {
  return <span className={`pill ${state === 'firing' ? 'bad' : state === 'pending' ? 'warn' : ''}`}>{state}</span>;
}

/** A page that could not load, with the way to try again. */
export function LoadError({ title, message, retry }: { title: string; message: string; retry: () => void }) {
  return (
    <ErrorState
      title={title}
      message={message}
      action={
        <button className="btn" onClick={retry}>
          Try again
        </button>
      }
    />
  );
}

/** A labelled input with the server's (or the form's) complaint right under it. */
export function Field({ label, error, children }: { label: ReactNode; error?: string | undefined; children: ReactNode }) {
  return (
    <label className={`field ${error ? 'invalid' : ''}`}>
      <span>{label}</span>
      {children}
      {error && <span className="err">{error}</span>}
    </label>
  );
}

/** A refusal, split into what belongs next to a field and what is said for the whole form. */
export interface Problem {
  code: string | null;
  message: string;
  fields: Record<string, string>;
}

function problemOf(err: unknown): Problem {
  if (err instanceof McClientError) return { code: err.code, message: err.message, fields: err.fields };
  return { code: null, message: err instanceof Error ? err.message : String(err), fields: {} };
}

/** The first complaint about a field or anything under it ("steps.0" covers "steps.0.target.role"). */
export function fieldError(fields: Record<string, string>, path: string): string | undefined {
  return fields[path] ?? Object.entries(fields).find(([k]) => k.startsWith(`${path}.`))?.[1];
}

/** The form-level line: the message, unless every complaint already sits next to its field. */
export function FormMessage({ problem, shownFields }: { problem: Problem | null; shownFields: readonly string[] }) {
  if (!problem) return null;
  const placed = Object.keys(problem.fields).length > 0 && Object.keys(problem.fields).every((k) => shownFields.some((f) => k === f || k.startsWith(`${f}.`)));
  if (placed) return null;
  return (
    <div className="err" role="alert" data-testid="form-error">
      {problem.message}
    </div>
  );
}

/** Ctrl/Cmd+Enter submits a form from anywhere inside it, like the other dialogs. */
export function onCtrlEnter(run: () => void) {
  return (e: React.KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      run();
    }
  };
}

/**
 * One submission at a time, and what the server said about it. Buttons are not disabled while it
 * runs: a focused button that turns disabled drops the focus to <body>, and the dialog's Esc and
 * Ctrl+Enter with it.
 */
export function useSubmit() {
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const run = async (fn: () => Promise<void>, after?: () => void) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setProblem(null);
    try {
      await fn();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      running.current = false;
      setBusy(false);
      after?.();
    }
  };
  return { busy, problem, setProblem, run };
}

/** A command from a dialog: on success say so and close; either way show the incident as it is now. */
export function useCommand(onClose: () => void) {
  const toast = useUi((s) => s.toast);
  const submit = useSubmit();
  const run = (what: () => Promise<string>) =>
    submit.run(
      async () => {
        toast('ok', await what());
        onClose();
      },
      () => void useIncidents.getState().refresh(),
    );
  return { ...submit, run };
}

/**
 * A dialog that sends one command: Ctrl+Enter or the primary button submits, Esc or Cancel closes.
 * `extra` sits between the two buttons (a second way out, e.g. "move from the new state").
 */
export function FormDialog(props: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  submitLabel: ReactNode;
  /** What Ctrl+Enter does, in the footer's hint. */
  hint: string;
  busy: boolean;
  testId: string;
  danger?: boolean;
  disabled?: boolean;
  cancelLabel?: string;
  extra?: ReactNode;
  children: ReactNode;
}) {
  return (
    // Ctrl+Enter obeys the same rule as the button: a disabled form is not sent from the keyboard either.
    <div onKeyDown={onCtrlEnter(() => !props.disabled && props.onSubmit())}>
      <Dialog
        title={props.title}
        onClose={props.onClose}
        footer={
          <>
            <span className="hint">
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd> {props.hint}
            </span>
            <button className="btn" onClick={props.onClose}>
              {props.cancelLabel ?? 'Cancel'}
            </button>
            {props.extra}
            <button className={`btn ${props.danger ? 'danger' : 'primary'}`} onClick={props.onSubmit} disabled={props.disabled} aria-busy={props.busy} data-testid={props.testId}>
              {props.submitLabel}
            </button>
          </>
        }
      >
        {props.children}
      </Dialog>
    </div>
  );
}

/** A one-click command (no dialog): say what happened or why not, then show the incident as it is now. */
export async function runQuick(what: () => Promise<string>): Promise<void> {
  const { toast } = useUi.getState();
  try {
    toast('ok', await what());
  } catch (err) {
    toast('error', problemOf(err).message, err instanceof McClientError ? err.requestId : undefined);
  } finally {
    void useIncidents.getState().refresh();
  }
}
