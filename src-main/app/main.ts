import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, Menu, Notification, session, shell } from 'electron';
import { createAppCore, type AppCore } from '../core/app-core';
import { DesktopNotifier } from '../core/notifier';
import { appRoot, defaultDataDir } from '../core/paths';
import { DATA_DIR_BUSY_EXIT_CODE, DataDirBusyError } from '../db';
import { setSystemBrowserOpener } from '../services/identity/attempts';
import { registerIpcTransport } from './ipc-transport';
import { buildMenu } from './menu';
import { isAuthorizationUrl } from './policy';
import { hardenContents, hardenSession } from './security';

/**
 * The Electron shell: windows, menu and the IPC transport, nothing else. All the work happens in
 * the AppCore, which is the same one the browser host runs under plain Node.
 */
const rendererIndex = join(appRoot(), 'out', 'renderer', 'index.html');
const rendererIndexUrl = pathToFileURL(rendererIndex).href;
const preload = join(appRoot(), 'out', 'preload', 'index.cjs');

let core: AppCore | null = null;
let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#0b0f14',
    title: 'UmamiEdge Mission Control',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
    },
  });
  hardenContents(win.webContents, rendererIndexUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadFile(rendererIndex);
  return win;
}

if (!app.requestSingleInstanceLock()) {
  // Another window of Mission Control owns the data folder; it is focused instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  app.enableSandbox();

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession);
    // The same folder the browser host uses by default, so both find the same profiles.
    const dataDir = defaultDataDir();
    try {
      core = createAppCore({ dataDir });
    } catch (err) {
      const { dialog } = await import('electron');
      dialog.showErrorBox('Mission Control cannot start', (err as Error).message);
      app.exit(err instanceof DataDirBusyError ? DATA_DIR_BUSY_EXIT_CODE : 1);
      return;
    }
    registerIpcTransport(core, rendererIndexUrl);
    // Sign-in runs in the system browser (RFC 8252), never in a window of ours. A URL that is not an
    // authorization URL is refused, and the sign-in then shows it for the person to open by hand.
    setSystemBrowserOpener(async (url) => {
      if (!isAuthorizationUrl(url)) throw new Error('Not an authorization URL');
      await shell.openExternal(url);
    });
    Menu.setApplicationMenu(buildMenu(core));
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = null));
    const shellEvents = core.shell;
    new DesktopNotifier(
      core.router,
      (n) => {
        if (!Notification.isSupported()) return;
        const note = new Notification({ title: n.title, body: n.body, urgency: n.critical ? 'critical' : 'normal' });
        note.on('click', () => {
          mainWindow?.show();
          mainWindow?.focus();
          shellEvents.emit('action', 'navigate:incidents', n.incidentId);
        });
        note.show();
      },
      core.log,
    ).start();
    void core.start();
  });

  app.on('window-all-closed', () => app.quit());

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !core) return;
    // Stop the embedded database cleanly before the process ends.
    event.preventDefault();
    quitting = true;
    void core.close().finally(() => app.quit());
  });
}
