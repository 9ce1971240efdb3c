import { useEffect, useState } from 'react';
import type { Fact } from '../../../src-shared/contract/runbooks';
import type { FactName } from '../../../src-shared/domain/runbooks';
import { call, errorText } from '../../bridge/client';
import { Time } from '../../components/Time';
import { ViewLink } from './StepAction';

const LEVEL_PILL: Record<Fact['level'], string> = { ok: 'ok', warn: 'warn', bad: 'bad', unknown: '', unavailable: '' };
const LEVEL_WORD: Record<Fact['level'], string> = { ok: 'ok', warn: 'look', bad: 'act', unknown: 'no records', unavailable: 'no source' };

/** Facts as computed at one moment (live, or as recorded with a step). */
export function FactRows({ facts }: { facts: Fact[] }) {
  return (
    <ul className="rb-facts">
      {facts.map((f) => (
        <li key={f.name} data-testid={`fact-${f.name}`} data-level={f.level}>
          <span className={`pill ${LEVEL_PILL[f.level]}`}>{LEVEL_WORD[f.level]}</span> <strong>{f.title}</strong>: {f.summary}{' '}
          <span className="faint small">
            (<Time iso={f.at} />
            {f.view && (
              <>
                {' · '}
                <ViewLink view={f.view} label="source" kind="source" />
              </>
            )}
            )
          </span>
          {f.lines.length > 0 && (
            <ul className="small dim">
              {f.lines.map((l, i) => (
                <li key={i}>{l}</li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The facts a step needs, computed now from records; refreshed when `tick` changes. */
export function LiveFacts({ names, tick = 0 }: { names: FactName[]; tick?: number }) {
  const [facts, setFacts] = useState<Fact[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = names.join(',');
  useEffect(() => {
    if (names.length === 0) return;
    let live = true;
    call('runbooks.facts', { names })
      .then((r) => live && (setFacts(r.facts), setError(null)))
      .catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [key, tick]);
  if (names.length === 0) return null;
  if (error) return <div className="error small">Could not compute the facts: {error}</div>;
  if (!facts) return <div className="dim small">Computing facts…</div>;
  return <FactRows facts={facts} />;
}
