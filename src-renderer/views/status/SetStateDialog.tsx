import { useRef, useState } from 'react';
import type { Component } from '../../../src-shared/contract/status';
import { COMPONENT_STATES, type ComponentState } from '../../../src-shared/domain/component-status';
import { McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { StateBadge } from '../../components/StateBadge';
import { useStatus } from '../../stores/status-store';
import { useUi } from '../../stores/ui-store';
import { LengthHint } from '../../components/LengthHint';

export function SetStateDialog({ component, onClose }: { component: Component; onClose: () => void }) {
  const [state, setState] = useState<ComponentState>(component.declared?.state ?? component.computed.state ?? 'operational');
  const [reason, setReason] = useState('');
  // A declaration may end by itself (a maintenance window), so a forgotten one stops hiding facts.
  const [hours, setHours] = useState(0);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const toast = useUi((s) => s.toast);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  // The current state is no change: the server refuses it, so the dialog says so before asking.
  const unchanged = state === component.declared?.state;

  const submit = async () => {
    if (unchanged) {
      setFieldErrors({ state: `${component.name} is already in this state. Choose another state, or Cancel.` });
      return;
    }
    if (reason.trim().length < 3) {
      setFieldErrors({ reason: 'Say why, in a few words (at least 3 characters).' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await useStatus.getState().setState(component.id, state, reason.trim(), hours > 0 ? new Date(Date.now() + hours * 3600_000).toISOString() : undefined);
      toast('ok', `${component.name} is now recorded as ${state.replace(/_/g, ' ')}.`);
      onClose();
    } catch (err) {
      if (err instanceof McClientError && err.code === 'VALIDATION') setFieldErrors(err.fields);
      setError(err instanceof Error ? err.message : String(err));
      if (err instanceof McClientError && err.code === 'INTERNAL') toast('error', err.message, err.requestId);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void submit();
      return;
    }
    const target = e.target as HTMLElement;
    if (target.tagName !== 'TEXTAREA' && /^[1-5]$/.test(e.key)) {
      e.preventDefault();
      setState(COMPONENT_STATES[Number(e.key) - 1] as ComponentState);
      setFieldErrors({});
      // The number picked the state; what the operator types next is the reason (a "1" in
      // "DXB-01" must not switch the state back).
      reasonRef.current?.focus();
    }
  };

  return (
    <div onKeyDown={onKeyDown}>
      <Dialog
        title={`Set state: ${component.name}`}
        onClose={onClose}
        footer={
          <>
            <span className="hint">
              <kbd>1</kbd>…<kbd>5</kbd> choose · <kbd>Ctrl</kbd>+<kbd>Enter</kbd> apply
            </span>
            <button className="btn" onClick={onClose}>
              Cancel
            </button>
            <button className="btn primary" onClick={() => void submit()} disabled={busy || unchanged} data-testid="apply-state">
              {busy ? 'Applying…' : 'Apply'}
            </button>
          </>
        }
      >
        <div className="choices" role="radiogroup" aria-label="State">
          {COMPONENT_STATES.map((s, i) => (
            <label key={s}>
              <input type="radio" name="state" value={s} checked={state === s} onChange={() => {
                  setState(s);
                  setFieldErrors({});
                }}
                autoFocus={s === (component.declared?.state ?? component.computed.state ?? 'operational')} />
              <StateBadge state={s} />
              {s === component.declared?.state && <span className="faint">(declared now)</span>}
              {s === component.computed.state && <span className="faint">(computed)</span>}
              <kbd>{i + 1}</kbd>
            </label>
          ))}
        </div>
        {(fieldErrors.state || unchanged) && (
          <div className="hint" data-testid="state-unchanged">
            {fieldErrors.state ?? 'This is the current state: choose another one (1…5) to record a change.'}
          </div>
        )}
        <label className={`field ${fieldErrors.reason ? 'invalid' : ''}`}>
          <span>Reason (operators and auditors will read this)</span>
          <textarea
            ref={reasonRef}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              setFieldErrors({});
            }}
            placeholder="e.g. p95 latency above 1 s in SIN and HKG since 14:05 UTC; traffic shifted to TYO"
            maxLength={2000}
            data-testid="state-reason"
          />
          {fieldErrors.reason && <span className="err">{fieldErrors.reason}</span>}
          <LengthHint value={reason} max={2000} />
        </label>
        <label className="field">
          <span>Declaration ends</span>
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))} data-testid="state-until">
            <option value={0}>when someone changes it</option>
            <option value={1}>in 1 hour</option>
            <option value={4}>in 4 hours</option>
            <option value={24}>in 24 hours</option>
          </select>
          {fieldErrors.until && <span className="err">{fieldErrors.until}</span>}
        </label>
        <p className="faint">What you set is shown as declared, beside what the records compute; the worse of the two counts.</p>
        {error && !fieldErrors.reason && (
          <div className="err" role="alert">
            {error}
          </div>
        )}
      </Dialog>
    </div>
  );
}
