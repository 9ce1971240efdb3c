import type { TestResult } from '../../../src-shared/contract/connections';

export function TestResultLine({ result }: { result: TestResult }) {
  if (!result.ok) {
    return (
      <div className="err" role="alert" data-testid="test-result" data-ok="false">
        {result.target}: {result.message}
      </div>
    );
  }
  const m = result.migrations;
  return (
    <div role="status" data-testid="test-result" data-ok="true">
      <span className="pill ok">reachable</span> PostgreSQL {result.serverVersion} · {result.latencyMs} ms
      {m && (
        <span className="dim">
          {' '}
          · migrations {m.applied}/{m.total}
          {m.pending.length > 0 && `, ${m.pending.length} to apply on activation`}
          {m.drift.length > 0 && `, drift in ${m.drift.join(', ')}`}
        </span>
      )}
    </div>
  );
}
