import { describe, expect, it } from 'vitest';
import { isOwnRenderer, isSafeExternalUrl } from './policy';

describe('external links', () => {
  it('opens plain https links only', () => {
    expect(isSafeExternalUrl('https://supabase.com/docs')).toBe(true);
    for (const bad of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com', 'not a url', '']) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });
});

describe('own renderer frames', () => {
  const index = 'file:///opt/mc/out/renderer/index.html';
  it('accepts the renderer file with any hash route', () => {
    expect(isOwnRenderer(index, index)).toBe(true);
    expect(isOwnRenderer(`${index}#/status`, index)).toBe(true);
  });
  it('refuses anything else', () => {
    for (const bad of ['file:///opt/mc/out/renderer/other.html', 'file:///tmp/index.html', 'https://evil.example/index.html', `${index}?x=1`, '', null, undefined]) {
      expect(isOwnRenderer(bad, index), String(bad)).toBe(false);
    }
  });
});

describe('downloads', () => {
  it('lets the page save what it made (blob:), nothing fetched from elsewhere', async () => {
    const { isPageMadeDownload } = await import('./policy');
    expect(isPageMadeDownload('blob:file:///3f1c-44aa')).toBe(true);
    for (const bad of ['https://evil.example/x.exe', 'file:///etc/passwd', 'data:text/plain,hi', 'http://127.0.0.1/a.csv', '', null, undefined]) {
      expect(isPageMadeDownload(bad), String(bad)).toBe(false);
    }
  });
});

describe('sign-in in the system browser', () => {
  it('opens an https authorization URL, or http to a provider on this machine only', async () => {
    const { isAuthorizationUrl } = await import('./policy');
    for (const good of ['https://idp.example.com/authorize?client_id=mc&state=x', 'http://127.0.0.1:4455/auth?state=x', 'http://localhost:8080/auth', 'http://[::1]:9000/auth']) {
      expect(isAuthorizationUrl(good), good).toBe(true);
    }
    for (const bad of ['http://idp.example.com/authorize', 'http://127.0.0.2/auth', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@idp.example.com/', 'http://u:p@127.0.0.1/auth', 'not a url', '']) {
      expect(isAuthorizationUrl(bad), bad).toBe(false);
    }
  });
});
