import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../scripts/electron-binary.mjs';
import { ROOT } from './host';

/**
 * The desktop shell. Electron's binary is downloaded lazily from GitHub; where that is not
 * possible this spec skips (the same renderer and router are covered through the browser host).
 */
const binary = electronBinary();

test('the desktop window opens the status view with the hardened preload bridge', async () => {
  test.skip(!binary, 'no Electron binary is installed (npx install-electron); the browser host specs cover the same renderer');
  const app = await electron.launch({ executablePath: binary as string, args: [ROOT], env: { ...process.env, MC_KEYCHAIN_SERVICE: 'UmamiEdge Mission Control (test)' } });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('heading', { name: 'Status' })).toBeVisible();
    // Only the two bridge functions reach the page: no Node, no require, no ipcRenderer.
    const exposed = await win.evaluate(() => ({
      mc: Object.keys((window as unknown as { mc: object }).mc).sort(),
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(exposed).toEqual({ mc: ['invoke', 'subscribe'], require: 'undefined', process: 'undefined' });
    // Navigation away from the renderer is refused: the same document stays (a marker set on it
    // survives) and the address is still the renderer's file.
    const before = win.url();
    await win.evaluate(() => {
      (window as unknown as { __stay?: number }).__stay = 1;
      location.href = 'https://example.com/';
    });
    // A later round trip into the page: had the navigation happened, this would run in a new document.
    await expect.poll(() => win.evaluate(() => (window as unknown as { __stay?: number }).__stay ?? 0)).toBe(1);
    expect(win.url()).toBe(before);
    expect(before).toMatch(/^file:/);
    await expect(win.getByRole('heading', { name: 'Status' })).toBeVisible();
  } finally {
    await app.close();
  }
});
