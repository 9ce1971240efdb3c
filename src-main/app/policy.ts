/**
 * The Electron shell's decisions that need no Electron: kept here so plain-Node tests cover them.
 */

/** Only plain https links leave the app, in the user's browser; nothing else is opened. */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.length > 0;
}

/**
 * The identity provider's authorization URL, handed to the system browser for sign-in: https, or
 * plain http only to a provider on this machine (the same rule the issuer setting follows).
 */
export function isAuthorizationUrl(raw: string): boolean {
  if (isSafeExternalUrl(raw)) return true;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && url.username === '' && url.password === '' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** The renderer is one file; any URL but that file (hash routes aside) is somewhere else. */
export function isOwnRenderer(url: string | undefined | null, rendererIndexUrl: string): boolean {
  if (!url) return false;
  return url.split('#')[0] === rendererIndexUrl;
}

/**
 * A download the page made from its own data (an audit export, generated types): a blob: URL
 * only the page itself can create. Anything fetched from elsewhere is still refused.
 */
export function isPageMadeDownload(url: string | null | undefined): boolean {
  return typeof url === 'string' && url.startsWith('blob:');
}
