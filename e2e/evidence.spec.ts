import { expect, test } from './fixtures';

test.describe('status computed from records', () => {
  test('a critical incident on a corridor turns its status, the roll-up and its health on Operator', async ({ page, host }) => {
    const title = `Africa corridor dark ${Date.now().toString(36)}`;
    await page.goto(`${host.url}#/incidents`);
    await page.getByTestId('incident-list').waitFor();
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'Open an incident' });
    await dialog.locator('input[name=title]').fill(title);
    await dialog.getByRole('radio', { name: /Critical/ }).check();
    await dialog.getByTestId('affected-search').fill('Africa');
    await dialog.getByTestId('affected-option-Africa').click();
    await dialog.getByTestId('create-incident').click();
    await expect(page.getByTestId('incident-detail').getByTestId('incident-title')).toHaveText(title);

    await page.goto(`${host.url}#/status`);
    const row = page.getByTestId('component-corridor.africa');
    // Computed from the open incident, not declared by anyone.
    await expect(row.getByTestId('computed')).toContainText('Open critical incident on the corridor');
    await expect(row.getByTestId('computed')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(row.getByTestId('effective').locator('[data-state]')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(page.getByTestId('rollup')).toHaveAttribute('data-state', /partial_outage|major_outage/);
    await expect(page.getByTestId('rollup')).not.toContainText('All components operational');
    // Routing and runtimes have nothing behind them: "no data", never operational.
    await expect(page.getByTestId('component-routing').getByTestId('effective')).toContainText('No data');

    await page.goto(`${host.url}#/operator`);
    const africa = page.getByTestId('op-corridor-Africa');
    await expect(africa).toHaveAttribute('data-health', 'critical');
    await expect(africa).toHaveAttribute('data-basis', /incident|computed/);
  });
});

test.describe('escalations that reach people', () => {
  test('an escalation is delivered by e-mail and webhook to loopback receivers, and the timeline says so', async ({ page, host }) => {
    // Real receivers in this process; the host reaches them on loopback.
    const { mailReceiver, webhookReceiver } = await import('../src-main/testing/receivers');
    const hooks = await webhookReceiver();
    const mail = await mailReceiver();
    let channelIds: string[] = [];
    try {
      await page.goto(host.url);
      await page.getByTestId('rollup').waitFor();
      const stamp = Date.now().toString(36);
      // Channels are added through the contract (no screen yet), over the page's own socket.
      const answers = await page.evaluate(
        async ({ hookUrl, smtp, stamp }) => {
          const ws = new WebSocket(`ws://${location.host}/ws`);
          await new Promise((r) => (ws.onopen = r));
          const reply = (id: number) => new Promise<unknown>((r) => ws.addEventListener('message', (e) => { const m = JSON.parse(e.data); if (m.id === id) r(m.envelope); }));
          ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'notify.addChannel', payload: { channel: { kind: 'webhook', name: `Hook ${stamp}`, url: `${hookUrl}/hook`, signingSecret: 'e2e-signing-secret-0123' } } }));
          const a = await reply(1);
          ws.send(JSON.stringify({ t: 'invoke', id: 2, channel: 'notify.addChannel', payload: { channel: { kind: 'email', name: `Mail ${stamp}`, host: smtp.host, port: smtp.port, tls: 'starttls', user: smtp.user, password: smtp.password, from: 'noc@example.org', caPem: smtp.certPem } } }));
          const b = await reply(2);
          ws.close();
          return [a, b];
        },
        { hookUrl: hooks.url, smtp: { host: mail.host, port: mail.port, user: mail.user, password: mail.password, certPem: mail.certPem }, stamp },
      );
      expect(answers).toMatchObject([{ ok: true }, { ok: true }]);
      channelIds = (answers as { data: { channel: { id: string } } }[]).map((a) => a.data.channel.id);

      const title = `Paging test ${stamp}`;
      await page.goto(`${host.url}#/incidents`);
      await page.getByTestId('incident-list').waitFor();
      await page.keyboard.press('n');
      const dialog = page.getByRole('dialog', { name: 'Open an incident' });
      await dialog.locator('input[name=title]').fill(title);
      await dialog.getByRole('radio', { name: /Critical/ }).check();
      await dialog.getByTestId('create-incident').click();
      const detail = page.getByTestId('incident-detail');
      await expect(detail.getByTestId('incident-title')).toHaveText(title);
      const ref = (await detail.getByTestId('incident-ref').textContent())!;

      // The ops clock (every 3 s here) escalates, then delivers.
      const timeline = page.getByTestId('timeline');
      await expect(timeline).toContainText('Escalated to every incident commander', { timeout: 30_000 });
      await expect(timeline).toContainText(`by Webhook (signed JSON) “Hook ${stamp}”`, { timeout: 30_000 });
      await expect(timeline).toContainText(`by E-mail (SMTP) “Mail ${stamp}”`, { timeout: 30_000 });
      expect(hooks.requests.some((r) => JSON.parse(r.body).incident?.ref === ref)).toBe(true);
      expect(mail.messages.some((m) => m.secure && m.raw.includes(`${ref} CRITICAL: ${title}`))).toBe(true);
    } finally {
      // Leave no channel behind for the other specs sharing this host.
      await page.evaluate(async (ids) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        await new Promise((r) => (ws.onopen = r));
        for (const [i, channelId] of ids.entries()) {
          const done = new Promise((r) => ws.addEventListener('message', (e) => JSON.parse(e.data).id === 100 + i && r(null)));
          ws.send(JSON.stringify({ t: 'invoke', id: 100 + i, channel: 'notify.removeChannel', payload: { channelId, reason: 'e2e test over' } }));
          await done;
        }
        ws.close();
      }, channelIds);
      await hooks.close();
      await mail.close();
    }
  });
});
