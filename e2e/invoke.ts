import type { Page } from '@playwright/test';

/** One contract call over the page's own socket (as the app's bridge makes it), for a change made elsewhere. */
export async function invoke<T>(page: Page, channel: string, payload: unknown): Promise<T> {
  const envelope = await page.evaluate(
    async ({ channel, payload }) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      await new Promise((r) => (ws.onopen = r));
      const answer = new Promise<{ ok: boolean; data?: unknown; error?: { message: string } }>((r) =>
        ws.addEventListener('message', (e) => {
          const m = JSON.parse(e.data as string);
          if (m.t === 'result' && m.id === 1) r(m.envelope);
        }),
      );
      ws.send(JSON.stringify({ t: 'invoke', id: 1, channel, payload }));
      const out = await answer;
      ws.close();
      return out;
    },
    { channel, payload },
  );
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error?.message}`);
  return envelope.data as T;
}
