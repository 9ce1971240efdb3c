import { connect, type Socket } from 'node:net';

/**
 * One simulated agent's keep-alive HTTP/1.1 connection, as cheap for the benchmark's own process
 * as a client can be: the request bytes are built by the caller, and the answer is read only as
 * far as its status and Content-Length. Real agents run on their own machines; in the benchmark
 * a thousand of them share the door's two cores, and node:http's client cost about as much CPU per
 * request as the door itself (profiled), so it measured the client more than the door.
 *
 * One request at a time (an agent waits for its acknowledgement), no pipelining. Answers with
 * chunked bodies are refused (the door always sends Content-Length), so a misread cannot pass
 * unnoticed.
 */
export class AgentConnection {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve(status: number): void; reject(e: Error): void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends one request (complete bytes: request line, headers, body); resolves with the status. */
  send(request: Buffer): Promise<number> {
    if (this.waiting) return Promise.reject(new Error('one request at a time on an agent connection'));
    return new Promise<number>((resolve, reject) => {
      this.waiting = { resolve, reject };
      const s = this.socket ?? this.open();
      s.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = s;
    this.buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    const fail = (e: Error) => {
      this.socket = null;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(e);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error('the door closed the connection')));
    return s;
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const len = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!len) {
      this.socket?.destroy(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const total = end + 4 + Number(len[1]);
    if (this.buf.length < total) return;
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    if (/\r\nconnection: *close/i.test(head)) this.close();
    w?.resolve(status);
  }
}

/** The bytes of one POST /v1/telemetry with a JSON body. */
export function telemetryRequest(host: string, port: number, key: string, body: string): Buffer {
  const b = Buffer.from(body);
  const head = `POST /v1/telemetry HTTP/1.1\r\nhost: ${host}:${port}\r\ncontent-type: application/json\r\nauthorization: Bearer ${key}\r\ncontent-length: ${b.length}\r\nconnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}
