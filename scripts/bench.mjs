// npm run bench [-- NAME]: benchmarks need the keychain like the app does; give them a private one.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateKeychain } from './isolate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensurePrivateKeychain(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MC_KEYCHAIN_SERVICE: 'UmamiEdge Mission Control (test)', MC_LOG_LEVEL: 'silent' },
});
process.exit(r.status ?? 1);
