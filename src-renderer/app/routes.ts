import type { RouteId } from '../stores/ui-store';

/** The views that exist; the nav, the palette, the shortcuts and the Electron menu all follow this. */
export interface RouteDef {
  id: RouteId;
  label: string;
  /** "g" then this key. */
  key: string;
  /** Alt + this digit (also shown in the desktop menu). */
  digit: string;
  summary: string;
}

export const ROUTES: RouteDef[] = [
  { id: 'status', label: 'Status', key: 's', digit: '1', summary: 'Global component status' },
  { id: 'audit', label: 'Audit log', key: 'a', digit: '2', summary: 'Hash-chained record of every change' },
  { id: 'connections', label: 'Connections', key: 'c', digit: '3', summary: 'Database profiles and the active connection' },
];
