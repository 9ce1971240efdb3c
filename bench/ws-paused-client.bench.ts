import { fork } from 'node:child_process';
import { join } from 'node:path';
import { createAppCore } from '../src-main/core/app-core';
import { silentLogger } from '../src-main/core/log';
import { startHost } from '../src-main/host/server';
import { tempDataDir } from '../src-main/testing/harness';
import { testVault } from '../src-main/testing/keychain';
import { type Bench, result, round } from './lib';

const SECONDS = 20;
const MB = 1024 * 1024;

/**
 * Issue 9, item 1: what a client that stops reading and keeps sending costs the browser host.
 * The value is how much the host's resident memory grew while such a client (a child process, so
 * its own memory is not counted) flooded it for SECONDS; the baseline is how much that client
 * tried to send. The ratio is the share of a non-reading client's traffic the host keeps in memory:
 * unbounded answer queues keep more than it sends (answers are larger than questions); a bounded
 * host keeps a small, fixed amount.
 */
export const wsPausedClient: Bench = {
  name: 'ws-paused-client-memory',
  summary: `host RSS growth while a client that stops reading floods it for ${SECONDS} s, vs what it sent (MB)`,
  async run() {
    const data = tempDataDir('mc-bench-');
    const core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), demoAgent: false, opsJob: false });
    await core.start();
    if (!core.db.session) throw new Error(`no database session: ${core.db.message}`);
    const host = await startHost({ core, staticRoot: data.dir });
    try {
      global.gc?.();
      const start = process.memoryUsage().rss;
      let peak = start;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
      const child = fork(join(import.meta.dirname, 'ws-flood-client.mjs'), [`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, String(SECONDS)], { stdio: 'inherit' });
      const sent = await new Promise<{ sentBytes: number; frames: number }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { sentBytes: number; frames: number }));
        child.once('exit', (code) => reject(new Error(`flood client exited (${code})`)));
      });
      clearInterval(timer);
      const stats = host.stats();
      child.kill();
      return result({
        name: 'ws-paused-client-memory',
        value: round((peak - start) / MB, 1),
        unit: 'MB',
        baseline: round(sent.sentBytes / MB, 1),
        baselineName: 'sent by the non-reading client',
        better: 'lower',
        target: null,
        params: { seconds: SECONDS, frames: sent.frames, rssStartMB: round(start / MB, 1), rssPeakMB: round(peak / MB, 1), unreadAtEndMB: round(stats.unreadBytes / MB, 2), pausedAtEnd: stats.paused },
      });
    } finally {
      await host.close();
      await core.close();
      data.remove();
    }
  },
};
