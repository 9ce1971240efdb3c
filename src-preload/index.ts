import { contextBridge, ipcRenderer } from 'electron';
import { isChannelName, isTopicName } from '../src-shared/contract';
import { IPC_CHANNELS as IPC, type McBridge } from '../src-shared/contract/bridge';
import type { Envelope } from '../src-shared/contract/errors';

/**
 * window.mc: invoke and subscribe for contract names only. The raw ipcRenderer never reaches the
 * page; every argument is checked here and again in the main process.
 */
const listeners = new Map<number, (event: unknown) => void>();
let nextId = 1;

ipcRenderer.on(IPC.event, (_e, id: number, envelope: Envelope<unknown>) => {
  const cb = listeners.get(id);
  if (!cb) return;
  if (envelope.ok) cb(envelope.data);
  else console.warn(`Mission Control subscription ${id} refused: ${envelope.error.message}`);
});

const bridge: McBridge = {
  invoke(channel, payload) {
    if (!isChannelName(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: `Unknown channel “${String(channel).slice(0, 100)}”.` } });
    }
    return ipcRenderer.invoke(IPC.invoke, channel, payload) as Promise<Envelope<unknown>>;
  },
  subscribe(topic, callback, params) {
    if (!isTopicName(topic) || typeof callback !== 'function') return () => undefined;
    const id = nextId++;
    listeners.set(id, callback);
    ipcRenderer.send(IPC.subscribe, id, topic, params ?? {});
    return () => {
      if (!listeners.delete(id)) return;
      ipcRenderer.send(IPC.unsubscribe, id);
    };
  },
};

contextBridge.exposeInMainWorld('mc', bridge);
