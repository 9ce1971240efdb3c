import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A restore over the live embedded database moves the cluster folder aside and makes a fresh one
 * in its place. If the app is killed in between, the next start must not open (or seed) whatever
 * half-made cluster is in place: this marker, written before the swap and removed once the app
 * runs on one cluster again, tells it to put the previous cluster back first.
 */
const markerSchema = z.object({ previousCluster: z.string().min(1), backupId: z.string(), at: z.string() });
export type RestoreMarker = z.infer<typeof markerSchema>;

const markerPath = (dataDir: string) => join(dataDir, 'restore-in-progress.json');

export function writeRestoreMarker(dataDir: string, marker: RestoreMarker): void {
  writeFileSync(markerPath(dataDir), JSON.stringify(marker), { mode: 0o600 });
}

export function clearRestoreMarker(dataDir: string): void {
  rmSync(markerPath(dataDir), { force: true });
}

/**
 * At start: an interrupted restore's previous cluster goes back in place. The cluster that was
 * being made is kept beside it (`pg.interrupted-restore-<time>`), never deleted. Returns what
 * was done, for the log; null when there was nothing to do.
 */
export function recoverInterruptedRestore(dataDir: string, clusterDir: string, now = new Date()): string | null {
  const file = markerPath(dataDir);
  if (!existsSync(file)) return null;
  let marker: RestoreMarker;
  try {
    marker = markerSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new Error(`${file} is not readable: a restore was interrupted. Find the pg.before-restore-… folder in ${dataDir}, move it to ${clusterDir}, then remove ${file}.`);
  }
  if (!existsSync(marker.previousCluster)) {
    // The swap had not begun (or was undone): the cluster in place is the previous one.
    clearRestoreMarker(dataDir);
    return `A restore was interrupted before its swap; the database in place is the one it started from.`;
  }
  let kept = '';
  if (existsSync(clusterDir)) {
    kept = `${clusterDir}.interrupted-restore-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    renameSync(clusterDir, kept);
  }
  renameSync(marker.previousCluster, clusterDir);
  clearRestoreMarker(dataDir);
  return `A restore (backup ${marker.backupId}, started ${marker.at}) was interrupted: the previous database was put back from ${marker.previousCluster}${kept ? `; the cluster it was making is kept at ${kept}` : ''}.`;
}
