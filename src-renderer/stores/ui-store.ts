import { create } from 'zustand';

export type Theme = 'dark' | 'light';
export type RouteId = 'status' | 'audit' | 'connections';

export interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  text: string;
  /** Quoted so an operator can hand it to whoever reads the logs. */
  requestId?: string | undefined;
}

const ROUTE_IDS: RouteId[] = ['status', 'audit', 'connections'];
const THEME_KEY = 'mc.theme';

export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] as RouteId;
  return ROUTE_IDS.includes(id) ? id : 'status';
}

function initialTheme(): Theme {
  try {
    return localStorage.getItem(THEME_KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

interface UiState {
  route: RouteId;
  theme: Theme;
  paletteOpen: boolean;
  helpOpen: boolean;
  toasts: Toast[];
  navigate(route: RouteId): void;
  syncFromHash(): void;
  toggleTheme(): void;
  setPalette(open: boolean): void;
  setHelp(open: boolean): void;
  toast(kind: Toast['kind'], text: string, requestId?: string): void;
  dismiss(id: number): void;
}

let toastId = 1;

export const useUi = create<UiState>((set, get) => ({
  route: routeFromHash(location.hash),
  theme: initialTheme(),
  paletteOpen: false,
  helpOpen: false,
  toasts: [],
  navigate(route) {
    if (location.hash !== `#/${route}`) location.hash = `#/${route}`;
    set({ route });
  },
  syncFromHash() {
    set({ route: routeFromHash(location.hash) });
  },
  toggleTheme() {
    const theme: Theme = get().theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // private mode: the theme just won't persist
    }
    set({ theme });
  },
  setPalette(open) {
    set({ paletteOpen: open });
  },
  setHelp(open) {
    set({ helpOpen: open });
  },
  toast(kind, text, requestId) {
    const id = toastId++;
    set({ toasts: [...get().toasts.slice(-4), { id, kind, text, requestId }] });
    // Errors stay until dismissed: an operator may be looking elsewhere.
    if (kind !== 'error') setTimeout(() => get().dismiss(id), 5000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));
