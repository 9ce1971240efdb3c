// Give a command a private, unlocked Secret Service (dbus-run-session + gnome-keyring) so tests
// and benchmarks use a real OS keychain without touching the developer's own. Skipped when the
// caller already provides one (MC_TEST_KEYCHAIN=session, as CI does) or the tools are absent.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Re-runs this script inside a private session if needed; returns only when already inside one. */
export function ensurePrivateKeychain(script) {
  if (process.platform !== 'linux') return;
  if (process.env.MC_TEST_KEYCHAIN === 'session' || process.env.MC_TEST_ISOLATED === '1') return;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    process.stderr.write('note: dbus-run-session or gnome-keyring-daemon not found; keychain suites will use whatever Secret Service this session has.\n');
    return;
  }
  // The keyring files live in a fresh folder too: an existing login keyring with another password
  // would make gnome-keyring prompt, and nothing here must touch the developer's own.
  const keyrings = mkdtempSync(join(tmpdir(), 'mc-keyring-'));
  const r = spawnSync(
    'dbus-run-session',
    [
      '--',
      'sh',
      join(dirname(fileURLToPath(import.meta.url)), 'keyring-session.sh'),
      process.execPath,
      script,
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, MC_TEST_ISOLATED: '1', MC_KEYRING_PW: randomBytes(12).toString('hex'), MC_KEYRING_DIR: keyrings } },
  );
  rmSync(keyrings, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
