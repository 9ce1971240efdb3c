import { useEffect, useMemo, useState } from 'react';
import type { RunSummary } from '../../../src-shared/contract/checklists';
import { periodOf, TEMPLATE_BY_KEY, type TemplateKey } from '../../../src-shared/domain/checklists';
import { errorText } from '../../bridge/client';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useChecklists } from '../../stores/checklists-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { Progress } from './Progress';
import { Outcome } from './RunHeader';
import { SiteSafetyDialog } from './SiteSafetyDialog';
import { viewKey } from '../../app/shortcuts';

const CADENCES = ['daily', 'weekly', 'monthly'] as const;
const CADENCE_TITLES: Record<(typeof CADENCES)[number], string> = { daily: 'Today', weekly: 'This week', monthly: 'This month' };
type Filter = 'all' | 'checklist' | 'gates';

/** Gate sets belong to the readiness view; checklists open here. */
export function openRun(run: Pick<RunSummary, 'id' | 'kind'>): void {
  useUi.getState().navigate(run.kind === 'gates' ? 'readiness' : 'checklists', run.id);
}

export function RunsList() {
  const list = useChecklists((s) => s.list);
  const listError = useChecklists((s) => s.listError);
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [filter, setFilter] = useState<Filter>('all');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [siteDialog, setSiteDialog] = useState(false);
  const [starting, setStarting] = useState<TemplateKey | null>(null);

  const runs = useMemo(() => (list?.runs ?? []).filter((r) => filter === 'all' || r.kind === filter), [list, filter]);

  const start = async (key: TemplateKey, subjectId: string | null = null) => {
    setStarting(key);
    try {
      const { run, created } = await useChecklists.getState().start(key, subjectId);
      if (!created) toast('info', `${run.startedBy?.name ?? 'Someone'} had started ${run.title} already: opened that run.`);
      openRun(run);
    } finally {
      setStarting(null);
    }
  };
  const startOrSay = (key: TemplateKey) => start(key).catch((err: unknown) => toast('error', `Could not start the checklist: ${errorText(err)}`));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      const i = runs.findIndex((r) => r.id === selectedId);
      if ((e.key === 'j' || e.key === 'ArrowDown') && runs.length) {
        e.preventDefault();
        setSelectedId(runs[Math.min(i + 1, runs.length - 1)]!.id);
      } else if ((e.key === 'k' || e.key === 'ArrowUp') && runs.length) {
        e.preventDefault();
        setSelectedId(runs[Math.max(i - 1, 0)]!.id);
      } else if (e.key === 'Enter' && i >= 0 && !(e.target as HTMLElement).closest('button, a')) {
        e.preventDefault();
        openRun(runs[i]!);
      } else if (e.key === 'r') {
        e.preventDefault();
        void useChecklists.getState().load();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runs, selectedId]);

  if (!list && listError) return <div className="view"><ErrorState title="Could not load the checklists" message={`${listError} Press r to try again; check Connections if it persists.`} /></div>;
  if (!list) return <div className="view dim">Loading…</div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Checklists</h1>
        <span className="sub">Daily, weekly and monthly checks; site safety; after each deployment</span>
        <div className="actions">
          <button className="btn" disabled={!write.ok} title={write.why ?? 'Start a site safety checklist for one site'} onClick={() => setSiteDialog(true)} data-testid="new-site-safety">
            Site safety checklist…
          </button>
          <button
            className="btn"
            disabled={!write.ok || starting !== null}
            title={write.why ?? 'Start a post-deployment checklist (one per deployment)'}
            onClick={() => void startOrSay('post_deployment')}
            data-testid="new-post-deployment"
          >
            Post-deployment checklist
          </button>
        </div>
      </div>

      <div className="cl-current">
        {CADENCES.map((cadence) => {
          const id = list.current[cadence];
          const run = id ? list.runs.find((r) => r.id === id) : undefined;
          const template = TEMPLATE_BY_KEY.get(cadence)!;
          return (
            <section key={cadence} className="panel" data-testid={`current-${cadence}`} data-started={id ? 'true' : 'false'}>
              <header>
                {CADENCE_TITLES[cadence]}: {template.name.toLowerCase()}
                <span className="faint mono">{run?.period ?? periodOf(cadence, new Date())}</span>
                <div className="actions">
                  {id ? (
                    <button className="btn small" onClick={() => openRun({ id, kind: 'checklist' })} data-testid="open-current">
                      Open
                    </button>
                  ) : (
                    <button
                      className="btn small primary"
                      disabled={!write.ok || starting !== null}
                      title={write.why ?? `Start ${template.name.toLowerCase()} for this period`}
                      onClick={() => void startOrSay(cadence)}
                      data-testid="start-current"
                    >
                      {starting === cadence ? 'Starting…' : 'Start'}
                    </button>
                  )}
                </div>
              </header>
              <div className="body">
                {run ? (
                  <>
                    <Progress progress={run.progress} kind="checklist" />
                    <div className="dim cl-meta">
                      Started by {run.startedBy?.name ?? 'unknown'} <Time iso={run.startedAt} /> · <Outcome run={run} />
                    </div>
                  </>
                ) : id ? (
                  <span className="dim">Started; open it to see its items.</span>
                ) : (
                  <span className="dim">
                    Not started. {template.items.length} items{write.ok ? '; Start, then tick them as you go.' : '.'}
                  </span>
                )}
              </div>
            </section>
          );
        })}
      </div>

      <section className="panel" data-testid="recent-runs">
        <header>
          Recent runs
          <div className="actions">
            <div className="tabs" role="group" aria-label="Show">
              {(['all', 'checklist', 'gates'] as const).map((f) => (
                <button key={f} aria-pressed={filter === f} onClick={() => setFilter(f)}>
                  {f === 'all' ? 'All' : f === 'checklist' ? 'Checklists' : 'Gate sets'}
                </button>
              ))}
            </div>
          </div>
        </header>
        {runs.length === 0 ? (
          <EmptyState title={filter === 'gates' ? 'No gate sets yet' : 'No checklist runs yet'}>
            {filter === 'gates'
              ? 'Gate sets are set up per corridor or customer pilot on the Readiness page.'
              : write.ok
                ? 'Start today’s daily checklist above, or a site safety or post-deployment checklist.'
                : 'Nothing has been started yet; operators start checklists here.'}
          </EmptyState>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Checklist</th>
                <th>Subject</th>
                <th>Period</th>
                <th>Started</th>
                <th>Progress</th>
                <th>Completed</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr
                  key={r.id}
                  className="row"
                  data-testid={`run-${r.id}`}
                  data-template={r.templateKey}
                  aria-selected={r.id === selectedId}
                  onClick={() => setSelectedId(r.id)}
                  onDoubleClick={() => openRun(r)}
                >
                  <td>
                    <a
                      href={`#/${r.kind === 'gates' ? 'readiness' : 'checklists'}/${r.id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        openRun(r);
                      }}
                    >
                      {TEMPLATE_BY_KEY.get(r.templateKey)?.name ?? r.title}
                    </a>
                  </td>
                  <td>{r.subjectName ?? <span className="faint">whole org</span>}</td>
                  <td className="mono">{r.period ?? <span className="faint">—</span>}</td>
                  <td className="dim">
                    {r.startedBy?.name ?? 'unknown'}, <Time iso={r.startedAt} />
                  </td>
                  <td className="cl-progress-cell">
                    <Progress progress={r.progress} kind={r.kind} compact />
                  </td>
                  <td>
                    {r.completedAt ? (
                      <>
                        <Outcome run={r} /> <span className="dim"><Time iso={r.completedAt} /></span>
                      </>
                    ) : (
                      <span className="faint">open</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div className="cl-keys faint">j/k select · Enter open · r reload</div>

      {siteDialog && (
        <SiteSafetyDialog
          runs={list.runs}
          onClose={() => setSiteDialog(false)}
          onOpen={(id) => {
            setSiteDialog(false);
            openRun({ id, kind: 'checklist' });
          }}
          onStart={async (siteId) => {
            await start('site_safety', siteId);
            setSiteDialog(false);
          }}
        />
      )}
    </div>
  );
}
