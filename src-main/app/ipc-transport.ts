import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';
import { IPC_CHANNELS as IPC } from '../../src-shared/contract/bridge';
import type { Envelope } from '../../src-shared/contract/errors';
import type { AppCore } from '../core/app-core';
import { isOwnRenderer } from './policy';


/**
 * The contract over Electron IPC. Every message is checked to come from the top frame of our own
 * renderer (file:// URL of out/renderer/index.html); anything else is refused and logged.
 */
export function registerIpcTransport(core: AppCore, rendererIndexUrl: string): () => void {
  const call = { readOnly: false, via: 'ipc' };
  const trusted = (frame: WebFrameMain | null): boolean => {
    if (!frame || frame.parent !== null) return false;
    return isOwnRenderer(frame.url, rendererIndexUrl);
  };
  const refused: Envelope<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'This frame may not use Mission Control.' } };

  // Subscriptions per renderer, dropped when it goes away.
  const subs = new Map<number, Map<number, () => void>>();

  ipcMain.handle(IPC.invoke, async (event: IpcMainInvokeEvent, channel: unknown, payload: unknown) => {
    if (!trusted(event.senderFrame)) {
      core.log.warn({ url: event.senderFrame?.url }, 'ipc: refused a call from an untrusted frame');
      return refused;
    }
    return core.router.invoke(channel, payload, call);
  });

  ipcMain.on(IPC.subscribe, (event: IpcMainEvent, id: unknown, topic: unknown, params: unknown) => {
    if (!trusted(event.senderFrame) || typeof id !== 'number') return;
    const sender = event.sender;
    let mine = subs.get(sender.id);
    if (!mine) {
      const created = new Map<number, () => void>();
      subs.set(sender.id, created);
      mine = created;
      const dropAll = () => {
        for (const off of created.values()) off();
        created.clear();
      };
      sender.once('destroyed', () => {
        dropAll();
        subs.delete(sender.id);
      });
      // A reload starts a new page whose preload counts ids from 1 again: the old page's
      // subscriptions end with it.
      sender.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) dropAll();
      });
    }
    // Never two listeners under one id.
    mine.get(id)?.();
    const r = core.router.subscribe(topic, params, call, (e) => {
      if (!sender.isDestroyed()) sender.send(IPC.event, id, { ok: true, data: e });
    });
    if (!r.ok) sender.send(IPC.event, id, r);
    else mine.set(id, r.data);
  });

  ipcMain.on(IPC.unsubscribe, (event: IpcMainEvent, id: unknown) => {
    if (typeof id !== 'number') return;
    const mine = subs.get(event.sender.id);
    mine?.get(id)?.();
    mine?.delete(id);
  });

  return () => {
    ipcMain.removeHandler(IPC.invoke);
    ipcMain.removeAllListeners(IPC.subscribe);
    ipcMain.removeAllListeners(IPC.unsubscribe);
  };
}
