import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { silentLogger } from '../src-main/core/log';
import { EmbeddedServer } from '../src-main/db/embedded-server';
import { createOrg, migratedDatabase, seedComponents } from '../src-main/testing/db';
import { coreOn, DIRECT, tempDataDir } from '../src-main/testing/harness';
import { type Bench, percentile, result, round } from './lib';

const CHANGES = 200;
const WARMUP = 20;

/**
 * How long a status change takes to reach a second Mission Control on the same database: one
 * instance sets a component's state (validated command, audit event, NOTIFY in the same
 * transaction), the other hears it through its LISTEN connection and the contract's subscription.
 * Baseline: a bare NOTIFY from one Postgres session heard by another on the same server, the
 * floor any design built on LISTEN/NOTIFY sits on. The operators' promise is "within 2 seconds";
 * this shows how far below that the app is, and what it adds to the database's own delivery.
 */
export const liveUpdate: Bench = {
  name: 'live-update-second-instance-vs-notify',
  summary: 'status change seen by a second instance vs a bare NOTIFY between two sessions (p95 ms)',
  async run() {
    const data = tempDataDir('mc-bench-live-');
    const password = randomBytes(18).toString('base64url');
    const server = new EmbeddedServer({ clusterDir: join(data.dir, 'pg'), superuser: 'mc_owner', password, log: silentLogger() });
    const info = await server.start();
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const db = await migratedDatabase({ label: 'bench', host: info.host, port: info.port, user: 'mc_owner', password, versionNum: 0 });
      cleanups.push(() => db.drop());
      const org = await createOrg(db, 'live');
      const [componentId] = await seedComponents(db, org.orgId, [{ key: 'eu', name: 'EU corridor', kind: 'corridor' }]);
      const a = await coreOn(db, org.operator.email);
      cleanups.push(() => a.cleanup());
      const b = await coreOn(db, org.admin.email);
      cleanups.push(() => b.cleanup());

      // The app: A's command until B's subscriber is called.
      let heard: (() => void) | null = null;
      const sub = b.router.subscribe('status.changed', {}, DIRECT, () => heard?.());
      if (!sub.ok) throw new Error(sub.error.message);
      const states = ['degraded_performance', 'operational'] as const;
      const appOnce = async (i: number) => {
        const arrived = new Promise<void>((r) => (heard = r));
        const t0 = performance.now();
        const r = await a.router.invoke('status.setState', { componentId, state: states[i % 2], reason: `bench change ${i}` }, DIRECT);
        if (!r.ok) throw new Error(r.error.message);
        await arrived;
        return performance.now() - t0;
      };

      // The floor: NOTIFY on one session, heard on another.
      const listener = await db.owner();
      const sender = await db.owner();
      cleanups.push(async () => {
        await listener.end();
        await sender.end();
      });
      let notified: (() => void) | null = null;
      listener.on('notification', () => notified?.());
      await listener.query('LISTEN bench_live');
      const notifyOnce = async (s: pg.Client, i: number) => {
        const arrived = new Promise<void>((r) => (notified = r));
        const t0 = performance.now();
        await s.query(`SELECT pg_notify('bench_live', $1)`, [String(i)]);
        await arrived;
        return performance.now() - t0;
      };

      for (let i = 0; i < WARMUP; i++) {
        await appOnce(i);
        await notifyOnce(sender, i);
      }
      const app: number[] = [];
      const bare: number[] = [];
      // Interleaved, so a noisy neighbour hurts both alike.
      for (let i = 0; i < CHANGES; i++) {
        app.push(await appOnce(i));
        bare.push(await notifyOnce(sender, i));
      }
      sub.data();
      return result({
        name: this.name,
        value: round(percentile(app, 95), 2),
        unit: 'ms',
        baseline: round(percentile(bare, 95), 2),
        baselineName: 'bare NOTIFY heard by a second session (p95)',
        better: 'lower',
        target: null,
        params: {
          changes: CHANGES,
          appP50Ms: round(percentile(app, 50), 2),
          appMaxMs: round(Math.max(...app), 2),
          bareP50Ms: round(percentile(bare, 50), 2),
          promiseMs: 2000,
        },
      });
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await server.stop();
      data.remove();
    }
  },
};
