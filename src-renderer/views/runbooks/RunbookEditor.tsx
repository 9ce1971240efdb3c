import { useMemo, useState } from 'react';
import type { RunbookDetail } from '../../../src-shared/contract/runbooks';
import { FACT_NAMES, MAX_RUNBOOK_BYTES, parseRunbook, utf8Bytes } from '../../../src-shared/domain/runbooks';
import { call, McClientError } from '../../bridge/client';
import { Markdown } from './Markdown';
import { StepAction } from './StepAction';

/**
 * The Markdown editor with its preview: the same parser the service uses checks every keystroke,
 * so a bad step marker is shown with its line before Save (which the service would refuse anyway).
 */
export function RunbookEditor({ detail, onCancel, onSaved }: { detail: RunbookDetail; onCancel: () => void; onSaved: (r: RunbookDetail) => void }) {
  const [body, setBody] = useState(detail.body);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = useMemo(() => parseRunbook(body), [body]);
  const bytes = utf8Bytes(body);
  const changed = body !== detail.body;

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call('runbooks.save', { runbookId: detail.id, body, baseVersion: detail.version, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      onSaved(r.runbook);
    } catch (err) {
      setError(err instanceof McClientError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className="split rb-editor"
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 's') {
          e.preventDefault();
          if (parsed.ok && changed && !busy) void save();
        }
      }}
    >
      <div className="stack">
        <section className="panel">
          <header>
            Markdown <span className="faint small">({bytes.toLocaleString('en')} of {MAX_RUNBOOK_BYTES.toLocaleString('en')} bytes)</span>
          </header>
          <div className="body">
            <textarea
              className="mono rb-source"
              value={body}
              onChange={(e) => setBody(e.target.value)}
              rows={30}
              spellCheck={false}
              aria-label="Runbook Markdown"
              data-testid="runbook-source"
              autoFocus
            />
            <p className="faint small">
              A step: <code>## Step &lt;id&gt;: &lt;title&gt;</code>, then <code>@facts</code> ({FACT_NAMES.join(', ')}) and <code>@action &lt;view&gt;: &lt;label&gt;</code>{' '}
              lines (see docs/formats.md). Raw HTML shows as text.
            </p>
            {!parsed.ok && (
              <ul className="error small" data-testid="marker-errors">
                {parsed.errors.map((e, i) => (
                  <li key={i}>
                    line {e.line}: {e.message}
                  </li>
                ))}
              </ul>
            )}
            <div className="field">
              <label htmlFor="rb-reason">Why (goes into the audit event)</label>
              <input id="rb-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} placeholder="e.g. add the pool figures to the kill step" />
            </div>
            {error && (
              <div className="error" data-testid="save-error">
                {error}
              </div>
            )}
            <div className="row-actions">
              <button className="btn primary" disabled={!parsed.ok || !changed || busy} onClick={() => void save()} data-testid="save-runbook" title="Save as a new version (Ctrl+S)">
                Save as version {detail.version + 1}
              </button>
              <button className="btn" onClick={onCancel} disabled={busy}>
                Cancel
              </button>
            </div>
          </div>
        </section>
      </div>
      <div className="stack">
        <section className="panel" data-testid="runbook-preview">
          <header>Preview</header>
          <div className="body">
            {parsed.ok ? (
              <>
                <h2>{parsed.runbook.title}</h2>
                {parsed.runbook.intro && <Markdown source={parsed.runbook.intro} />}
                <ol>
                  {parsed.runbook.steps.map((s) => (
                    <li key={s.id}>
                      <strong>{s.title}</strong> {s.facts.length > 0 && <span className="faint small">facts: {s.facts.join(', ')}</span>}
                      {s.body && <Markdown source={s.body} />}
                      <StepAction action={s.action} />
                    </li>
                  ))}
                </ol>
              </>
            ) : (
              <span className="dim">Fix the marked lines to see the preview.</span>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}
