import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { subscribe } from './bridge/client';
import { startBlockingStore } from './stores/blocking-store';
import { useSession } from './stores/session-store';
import { startSystemStore } from './stores/system-store';
import { useUi } from './stores/ui-store';
import iconUrl from '../resources/icon.svg';
import './styles/theme.css';
import './styles/app.css';

document.documentElement.dataset.theme = useUi.getState().theme;
document.querySelector<HTMLLinkElement>('link[rel=icon]')?.setAttribute('href', iconUrl);
startSystemStore();
startBlockingStore();

// Desktop menu items arrive as shell.action events; the browser host never sends any.
subscribe('shell.action', ({ action, param }) => {
  const ui = useUi.getState();
  if (action === 'palette') ui.setPalette(true);
  else if (action === 'theme:toggle') ui.toggleTheme();
  else if (action === 'session:lock') void useSession.getState().lock();
  else if (action.startsWith('navigate:')) ui.navigate(action.slice('navigate:'.length) as Parameters<typeof ui.navigate>[0], param ?? null);
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
