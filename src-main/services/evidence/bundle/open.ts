import { appendFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { McError } from '../../../../src-shared/contract/errors';
import { scopeTitle } from '../../../../src-shared/domain/evidence/bundle-scope';
import { verifyBundle } from './verify';

/**
 * "Open evidence bundle" in the app (issue 15): the bundle comes from the renderer in chunks over
 * the contract (the same on the desktop and the browser host, each call bounded), into a file of
 * its own under the data folder, then is verified exactly as `npm run evidence -- verify` does,
 * with no database, and deleted. A bundle is untrusted input: its size is bounded, chunks must
 * arrive in order, at most two uploads at a time, and one left idle is removed.
 */
export const OPEN_MAX_BYTES = 256 * 1024 * 1024;
export const OPEN_CHUNK_BYTES = 128 * 1024;
const MAX_UPLOADS = 2;
const IDLE_MS = 10 * 60_000;

interface Upload {
  file: string;
  size: number;
  timer: NodeJS.Timeout;
}

const uploads = new Map<string, Upload>();

function folder(dataDir: string): string {
  return join(dataDir, 'evidence-open');
}

function drop(id: string): void {
  const u = uploads.get(id);
  if (!u) return;
  clearTimeout(u.timer);
  rmSync(u.file, { force: true });
  uploads.delete(id);
}

function idle(id: string): NodeJS.Timeout {
  const t = setTimeout(() => drop(id), IDLE_MS);
  t.unref();
  return t;
}

/** Append one chunk at `offset` (the bytes received so far); the first chunk starts the upload. */
export function appendChunk(dataDir: string, id: string, offset: number, data: Buffer): { received: number } {
  let u = uploads.get(id);
  if (!u) {
    if (offset !== 0) throw new McError('NOT_FOUND', 'That upload is not open here (it ended, or was idle for 10 minutes): open the bundle again.');
    if (uploads.size >= MAX_UPLOADS) throw new McError('CONFLICT', `${MAX_UPLOADS} bundles are being opened already: wait for one to finish.`);
    mkdirSync(folder(dataDir), { recursive: true, mode: 0o700 });
    u = { file: join(folder(dataDir), `${id}.zip`), size: 0, timer: idle(id) };
    appendFileSync(u.file, Buffer.alloc(0), { flag: 'wx', mode: 0o600 });
    uploads.set(id, u);
  }
  if (offset !== u.size) throw new McError('VALIDATION', `Chunks arrived out of order (expected byte ${u.size}, got ${offset}): open the bundle again.`);
  if (u.size + data.length > OPEN_MAX_BYTES) {
    drop(id);
    throw new McError('VALIDATION', `The file is larger than ${OPEN_MAX_BYTES / 1024 / 1024} MiB: verify it with \`npm run evidence -- verify FILE\` instead, which has no limit.`);
  }
  appendFileSync(u.file, data);
  u.size += data.length;
  clearTimeout(u.timer);
  u.timer = idle(id);
  return { received: u.size };
}

export function cancelOpen(id: string): boolean {
  const had = uploads.has(id);
  drop(id);
  return had;
}

/** Verify the uploaded bundle (no database, no network), then delete the upload whatever the outcome. */
export async function finishOpen(id: string, pin: string | undefined) {
  const u = uploads.get(id);
  if (!u) throw new McError('NOT_FOUND', 'That upload is not open here (it ended, or was idle for 10 minutes): open the bundle again.');
  clearTimeout(u.timer);
  try {
    if (statSync(u.file).size === 0) throw new McError('VALIDATION', 'The file is empty: choose the bundle’s .zip file.');
    const v = await verifyBundle(u.file, pin, 'The chosen file');
    const m = v.manifest;
    return {
      ok: v.ok,
      bytes: u.size,
      fingerprint: v.fingerprint,
      checks: v.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail.slice(0, 2000) })),
      manifest: m
        ? {
            bundleId: String(m.bundle_id).slice(0, 100),
            orgName: String(m.org?.name ?? '').slice(0, 200),
            simulated: m.org?.simulated === true,
            scope: typeof m.scope === 'object' && m.scope ? scopeTitle(m.scope).slice(0, 300) : '(no scope)',
            exportedAt: String(m.exported_at).slice(0, 40),
            appVersion: String(m.app_version).slice(0, 40),
            identity: String(m.key?.identity ?? '').slice(0, 200),
            files: Number(m.files) || 0,
            events: Number(m.audit?.events) || 0,
            treeSize: Number(m.audit?.tree_size) || 0,
            counts: Object.entries(m.counts ?? {})
              .slice(0, 100)
              .map(([file, lines]) => ({ file: file.slice(0, 200), lines: Number(lines) || 0 })),
          }
        : null,
    };
  } finally {
    drop(id);
  }
}
