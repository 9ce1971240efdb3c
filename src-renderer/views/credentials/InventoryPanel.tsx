import { useState } from 'react';
import { CREDENTIAL_KINDS, type Credential, type CredentialKind } from '../../../src-shared/contract/credentials';
import { EmptyState } from '../../components/States';
import { Time } from '../../components/Time';
import { AGE_FILTERS, KIND_LABELS, olderThan } from './labels';

/** Every credential the app knows, filtered by kind and age. Nothing here is a secret. */
export function InventoryPanel({ credentials }: { credentials: Credential[] }) {
  const [kind, setKind] = useState<CredentialKind | 'all'>('all');
  const [age, setAge] = useState(0);
  const shown = credentials.filter((c) => (kind === 'all' || c.kind === kind) && olderThan(c.createdAt, age));
  return (
    <section className="panel" data-testid="credentials-inventory">
      <header>
        Inventory <span className="dim">· {credentials.length} credentials · {credentials.filter((c) => !c.rotatable).length} held outside the app</span>
        <span className="actions row">
          <select id="credentials-kind" aria-label="Filter by kind" value={kind} onChange={(e) => setKind(e.target.value as CredentialKind | 'all')}>
            <option value="all">every kind</option>
            {CREDENTIAL_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
          <select aria-label="Filter by age" value={age} onChange={(e) => setAge(Number(e.target.value))}>
            {AGE_FILTERS.map((a) => (
              <option key={a.days} value={a.days}>
                {a.label}
              </option>
            ))}
          </select>
        </span>
      </header>
      {shown.length === 0 ? (
        <EmptyState title={credentials.length === 0 ? 'No credentials yet' : 'No credential matches'}>
          {credentials.length === 0 ? 'Issue node keys (Node keys) or customer keys, or connect a database: what the app knows shows here.' : 'Choose another kind or age.'}
        </EmptyState>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Credential</th>
              <th>Owner</th>
              <th>Where used</th>
              <th>Age</th>
              <th>Last use</th>
              <th>Rotation</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={`${c.kind}:${c.ref}`} data-testid="credential-row" data-kind={c.kind}>
                <td>{KIND_LABELS[c.kind]}</td>
                <td>{c.label}</td>
                <td>{c.owner}</td>
                <td className="dim">{c.whereUsed}</td>
                <td>{c.createdAt ? <Time iso={c.createdAt} /> : <span className="dim">not recorded</span>}</td>
                <td>{c.lastUsedAt ? <Time iso={c.lastUsedAt} /> : <span className="dim">not recorded</span>}</td>
                <td className={c.rotatable ? 'ok' : 'warn'} title={c.howToRotate ?? undefined}>
                  {c.rotatable ? 'by rotate all' : 'by a person (see report)'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
