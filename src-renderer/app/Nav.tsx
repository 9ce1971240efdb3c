import { useUi } from '../stores/ui-store';
import { Keys } from './Keys';
import { ROUTES } from './routes';

export function Nav({ version }: { version: string | null }) {
  const route = useUi((s) => s.route);
  return (
    <nav className="nav" aria-label="Views">
      {ROUTES.map((r) => (
        <a key={r.id} href={`#/${r.id}`} aria-current={route === r.id ? 'page' : undefined} title={r.summary}>
          <span className="label">{r.label}</span>
          <Keys keys={['g', r.key]} />
        </a>
      ))}
      <div className="foot">
        Press <kbd>?</kbd> for shortcuts
        {version && <div>v{version}</div>}
      </div>
    </nav>
  );
}
