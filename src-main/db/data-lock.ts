import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, processStartTime } from './process-alive';

/**
 * One Mission Control process per data folder: the embedded server, the settings file and the
 * keychain entries belong to it. A lock left by a killed process (dead pid) is taken over.
 */
/** Lock files this process holds: a second AppCore in the same process must be refused too. */
const heldHere = new Set<string>();

/** Another live Mission Control holds the data folder; the CLIs exit with DATA_DIR_BUSY_EXIT_CODE. */
export class DataDirBusyError extends Error {}
export const DATA_DIR_BUSY_EXIT_CODE = 3;

export class DataDirLock {
  private held = false;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'instance.lock');
  }

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.file, 'wx', 0o600);
        // pid and start time: a pid the system reused for another program does not hold the lock.
        writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim());
        closeSync(fd);
        this.held = true;
        heldHere.add(this.file);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const [pidText, started] = readFileSync(this.file, 'utf8').trim().split(' ');
        const pid = Number(pidText);
        const ours = pid === process.pid;
        const sameProcess = pid > 0 && alive(pid) && (!started || started === processStartTime(pid));
        if ((ours && heldHere.has(this.file)) || (!ours && sameProcess)) {
          throw new DataDirBusyError(
            `Another Mission Control (process ${pid}) is using the data folder ${join(this.file, '..')}. ` +
              'Close it, or start this one with another --data-dir.',
          );
        }
        unlinkSync(this.file);
      }
    }
    throw new Error(`Could not lock the data folder (${this.file}).`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(this.file);
    try {
      if (existsSync(this.file) && Number(readFileSync(this.file, 'utf8').trim().split(' ')[0]) === process.pid) unlinkSync(this.file);
    } catch {
      // best effort at shutdown
    }
  }
}

const alive = processAlive;
