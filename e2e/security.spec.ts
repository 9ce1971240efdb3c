import { expect, test } from './fixtures';
import { startHost, waitHealthy } from './host';

test.describe('browser host security', () => {
  test('a request without the token is refused', async ({ page, host }) => {
    const r = await page.goto(host.origin + '/');
    expect(r?.status()).toBe(401);
    await expect(page.locator('body')).toContainText('needs the token printed when the host started');
    const wrong = await page.goto(`${host.origin}/?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
  });

  test('a page on another origin cannot open the WebSocket', async ({ page, host }) => {
    await page.goto('about:blank');
    const result = await page.evaluate(async (url) => {
      return new Promise<string>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      });
    }, `${host.origin.replace('http', 'ws')}/ws?token=${host.token}`);
    expect(result).toBe('refused');
  });

  test('read-only mode shows live status and refuses every command', async ({ browser }) => {
    const ro = await startHost({ readOnly: true });
    try {
      await waitHealthy(ro);
      const page = await (await browser.newContext()).newPage();
      await page.goto(ro.url);
      await expect(page.getByTestId('rollup')).toBeVisible();
      await expect(page.getByText('Read-only display').first()).toBeVisible();
      await expect(page.getByRole('button', { name: 'Set state…' })).toBeDisabled();
      // Even a hand-made command over the page's own authenticated socket is refused.
      const answer = await page.evaluate(async () => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        await new Promise((r) => (ws.onopen = r));
        const reply = (id: number) => new Promise<unknown>((r) => ws.addEventListener('message', (e) => { const m = JSON.parse(e.data); if (m.id === id) r(m.envelope); }));
        ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'status.list', payload: {} }));
        const list = (await reply(1)) as { data: { components: { id: string }[] } };
        const componentId = list.data.components[0]!.id;
        ws.send(JSON.stringify({ t: 'invoke', id: 2, channel: 'status.setState', payload: { componentId, state: 'major_outage', reason: 'from the wall display' } }));
        return reply(2);
      });
      expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await expect(page.getByTestId('component-corridor.apac').getByTestId('declared')).toContainText('nothing declared');
    } finally {
      await ro.stop();
    }
  });
});
