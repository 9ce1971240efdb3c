import { useState } from 'react';
import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { useChangeView } from '../change-view';
import { Time } from '../../components/Time';
import { startMigrationsLive, useMigrations } from '../../stores/migrations-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { saveFile } from '../../components/save-file';

function toBase64(buf: ArrayBuffer): string {
  let s = '';
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * /migrations: the safe SQL execution center. The app's own ledger; an operator's SQL file linted,
 * dry-run (locks per statement), approved by a second admin on a shared database, applied in one
 * transaction and recorded; schema verification, exportable.
 */
export function MigrationsView() {
  const { data, error, verification } = useMigrations();
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const session = info?.session;
  const isAdmin = session?.role === 'admin';
  const [file, setFile] = useState<File | null>(null);
  const [lockMs, setLockMs] = useState(5000);
  const [stmtMs, setStmtMs] = useState(60000);
  const [selected, setSelected] = useState<string | null>(null);
  const [applying, setApplying] = useState<MigrationRun | null>(null);
  const [typed, setTyped] = useState('');
  const [typeSchemas, setTypeSchemas] = useState('');
  const navigate = useUi((s) => s.navigate);
  /** The seed's upgrade order, recorded as a checklist run (who, when, what each check saw). */
  const startUpgradeRun = async () => {
    try {
      const { run } = await call('checklists.start', { templateKey: 'database_upgrade' });
      navigate('checklists', run.id);
    } catch (err) {
      toast('error', errorText(err));
    }
  };
  /** Generated in the main process from the catalog; saved through the browser's download. */
  const downloadTypes = async () => {
    try {
      const schemas = typeSchemas.split(',').map((x) => x.trim()).filter(Boolean);
      const r = await call('migrations.types', { schemas });
      saveFile([r.text], r.fileName, 'text/plain');
      toast('ok', `Types downloaded: ${r.tables} tables, ${r.views} views, ${r.enums} enums in ${r.schemas.join(', ') || 'no schema'}.`);
    } catch (err) {
      toast('error', errorText(err));
    }
  };

  const { busy, act } = useChangeView({ live: startMigrationsLive, load: () => useMigrations.getState().load() });

  if (!session) return <NoOrg title="Migrations" what="SQL runs and the app’s migrations" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load migrations" message={error} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;
  const run = data.runs.find((r) => r.id === selected) ?? data.runs[0] ?? null;
  const drift = data.ledger.filter((l) => l.drift);

  return (
    <div className="view">
      <div className="view-head">
        <h1>Migrations</h1>
        <span className="sub" data-testid="target-db">
          {data.database} · {data.sharedDatabase ? 'shared database: applying needs a second admin' : 'this workstation’s own database'}
        </span>
        <div className="actions">
          <button
            className="btn"
            data-testid="start-upgrade-run"
            disabled={!write.ok}
            title={write.why ?? 'The seed’s SQL upgrade order as a checklist: compatibility fixes → schema → RLS policies → demo seed, each step answered live from this database and taken in order'}
            onClick={() => void startUpgradeRun()}
          >
            Guided upgrade run
          </button>
        </div>
      </div>
      <div className="stack">
        <section className="panel" data-testid="ledger">
          <header>App migrations</header>
          <div className="body">
            {data.ledger.length} applied · {data.pending.length} pending{data.pending.length ? ` (${data.pending.join(', ')})` : ''} ·{' '}
            <span className={drift.length || data.unknown.length ? 'bad' : 'ok'}>
              {drift.length ? `drift in ${drift.map((d) => d.name).join(', ')}` : data.unknown.length ? `unknown to this build: ${data.unknown.join(', ')}` : 'no drift'}
            </span>
          </div>
        </section>

        <section className="panel" data-testid="check-file">
          <header>Apply an SQL file safely</header>
          <form
            className="body row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              if (!file) return;
              void act(async () => {
                const contentBase64 = toBase64(await file.arrayBuffer());
                const r = await call('migrations.check', { fileName: file.name, contentBase64, lockTimeoutMs: lockMs, statementTimeoutMs: stmtMs });
                setSelected(r.run.id);
              }, `Checked ${file.name}: linted and dry-run (rolled back).`);
            }}
          >
            <label>
              SQL file <input type="file" accept=".sql" aria-label="SQL file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </label>
            <label>
              lock_timeout (ms) <input type="number" min={100} max={600000} value={lockMs} onChange={(e) => setLockMs(Number(e.target.value))} />
            </label>
            <label>
              statement_timeout (ms) <input type="number" min={1000} max={3600000} value={stmtMs} onChange={(e) => setStmtMs(Number(e.target.value))} />
            </label>
            <button className="btn primary" disabled={!write.ok || !isAdmin || !file || busy} title={!isAdmin ? 'Only admins check and apply SQL files.' : (write.why ?? undefined)}>
              Lint and dry-run
            </button>
          </form>
        </section>

        <section className="panel" data-testid="runs">
          <header>SQL runs</header>
          {data.runs.length === 0 ? (
            <div className="body dim">No SQL file has been checked here. Choose one above: it is linted and dry-run before anything is applied.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>File</th>
                  <th>sha256</th>
                  <th>Status</th>
                  <th>Checked</th>
                  <th>Approved by</th>
                  <th>Applied</th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr key={r.id} data-testid={`sqlrun-${r.fileName}`} data-status={r.status} className={run?.id === r.id ? 'selected' : ''} onClick={() => setSelected(r.id)}>
                    <td className="mono">{r.fileName}</td>
                    <td className="mono">{r.sha256.slice(0, 12)}…</td>
                    <td className={r.status === 'failed' || r.error ? 'bad' : ''}>{r.error && r.status === 'checked' ? 'dry run failed' : r.status}</td>
                    <td>
                      <Time iso={r.createdAt} /> by {r.createdBy.name}
                    </td>
                    <td>{r.approvedBy?.name ?? (r.sharedDatabase ? 'not yet' : 'not needed')}</td>
                    <td>{r.appliedAt ? <Time iso={r.appliedAt} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        {run && (
          <section className="panel" data-testid="run-detail">
            <header>
              {run.fileName} on {run.targetDatabase} · lock_timeout {run.lockTimeoutMs} ms · statement_timeout {run.statementTimeoutMs} ms
            </header>
            <div className="body">
              {run.error && <p className="bad" data-testid="run-error">{run.error}</p>}
              <h3>Lint (squawk)</h3>
              {run.findings.length === 0 ? (
                <p className="dim">No finding.</p>
              ) : (
                <ul data-testid="findings">
                  {run.findings.map((f, i) => (
                    <li key={i}>
                      line {f.line}: <span className="mono">{f.rule}</span> — {f.message} {f.help && <span className="dim">({f.help})</span>}
                    </li>
                  ))}
                </ul>
              )}
              <h3>Dry run (rolled back)</h3>
              <table className="grid" data-testid="statements">
                <thead>
                  <tr>
                    <th>Line</th>
                    <th>Statement</th>
                    <th>Dry run</th>
                    <th>Locks taken</th>
                    <th>Rewrote</th>
                  </tr>
                </thead>
                <tbody>
                  {run.statements.map((s) => (
                    <tr key={s.index}>
                      <td className="num">{s.line}</td>
                      <td className="mono">{s.text.length > 120 ? `${s.text.slice(0, 120)}…` : s.text}</td>
                      <td title={s.note ?? undefined}>{s.dryRun}{s.note ? ` — ${s.note}` : ''}</td>
                      <td>{s.locks.map((l) => `${l.mode} on ${l.relation}`).join(', ') || '—'}</td>
                      <td>{s.rewrote.join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {run.status === 'checked' && !run.error && (
                <div className="row">
                  {run.sharedDatabase && !run.approvedBy && (
                    <button
                      className="btn"
                      disabled={!write.ok || !isAdmin || busy || run.createdBy.id === session.operatorId}
                      title={run.createdBy.id === session.operatorId ? 'A second admin must approve: not the one who checked it.' : undefined}
                      onClick={() => void act(() => call('migrations.approve', { id: run.id }), `Approved ${run.fileName}.`)}
                    >
                      Approve as second admin
                    </button>
                  )}
                  <button className="btn danger" disabled={!write.ok || !isAdmin || busy || (run.sharedDatabase && !run.approvedBy)} onClick={() => { setTyped(''); setApplying(run); }}>
                    Apply…
                  </button>
                </div>
              )}
            </div>
          </section>
        )}

        <section className="panel" data-testid="db-types">
          <header>TypeScript types of this database</header>
          <div className="body">
            <p className="dim">
              Generated from the catalog of {data.database}: every table and view with its columns (type and nullability) and every enum, per schema.
              Leave the schemas empty for all that this connection can see.
            </p>
            <form
              className="row wrap"
              onSubmit={(e) => {
                e.preventDefault();
                void downloadTypes();
              }}
            >
              <label>
                Schemas <input value={typeSchemas} onChange={(e) => setTypeSchemas(e.target.value)} placeholder="e.g. mc, public" aria-label="Schemas for types" />
              </label>
              <button className="btn">Download types</button>
            </form>
          </div>
        </section>

        <section className="panel" data-testid="verification">
          <header>Schema verification</header>
          <div className="body">
            <div className="row">
              <button className="btn" onClick={() => void useMigrations.getState().verify().catch((err: unknown) => toast('error', errorText(err)))}>
                Verify schema
              </button>
              {verification && (
                <a
                  className="btn ghost"
                  download={`schema-verification-${data.database}.json`}
                  href={`data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(verification, null, 2))}`}
                >
                  Export JSON
                </a>
              )}
            </div>
            {verification && (
              <>
                <p className={verification.ok ? 'ok' : 'bad'} data-testid="verification-result">
                  {verification.ok
                    ? `As expected: ${verification.expected.appTables} app tables present, every one under forced RLS, no definer function without a fixed search_path.`
                    : 'Does not match what the app expects.'}
                </p>
                {verification.expected.missingTables.length > 0 && <p className="bad">Missing tables: {verification.expected.missingTables.join(', ')}</p>}
                {verification.tablesWithoutForcedRls.length > 0 && <p className="bad">Without forced RLS: {verification.tablesWithoutForcedRls.join(', ')}</p>}
                {verification.definerWithoutSearchPath.length > 0 && <p className="bad">SECURITY DEFINER without a fixed search_path: {verification.definerWithoutSearchPath.join(', ')}</p>}
                <table className="grid">
                  <thead>
                    <tr>
                      <th>Schema</th>
                      <th className="num">Tables</th>
                      <th className="num">Functions</th>
                      <th className="num">RLS policies</th>
                    </tr>
                  </thead>
                  <tbody>
                    {verification.schemas.map((s) => (
                      <tr key={s.schema}>
                        <td>{s.schema}</td>
                        <td className="num">{s.tables}</td>
                        <td className="num">{s.functions}</td>
                        <td className="num">{s.policies}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </div>
        </section>
      </div>
      {applying && (
        <Dialog
          title={`Apply ${applying.fileName} to ${applying.targetDatabase}?`}
          onClose={() => setApplying(null)}
          footer={
            <>
              <button className="btn" onClick={() => setApplying(null)}>
                Cancel
              </button>
              <button
                className="btn danger"
                disabled={typed !== applying.targetDatabase || busy}
                onClick={() => {
                  const r = applying;
                  setApplying(null);
                  void act(async () => {
                    const out = await call('migrations.apply', { id: r.id, confirmDatabase: typed });
                    if (out.run.status === 'failed') throw new Error(out.run.error ?? 'The file failed; nothing was applied.');
                  }, `${r.fileName} applied to ${r.targetDatabase}.`);
                }}
              >
                Apply in one transaction
              </button>
            </>
          }
        >
          <p>
            It runs in one transaction with lock_timeout {applying.lockTimeoutMs} ms and statement_timeout {applying.statementTimeoutMs} ms; a failing statement rolls everything back.
            {applying.approvedBy ? ` Approved by ${applying.approvedBy.name}.` : ''}
          </p>
          <label>
            Type the database name, <span className="mono">{applying.targetDatabase}</span>, to confirm{' '}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Database name" />
          </label>
        </Dialog>
      )}
    </div>
  );
}
