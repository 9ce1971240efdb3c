import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../src-main/core/log';
import { EmbeddedServer, type RunningServer } from '../src-main/db/embedded-server';
import { expect, test } from '@playwright/test';
import { type Host, startHealthyHost } from './host';

/** A second, empty PostgreSQL server: the "fresh remote database" an operator points a profile at. */
let server: EmbeddedServer;
let running: RunningServer;
let dir: string;
/**
 * Its own host: this spec switches the active profile to another database, which the specs sharing
 * a worker's host must never see (their views would remount on the switch back).
 */
let host: Host;
const password = randomBytes(16).toString('base64url');

test.beforeAll(async () => {
  // An embedded server and a whole host (with its demo database) start here.
  test.setTimeout(180_000);
  dir = mkdtempSync(join(tmpdir(), 'mc-e2e-remote-'));
  chmodSync(dir, 0o711);
  server = new EmbeddedServer({ clusterDir: join(dir, 'pg'), superuser: 'remote_owner', password, log: silentLogger() });
  running = await server.start();
  const c = new pg.Client({ host: running.host, port: running.port, user: 'remote_owner', password, database: 'postgres' });
  await c.connect();
  await c.query('CREATE DATABASE fresh');
  await c.end();
  host = await startHealthyHost();
});
test.afterAll(async () => {
  await host?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('on a fresh remote database nobody is signed in until someone creates the organisation; they become its first admin', async ({ page }) => {
  await page.goto(`${host.url}#/connections`);
  await page.getByRole('button', { name: 'Add profile' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('input[name=name]').fill('Fresh remote');
  await dialog.locator('input[name=host]').fill(running.host);
  await dialog.locator('input[name=port]').fill(String(running.port));
  await dialog.locator('input[name=database]').fill('fresh');
  await dialog.locator('input[name=user]').fill('remote_owner');
  await dialog.locator('select[name=sslmode]').selectOption('disable');
  await dialog.locator('input[name=password]').fill(password);
  await dialog.locator('input[name=operatorEmail]').fill('funmi@lagos-edge.test');
  await dialog.getByTestId('save-profile').click();
  await page.getByTestId('profile-Fresh remote').getByRole('button', { name: 'Activate' }).click();
  const form = page.getByTestId('create-org');
  await expect(form).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('who')).toHaveCount(0);

  await form.locator('input[name=orgName]').fill('Lagos Edge Ops');
  await expect(form.locator('input[name=slug]')).toHaveValue('lagos-edge-ops');
  await form.locator('input[name=displayName]').fill('Funmi Adeyemi');
  await form.locator('input[name=email]').fill('funmi@lagos-edge.test');
  // A wrong owner password is refused by name, and nothing is created.
  await form.locator('input[name=ownerPassword]').fill('not-it');
  await form.getByTestId('create-org-submit').click();
  await expect(form.getByRole('alert')).toContainText('That is not the password');
  await expect(page.getByTestId('who')).toHaveCount(0);

  await form.locator('input[name=ownerPassword]').fill(password);
  await form.getByTestId('create-org-submit').click();
  await expect(page.getByTestId('who')).toContainText('Funmi Adeyemi');
  await expect(page.getByTestId('who')).toHaveAttribute('data-identity', 'database-login');
  await expect(page.getByTestId('create-org')).toHaveCount(0);
});
