import { create } from 'zustand';

import { VIEW_IDS, type ViewId } from '../../src-shared/navigation';

export type Theme = 'dark' | 'light';
export type RouteId = ViewId;

export interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  text: string;
  /** Quoted so an operator can hand it to whoever reads the logs. */
  requestId?: string | undefined;
}

const THEME_KEY = 'mc.theme';

/** "#/nodes/<id>?x=1" → route "nodes", param "<id>". Unknown routes show Status. */
/** The view a hash names; an unknown one falls back to Status and is named, so it can be said. */
export function routeFromHash(hash: string): { route: RouteId; param: string | null; unknown: string | null } {
  const [path] = hash.replace(/^#\/?/, '').split('?');
  const [id, param] = (path ?? '').split('/');
  if (VIEW_IDS.includes(id as RouteId)) return { route: id as RouteId, param: param ? decodeURIComponent(param) : null, unknown: null };
  return { route: 'status', param: null, unknown: id ? id : null };
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
  /** The part after the view in the hash, e.g. a node id: "#/nodes/<id>". */
  param: string | null;
  theme: Theme;
  paletteOpen: boolean;
  helpOpen: boolean;
  toasts: Toast[];
  navigate(route: RouteId, param?: string | null): void;
  syncFromHash(): void;
  toggleTheme(): void;
  setPalette(open: boolean): void;
  setHelp(open: boolean): void;
  toast(kind: Toast['kind'], text: string, requestId?: string): void;
  dismiss(id: number): void;
  /**
   * An action asked for from elsewhere (the command palette) that a view carries out when it is
   * shown: the view may not be mounted yet when the command runs, so an event would be lost.
   */
  pendingAction: { route: RouteId; action: string } | null;
  requestAction(route: RouteId, action: string): void;
  /** True once, for the view that was asked. */
  takeAction(action: string): boolean;
}

let toastId = 1;

/** An action asked of one view is dropped when the operator goes elsewhere before it ran. */
function leaving(pending: UiState['pendingAction'], route: RouteId): Partial<UiState> {
  return pending && pending.route !== route ? { pendingAction: null } : {};
}

export const useUi = create<UiState>((set, get) => ({
  route: routeFromHash(location.hash).route,
  param: routeFromHash(location.hash).param,
  theme: initialTheme(),
  paletteOpen: false,
  helpOpen: false,
  toasts: [],
  navigate(route, param = null) {
    const hash = `#/${route}${param ? `/${encodeURIComponent(param)}` : ''}`;
    if (location.hash !== hash) location.hash = hash;
    set({ route, param, ...leaving(get().pendingAction, route) });
  },
  syncFromHash() {
    const { route, param, unknown } = routeFromHash(location.hash);
    set({ route, param, ...leaving(get().pendingAction, route) });
    if (unknown) get().toast('error', `There is no “${unknown}” view in Mission Control; showing Status. Use the navigation or Ctrl+K to find a view.`);
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
  pendingAction: null,
  requestAction(route, action) {
    set({ pendingAction: { route, action } });
    get().navigate(route);
  },
  takeAction(action) {
    if (get().pendingAction?.action !== action) return false;
    set({ pendingAction: null });
    return true;
  },
}));
