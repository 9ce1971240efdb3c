// npm start: build, then open the desktop window. Without an Electron binary, say so in one line.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build-quiet.mjs';
import { electronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = electronBinary();
if (!binary) {
  process.stderr.write(
    'No Electron binary is installed here (run `npx install-electron` where GitHub is reachable); use the browser mode instead: npm run serve\n',
  );
  process.exit(1);
}
build();
const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
