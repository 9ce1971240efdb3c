/**
 * The views that exist. The nav, the command palette, the shortcuts, the desktop menu and the
 * shell actions all follow this list, so a view cannot be in one and missing from another.
 */
export const VIEWS = [
  { id: 'status', label: 'Status', key: 's', digit: '1', summary: 'Global component status' },
  { id: 'corridors', label: 'Corridors', key: 'r', digit: '2', summary: 'Corridors, residency policies and sites' },
  { id: 'nodes', label: 'Nodes', key: 'n', digit: '3', summary: 'Every node: lifecycle, health and telemetry' },
  { id: 'keys', label: 'Node keys', key: 'k', digit: '4', summary: 'Node keys, their use, and refused calls' },
  { id: 'audit', label: 'Audit log', key: 'a', digit: '5', summary: 'Hash-chained record of every change' },
  { id: 'connections', label: 'Connections', key: 'c', digit: '6', summary: 'Database profiles and the active connection' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];
export const VIEW_IDS = VIEWS.map((v) => v.id) as readonly ViewId[];
