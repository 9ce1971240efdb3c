import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'umamiedge-mission-control';

/**
 * The project root (where package.json, sql/ and out/ live), found by walking up from this module.
 * Works the same from source (tsx, vitest) and from the bundle in out/main.
 */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Mission Control install folder (package.json).');
    dir = parent;
  }
}

export function sqlDir(): string {
  return join(appRoot(), 'sql');
}

export function rendererDir(): string {
  return join(appRoot(), 'out', 'renderer');
}

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Default data folder when none is given: the same place Electron's userData would use on Linux
 * (XDG), so the desktop app and the browser host find the same profiles by default.
 */
export function defaultDataDir(): string {
  if (process.env.MC_DATA_DIR) return resolve(process.env.MC_DATA_DIR);
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'UmamiEdge Mission Control');
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'UmamiEdge Mission Control');
    default:
      // As root the embedded server runs as "postgres", which cannot enter /root: use the system place.
      if (process.getuid?.() === 0 && !process.env.XDG_DATA_HOME) return '/var/lib/umamiedge-mission-control';
      return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'umamiedge-mission-control');
  }
}
