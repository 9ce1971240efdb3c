import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../src-shared/domain/alert-rules';
import type { Response } from '../../src-shared/contract';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { seedGrid, seedRollup } from '../testing/grid';
import { call, coreOn } from '../testing/harness';
import { BUILTIN_KEYS } from '../services/runbooks';
import { needKeychain } from '../testing/keychain-gate';

const ok = await needKeychain();

describe.skipIf(!ok)('the ops clock of a workstation', () => {
  let db: TestDatabase;
  let org: TestOrg;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'opsjob');
    const grid = await seedGrid(db, org);
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    await seedRollup(db, org, grid.nodeId, 7, minute, 250);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('does not run on an auditor’s workstation: it only reads', async () => {
    const auditor = await coreOn(db, org.auditor.email, { opsJob: true });
    try {
      expect(auditor.db.session?.role).toBe('auditor');
      expect(auditor.ops?.running).toBe(false);
      // A round asked for anyway (as the timer would) does nothing either.
      await auditor.ops!.tick();
      const list = await call<Response<'alerts.list'>>(auditor, 'alerts.list', {});
      expect(list.rules).toEqual([]);
      expect(list.evaluation.at).toBeNull();
      expect((await call<Response<'runbooks.list'>>(auditor, 'runbooks.list', {})).runbooks).toEqual([]);
    } finally {
      await auditor.cleanup();
    }
  });

  it('on a workstation that may write: installs the defaults, evaluates, and computes the minute figures', async () => {
    const operator = await coreOn(db, org.operator.email, { opsJob: true });
    try {
      await expect.poll(async () => (await call<Response<'alerts.list'>>(operator, 'alerts.list', {})).rules.length, { timeout: 15_000 }).toBe(DEFAULT_RULES.length);
      // The five built-in runbooks, from resources/runbooks/.
      await expect.poll(async () => (await call<Response<'runbooks.list'>>(operator, 'runbooks.list', {})).runbooks.map((r) => r.key).sort(), { timeout: 15_000 }).toEqual([...BUILTIN_KEYS].sort());
      await expect.poll(async () => (await call<Response<'alerts.list'>>(operator, 'alerts.list', {})).evaluation.stale, { timeout: 15_000 }).toBe(false);
      const evaluation = (await call<Response<'alerts.list'>>(operator, 'alerts.list', {})).evaluation;
      expect(evaluation.by).toContain(`(${org.operator.name})`);
      await expect
        .poll(async () => (await call<Response<'observability.series'>>(operator, 'observability.series', { window: '1h' })).points.filter((p) => p.nodesReporting > 0).length, {
          timeout: 15_000,
        })
        .toBeGreaterThan(0);
    } finally {
      await operator.cleanup();
    }
  });
});
