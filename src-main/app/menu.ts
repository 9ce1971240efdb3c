import { Menu, type MenuItemConstructorOptions } from 'electron';
import { VIEWS } from '../../src-shared/navigation';
import type { AppCore } from '../core/app-core';

/**
 * The application menu shows the same shortcuts as the command palette. The renderer owns the
 * keys (registerAccelerator: false), so a shortcut works the same in the browser host; a click
 * on the item is sent to the renderer as a shell.action event.
 */
export function buildMenu(core: AppCore): Menu {
  const act = (action: string) => () => core.shell.emit('action', action);
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'Go',
      submenu: [
        { label: 'Command palette…', accelerator: 'CmdOrCtrl+K', registerAccelerator: false, click: act('palette') },
        { type: 'separator' },
        ...VIEWS.map((v) => ({ label: v.label, ...(v.digit ? { accelerator: `Alt+${v.digit}`, registerAccelerator: false } : {}), click: act(`navigate:${v.id}`) })),
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Toggle light / dark theme', accelerator: 'Alt+T', registerAccelerator: false, click: act('theme:toggle') },
        { label: 'Lock the screen', accelerator: 'CmdOrCtrl+L', registerAccelerator: false, click: act('session:lock') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
