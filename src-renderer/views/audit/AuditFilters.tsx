import { useEffect, useState } from 'react';
import type { AuditFilter } from '../../../src-shared/contract/audit';
import { type AuditFilterDraft, EMPTY_DRAFT, filterOf, isFiltered, useAudit } from '../../stores/audit-store';

/** Subject types the app records today (docs/formats.md); any other can still be typed. */
const SUBJECT_TYPES = [
  'incident', 'node', 'corridor', 'site', 'node_group', 'component', 'node_key', 'alert_rule', 'escalation_policy', 'checklist_run',
  'checklist_item', 'pilot', 'customer', 'customer_tier', 'sla_policy', 'runtime', 'model', 'routing_decision', 'deployment_run',
  'feature_flag', 'flag_change', 'migration_run', 'notification_channel', 'org',
];

/** A `datetime-local` value (local time, minutes) for a UTC ISO time. */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function draftOf(f: AuditFilter): AuditFilterDraft {
  return {
    from: localInput(f.from),
    to: localInput(f.to),
    actor: f.actor ?? '',
    action: f.action ?? '',
    subjectType: f.subjectType ?? '',
    subjectId: f.subjectId ?? '',
    text: f.text ?? '',
  };
}

/**
 * The auditor's filter. Enter in any field applies it and moves to the results (first event
 * selected); `/` comes back here. The server checks every field (audit.list) and a refusal is
 * shown next to the field it is about.
 */
export function AuditFilters({ actions, onApplied }: { actions: string[]; onApplied: () => void }) {
  const applied = useAudit((s) => s.filter);
  const filterError = useAudit((s) => s.filterError);
  const [draft, setDraft] = useState<AuditFilterDraft>(() => draftOf(applied));
  useEffect(() => setDraft(draftOf(applied)), [applied]);

  const apply = async (d: AuditFilterDraft) => {
    await useAudit.getState().applyFilter(filterOf(d));
    if (!useAudit.getState().filterError) onApplied();
  };
  const field = (key: keyof AuditFilterDraft, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label className={`field ${filterError?.fields[key] ? 'invalid' : ''}`}>
      <span>{label}</span>
      <input
        {...props}
        value={draft[key]}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape') e.currentTarget.blur();
        }}
        aria-invalid={Boolean(filterError?.fields[key])}
        data-testid={`audit-filter-${key}`}
      />
      {filterError?.fields[key] && <span className="err">{filterError.fields[key]}</span>}
    </label>
  );
  const filtered = isFiltered(applied);
  return (
    <form
      className="panel audit-filters"
      role="search"
      aria-label="Filter audit events"
      onSubmit={(e) => {
        e.preventDefault();
        void apply(draft);
      }}
    >
      <div className="fields-row">
        {field('text', 'Text in reason or data (/)', { id: 'audit-filter-text', type: 'search', placeholder: 'e.g. fan, DXB-01', maxLength: 200 })}
        {field('actor', 'Who', { placeholder: 'name or member id', maxLength: 200 })}
        {field('action', 'Action', { placeholder: 'incidents or incidents.opened', list: 'audit-actions', maxLength: 120 })}
        {field('subjectType', 'Subject type', { placeholder: 'incident, node, site…', list: 'audit-subject-types', maxLength: 41 })}
        {field('subjectId', 'Subject', { placeholder: 'INC-12, host name or id', maxLength: 200 })}
        {field('from', 'From (local time)', { type: 'datetime-local' })}
        {field('to', 'Before (local time)', { type: 'datetime-local' })}
      </div>
      <datalist id="audit-actions">
        {actions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <datalist id="audit-subject-types">
        {SUBJECT_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      {filterError && !Object.keys(filterError.fields).length && (
        <div className="err" role="alert">
          {filterError.message}
        </div>
      )}
      <div className="row-actions">
        <button className="btn primary small" type="submit" data-testid="audit-filter-apply">
          Apply filter (Enter)
        </button>
        <button
          className="btn small"
          type="button"
          disabled={!filtered && Object.values(draft).every((v) => !v)}
          onClick={() => {
            setDraft(EMPTY_DRAFT);
            void apply(EMPTY_DRAFT);
          }}
          data-testid="audit-filter-clear"
        >
          Clear filter
        </button>
      </div>
    </form>
  );
}
