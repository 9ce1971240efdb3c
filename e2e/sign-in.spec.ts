import { test as base, expect, type Page } from '@playwright/test';
import { startTestIdp, type TestIdp } from '../src-main/testing/oidc-test-idp';
import { type Host, startHealthyHost } from './host';

/**
 * Invitations and sign-in with a real OpenID provider (oidc-provider, PKCE required), end to end in
 * Chromium on the browser host: the page goes to the provider, a person types a login and
 * consents, and the host's /auth/callback brings the page back into the app. Signing in changes
 * who acts on the host, so this spec has a host (and embedded database) of its own.
 */
const test = base.extend<object, { host: Host; idp: TestIdp }>({
  host: [
    async ({}, use) => {
      const host = await startHealthyHost();
      await use(host);
      await host.stop();
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  idp: [
    async ({}, use) => {
      const idp = await startTestIdp();
      await use(idp);
      await idp.stop();
    },
    { scope: 'worker' },
  ],
});
test.describe.configure({ mode: 'serial' });

/** The provider's own login and consent pages, as a person fills them in. */
async function atProvider(page: Page, idp: TestIdp, login: string): Promise<void> {
  await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Forget the provider's session (its cookies, not the host's token cookie): each sign-in shows its login page. */
async function forgetProviderSession(page: Page): Promise<void> {
  await page.context().clearCookies({ name: /^(?!mc_token_)/ });
}

let code = '';

test('an admin invites: the code is shown once with a note, too short an expiry is refused, and a withdrawn invitation leaves the list', async ({ page, host, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin });
  await page.goto(`${host.url}#/members`);
  const panel = page.getByTestId('invitations');
  await expect(panel.getByTestId('invitations-empty')).toContainText('Press Invite', { timeout: 30_000 });

  // Ten minutes is refused with the contract's message; nothing is created.
  await panel.getByTestId('invite').click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('input[name=email]').fill('bob@idp.test');
  await dialog.locator('input[name=expiresInMinutes]').fill('10');
  await dialog.getByTestId('invite-submit').click();
  await expect(dialog.locator('label.invalid input[name=expiresInMinutes]')).toBeVisible();
  await expect(dialog).toContainText('An invitation lasts at least 15 minutes.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('invitations-empty')).toBeVisible();

  // The default is 24 h; the code is shown once, with Copy and the note that no mail is sent.
  await panel.getByTestId('invite').click();
  await dialog.locator('input[name=email]').fill('alice@idp.test');
  await expect(dialog.locator('input[name=expiresInMinutes]')).toHaveValue('1440');
  await dialog.getByTestId('invite-submit').click();
  code = ((await dialog.getByTestId('invitation-code').textContent()) ?? '').trim();
  expect(code).toMatch(/^MC-[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  await expect(dialog.getByTestId('invitation-code-note')).toContainText('This code is shown once');
  await expect(dialog.getByTestId('invitation-code-note')).toContainText('No mail is sent');
  await dialog.getByTestId('copy-invitation-code').click();
  await expect(dialog.getByTestId('copy-invitation-code')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
  await dialog.getByTestId('invitation-code-done').click();
  const alice = panel.getByTestId('invitation-alice@idp.test');
  await expect(alice).toContainText('Operator');
  await expect(alice).toContainText('Ada Okafor');

  // After a reload the invitation is listed, its code nowhere.
  await page.reload();
  await expect(page.getByTestId('invitation-alice@idp.test')).toBeVisible({ timeout: 30_000 });
  expect(await page.content()).not.toContain(code);

  // Withdraw asks first; Cancel keeps it; confirming removes it from the outstanding list.
  await panel.getByTestId('invite').click();
  await dialog.locator('input[name=email]').fill('carol@idp.test');
  await dialog.locator('select[name=role]').selectOption('auditor');
  await dialog.getByTestId('invite-submit').click();
  await dialog.getByTestId('invitation-code-done').click();
  await dialog.getByTestId('invitation-code-done').click(); // "Close without copying"
  const carol = panel.getByTestId('invitation-carol@idp.test');
  await expect(carol).toContainText('Auditor');
  await carol.getByRole('button', { name: 'Withdraw' }).click();
  await expect(dialog).toContainText('Withdraw the invitation for carol@idp.test?');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(carol).toBeVisible();
  await carol.getByRole('button', { name: 'Withdraw' }).click();
  await dialog.getByRole('button', { name: 'Withdraw invitation' }).click();
  await expect(carol).toHaveCount(0);
  await expect(alice).toBeVisible();
  await expect(panel).toContainText('1 earlier invitation accepted, withdrawn or expired');
});

test('sign-in with the provider: cancelled while waiting, refused for a wrong code and for a token meant for another app, then accepted with the invitation', async ({ page, host, idp }) => {
  expect(code, 'the invitation test runs first').not.toBe('');
  await page.goto(`${host.url}#/connections`);
  const provider = page.getByTestId('identity-provider');
  await provider.locator('input[name=issuer]').fill(idp.issuer);
  await provider.locator('input[name=clientId]').fill('mc-desktop');
  await provider.getByTestId('save-identity-provider').click();
  const panel = page.getByTestId('sign-in');
  const issuerHost = new URL(idp.issuer).host;
  await expect(panel.getByTestId('sign-in-start')).toHaveText(`Sign in with ${issuerHost}`);
  await expect(panel.getByTestId('session-who')).toHaveText('Ada Okafor');

  // A malformed code is refused on the spot, saying what a code looks like.
  await panel.locator('input[name=invitationCode]').fill('not-a-code');
  await panel.getByTestId('sign-in-start').click();
  await expect(panel).toContainText('An invitation code looks like MC-XXXXX-XXXXX-XXXXX-XXXXX.');
  await panel.locator('input[name=invitationCode]').fill('');

  // Cancel: the person leaves the provider's page and comes back; the app waits, Esc gives up.
  await forgetProviderSession(page);
  await panel.getByTestId('sign-in-start').click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await expect(page.locator('input[name=login]')).toBeVisible();
  await page.goto(`${host.url}#/connections`);
  await expect(page.getByTestId('sign-in-waiting')).toContainText(`Waiting for you to finish signing in at ${issuerHost}…`);
  await expect(page.getByTestId('sign-in-cancel')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('sign-in-outcome')).toContainText('Sign-in cancelled. Nothing was signed in');
  await expect(page.getByTestId('session-who')).toHaveText('Ada Okafor');

  // A code this database does not know: the provider signs the person in, the app refuses and says why.
  await forgetProviderSession(page);
  await page.getByTestId('sign-in').locator('input[name=invitationCode]').fill('MC-AAAAA-BBBBB-CCCCC-DDDDD');
  await page.getByTestId('sign-in-start').click();
  await atProvider(page, idp, 'alice');
  await page.waitForURL((u) => u.origin === host.origin && u.hash === '#/connections');
  await expect(page.getByTestId('sign-in-refused')).toContainText('That invitation code is not known in this database', { timeout: 30_000 });
  await expect(page.getByTestId('session-who')).toHaveText('Ada Okafor');

  // A provider that signs its token for another application: refused at the exchange, saying what to check.
  await idp.setMode({ audience: 'other-app' });
  try {
    await forgetProviderSession(page);
    await page.getByTestId('sign-in').locator('input[name=invitationCode]').fill('');
    await page.getByTestId('sign-in-start').click();
    await atProvider(page, idp, 'alice');
    await page.waitForURL((u) => u.origin === host.origin && u.hash === '#/connections');
    await expect(page.getByTestId('sign-in-refused')).toContainText('audience mismatch', { timeout: 30_000 });
    await expect(page.getByTestId('session-who')).toHaveText('Ada Okafor');
  } finally {
    await idp.setMode({});
  }

  // The real code: back in the app, signed in as the invited person, with the invited role.
  await forgetProviderSession(page);
  await page.getByTestId('sign-in').locator('input[name=invitationCode]').fill(code);
  await page.getByTestId('sign-in-start').click();
  await atProvider(page, idp, 'alice');
  await page.waitForURL((u) => u.origin === host.origin && u.hash === '#/connections');
  await expect(page.getByTestId('sign-in-outcome')).toContainText('Signed in as alice@idp.test: Operator in', { timeout: 30_000 });
  await expect(page.getByTestId('session-who')).toHaveText('Person alice', { timeout: 30_000 });
  await expect(page.getByTestId('session-role')).toHaveText('Operator');
  // Neither the code exchanged nor any token ever reached the page's address or storage.
  expect(page.url()).not.toMatch(/code=|state=/);
  expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).toBe('{}');

  // The org's audit chain holds the sign-in, under the person's own name.
  await page.goto(`${host.url}#/audit`);
  await page.getByTestId('audit-filter-action').fill('identity.signed_in');
  await page.getByTestId('audit-filter-apply').click();
  const row = page.locator('[data-testid^=audit-row-]').first();
  await expect(row.locator('code')).toHaveText('identity.signed_in', { timeout: 30_000 });
  await expect(row).toContainText('Person alice');
});

test('an answer at /auth/callback that belongs to no sign-in is refused with a plain page that echoes nothing', async ({ page, host }) => {
  const r = await page.goto(`${host.origin}/auth/callback?code=abc&state=made-up`);
  expect(r?.status()).toBe(400);
  await expect(page.locator('h1')).toHaveText('This sign-in is not under way');
  await expect(page.locator('body')).toContainText('Nothing was signed in');
  await expect(page.locator('body')).not.toContainText('made-up');
});

test('accepting as this computer’s user refuses an unknown code, saying so', async ({ page, host }) => {
  await page.goto(`${host.url}#/connections`);
  const panel = page.getByTestId('accept-as-os-user');
  await panel.locator('input[name=osInvitationCode]').fill('MC-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ');
  await panel.getByTestId('accept-as-os-user-submit').click();
  await expect(panel.getByTestId('accept-as-os-user-error')).toContainText('That invitation code is not known in this database');
});
