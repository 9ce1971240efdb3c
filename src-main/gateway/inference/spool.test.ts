import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type MeteringRecord, Spool } from './spool';

const record = (i: number): MeteringRecord => ({
  request: {
    org_id: '00000000-0000-4000-8000-000000000001',
    request_id: `req_spool_${String(i).padStart(6, '0')}`,
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
    customer_id: '00000000-0000-4000-8000-000000000002',
    key_prefix: 'ume_live_AAAAAA',
    endpoint: 'chat.completions',
    model: 'm',
    stream: false,
    decision_id: null,
    corridor_id: null,
    node_id: null,
    runtime_id: null,
    status: 200,
    outcome: 'served',
    latency_ms: 1,
    first_byte_ms: null,
    prompt_tokens: 1,
    completion_tokens: 1,
    simulated: false,
  },
  usage: null,
});

describe('metering spool', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('under appends that never pause, a drain still closes the open segment between two batches and hands it to the sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-spool-test-'));
    dirs.push(dir);
    const seen: string[] = [];
    const spool = new Spool(dir, async (batch) => {
      for (const r of batch) seen.push(r.request.request_id);
      return { inserted: batch.length, usage: 0, duplicates: 0, rejected: [] };
    });
    // Appends back to back for a while: a write is always in flight or queued.
    let i = 0;
    let busy = true;
    const writer = (async () => {
      while (busy) {
        const batch = Array.from({ length: 20 }, () => spool.append(record(i++)));
        await Promise.race([Promise.all(batch), new Promise((r) => setImmediate(r))]);
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await spool.drain();
    await new Promise((r) => setTimeout(r, 100));
    await spool.drain();
    const whileBusy = seen.length;
    busy = false;
    await writer;
    expect(whileBusy).toBeGreaterThan(0);
    await spool.close();
    // Everything appended reached the sink exactly once, and nothing is left on disk.
    expect(seen).toHaveLength(i);
    expect(new Set(seen).size).toBe(i);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toEqual([]);
  });
});
