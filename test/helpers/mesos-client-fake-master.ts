// A scripted HTTP endpoint for client edge cases the real-behaviour emulator does not script (corrupted streams,
// odd statuses, exact request capture). Each test says how to answer each request; every request is recorded with
// its headers, parsed body and the connection it came on.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { encodeRecord } from '../../src/mesos/recordio.js';
import type { Call, Event } from '../../src/mesos/types.js';

export interface RecordedRequest {
  n: number;
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  call: Call | undefined;
  /** Which TCP connection carried it (1, 2, ...). */
  connection: number;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export class ScriptedMaster {
  readonly requests: RecordedRequest[] = [];
  readonly streams = new Set<http.ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private connSeq = 0;
  handler: Handler = (_r, res) => {
    res.writeHead(202).end();
  };

  private constructor(private readonly server: http.Server) {}

  static async start(handler?: Handler): Promise<ScriptedMaster> {
    const server = http.createServer();
    const m = new ScriptedMaster(server);
    if (handler) m.handler = handler;
    server.on('connection', (s: Socket & { connId?: number }) => {
      s.connId = ++m.connSeq;
      m.sockets.add(s);
      s.on('close', () => m.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let call: Call | undefined;
        try {
          call = JSON.parse(body) as Call;
        } catch {
          call = undefined;
        }
        const rec: RecordedRequest = {
          n: m.requests.length + 1,
          at: Date.now(),
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          call,
          connection: (req.socket as Socket & { connId?: number }).connId ?? 0,
        };
        m.requests.push(rec);
        void Promise.resolve(m.handler(rec, res)).catch((err) => {
          if (!res.headersSent) res.writeHead(500).end(String(err));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return m;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  subscribes(): RecordedRequest[] {
    return this.requests.filter((r) => r.call?.type === 'SUBSCRIBE');
  }
  calls(type?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.call && r.call.type !== 'SUBSCRIBE' && (!type || r.call.type === type));
  }

  /** Starts a 200 SUBSCRIBE stream (chunked, JSON) and returns it. */
  openStream(res: http.ServerResponse, streamId: string, first?: Event[]): http.ServerResponse {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId });
    res.flushHeaders();
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    for (const e of first ?? []) send(res, e);
    return res;
  }

  /** Closes every connection now (a crashed master). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function send(res: http.ServerResponse, e: Event): void {
  res.write(encodeRecord(JSON.stringify(e)));
}
