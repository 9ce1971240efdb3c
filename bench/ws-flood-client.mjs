// A browser-host client that stops reading (pauses its socket) and keeps sending queries, as a
// stuck or hostile wall display would. Run as a child process so its own memory is not counted
// as the host's. Args: URL SECONDS. Reports {sentBytes, frames} to the parent over IPC.
import WebSocket from 'ws';

const [url, seconds] = [process.argv[2], Number(process.argv[3])];
const ws = new WebSocket(url);
ws.on('open', () => {
  ws.pause();
  let id = 0;
  let sentBytes = 0;
  const end = Date.now() + seconds * 1000;
  const tick = () => {
    if (Date.now() > end) {
      process.send?.({ sentBytes, frames: id });
      return;
    }
    // The client's own backlog is capped, so it keeps offering work without drowning itself.
    if (ws.bufferedAmount < 64 * 1024 * 1024) {
      for (let i = 0; i < 5000; i++) {
        const frame = JSON.stringify({ t: 'invoke', id: ++id, channel: 'status.list', payload: {} });
        sentBytes += frame.length;
        ws.send(frame);
      }
    }
    setTimeout(tick, 5);
  };
  tick();
});
ws.on('error', (err) => {
  process.stderr.write(`flood client: ${err.message}\n`);
  process.exit(1);
});
