import { type Session, shell, type WebContents } from 'electron';
import { isOwnRenderer, isPageMadeDownload, isSafeExternalUrl } from './policy';

/**
 * Electron hardening that applies to every window, in one place (docs/security.md lists each
 * item of Electron's security checklist and where it is met).
 */


export function hardenSession(session: Session): void {
  // Camera, microphone, geolocation, notifications via web API...: all denied. Desktop
  // notifications are raised by the main process itself, not by the page.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // Only files the page built from its own data (audit exports, generated types) may be saved,
  // through the system's save dialog; a download from anywhere else is refused.
  session.on('will-download', (event, item) => {
    if (!isPageMadeDownload(item.getURL())) event.preventDefault();
  });
}

export function hardenContents(contents: WebContents, rendererIndexUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    // The renderer is a single page with hash routes; any real navigation is refused.
    if (!isOwnRenderer(url, rendererIndexUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
