import { keychainStatus } from './keychain';
import { missing } from './require';

/**
 * Suites that run a whole AppCore need the OS keychain (profiles keep passwords there). `npm test`
 * always provides one (a private Secret Service on Linux); a bare `vitest` without it skips them.
 */
export async function needKeychain(): Promise<boolean> {
  const s = await keychainStatus();
  if (s.available) return true;
  missing('the OS keychain', s.message ?? 'unavailable');
  return false;
}
