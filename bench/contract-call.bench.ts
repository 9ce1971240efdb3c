import { once } from 'node:events';
import WebSocket from 'ws';
import { createAppCore } from '../src-main/core/app-core';
import { silentLogger } from '../src-main/core/log';
import { startHost } from '../src-main/host/server';
import { handlers } from '../src-main/ipc/handlers';
import type { QueryCtx } from '../src-main/ipc/types';
import { tempDataDir } from '../src-main/testing/harness';
import { testVault } from '../src-main/testing/keychain';
import { type Bench, median, percentile, result, round, since } from './lib';

const CALLS = 3000;
const WARMUP = 300;
const ROUNDS = 3;

/**
 * The cost of the transport: status.list (twelve components, one org-scoped read transaction)
 * called through the browser host's WebSocket (JSON, loopback, token-checked socket, router
 * validation of request and response) against the same handler called directly in-process.
 */
export const contractCall: Bench = {
  name: 'contract-call-ws-vs-direct',
  summary: 'status.list through the WebSocket transport vs the handler called directly (calls/s)',
  async run() {
    const data = tempDataDir('mc-bench-');
    const core = createAppCore({ dataDir: data.dir, vault: testVault(), log: silentLogger(), demoAgent: false });
    await core.start();
    if (!core.db.session) throw new Error(`no database session: ${core.db.message}`);
    const host = await startHost({ core, staticRoot: data.dir });
    try {
      const session = core.db.session;
      const ctx = {
        requestId: 'bench',
        log: silentLogger(),
        call: { readOnly: false, via: 'direct' },
        deps: {} as QueryCtx['deps'],
        session,
        read: <T>(fn: (sql: Parameters<Parameters<QueryCtx['read']>[0]>[0], s: typeof session) => Promise<T>) => core.db.tx(session, (sql) => fn(sql, session), { readOnly: true }),
      } as QueryCtx;
      const direct = async (n: number) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await handlers['status.list']({}, ctx);
        return since(t0);
      };

      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
      await once(ws, 'open');
      let id = 0;
      const waiting = new Map<number, () => void>();
      ws.on('message', (m) => {
        const msg = JSON.parse(String(m)) as { id: number; envelope: { ok: boolean } };
        if (!msg.envelope.ok) throw new Error('call failed');
        waiting.get(msg.id)?.();
        waiting.delete(msg.id);
      });
      const viaWs = async (n: number) => {
        const latencies: number[] = [];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const myId = ++id;
          const t = performance.now();
          await new Promise<void>((resolve) => {
            waiting.set(myId, resolve);
            ws.send(JSON.stringify({ t: 'invoke', id: myId, channel: 'status.list', payload: {} }));
          });
          latencies.push(since(t));
        }
        return { ms: since(t0), latencies };
      };

      await direct(WARMUP);
      await viaWs(WARMUP);
      const directRates: number[] = [];
      const wsRates: number[] = [];
      let lat: number[] = [];
      // Interleaved rounds, so a noisy neighbour hurts both sides alike.
      for (let r = 0; r < ROUNDS; r++) {
        directRates.push(CALLS / ((await direct(CALLS)) / 1000));
        const w = await viaWs(CALLS);
        wsRates.push(CALLS / (w.ms / 1000));
        lat = lat.concat(w.latencies);
      }
      ws.close();
      return result({
        name: this.name,
        value: round(median(wsRates), 1),
        unit: 'calls/s',
        baseline: round(median(directRates), 1),
        baselineName: 'same handler called directly',
        better: 'higher',
        target: null,
        params: {
          channel: 'status.list',
          callsPerRound: CALLS,
          rounds: ROUNDS,
          sequential: true,
          wsLatencyP50Ms: round(percentile(lat, 50), 3),
          wsLatencyP95Ms: round(percentile(lat, 95), 3),
          server: core.db.serverVersion,
        },
      });
    } finally {
      await host.close();
      await core.close();
      data.remove();
    }
  },
};
