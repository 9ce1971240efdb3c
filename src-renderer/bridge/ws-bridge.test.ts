import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createOrg, migratedDatabase, seedComponents, type TestDatabase, testServers } from '../../src-main/testing/db';
import { coreOn, DIRECT } from '../../src-main/testing/harness';
import { needKeychain } from '../../src-main/testing/keychain-gate';
import { startHost } from '../../src-main/host/server';
import { WsBridge } from './ws-bridge';

const ok = await needKeychain();

/** The renderer's WebSocket client against a real browser host, in Node (ws as the WebSocket). */
describe.skipIf(!ok)('WebSocket bridge', () => {
  let db: TestDatabase;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let componentId: string;

  beforeAll(async () => {
    // Browser semantics: a failed connection is a close event, never a thrown 'error'.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
      constructor(url: string) {
        super(url);
        this.on('error', () => undefined);
      }
    };
    db = await migratedDatabase(testServers()[0]!);
    const org = await createOrg(db, 'bridge');
    [componentId] = (await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }])) as [string];
    core = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await core?.cleanup();
    await db?.drop();
  });

  it('never sends a call it already reported as timed out, even when the host comes back', async () => {
    // A port nothing listens on yet.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    (globalThis as { location?: unknown }).location = { pathname: '/', host: `127.0.0.1:${port}` };

    const token = 'bridge-test-token-0123456789abcdef';
    const bridge = new WsBridge(`ws://127.0.0.1:${port}/ws?token=${token}`, 300);
    const answer = await bridge.invoke('status.setState', { componentId, state: 'major_outage', reason: 'sent while the host was down' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });

    const host = await startHost({ core, port, token, staticRoot: core.dataDir });
    try {
      await expect.poll(() => bridge.state, { timeout: 10_000 }).toBe('open');
      // The bridge's 300 ms call timeout (needed above) also bounds this read: on a loaded machine the
      // first read after the reconnect can take longer, so the read is retried until it answers.
      await expect.poll(async () => (await bridge.invoke('status.list', {})).ok, { timeout: 20_000 }).toBe(true);
      const list = (await core.router.invoke('status.list', {}, DIRECT)) as { data: { components: { declared: unknown }[] } };
      // The timed-out declaration never reached the database: nothing is declared.
      expect(list.data.components[0]?.declared).toBeNull();
    } finally {
      await host.close();
    }
  });
});
