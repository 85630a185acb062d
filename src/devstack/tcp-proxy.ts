// A loopback TCP proxy that can black-hole traffic, for partition tests (there is no toxiproxy here).
//
// `blackhole()` behaves like a network that silently drops packets: connections stay open, nothing is closed
// or reset, and no byte moves in either direction — the proxy stops reading both sockets, so the peers' send
// buffers fill exactly as they would with unacknowledged TCP segments. New connections are accepted (the
// kernel does that) but not connected upstream. `heal()` resumes everything, bytes intact, as TCP
// retransmission would; `resetAll()` destroys every connection instead (an RST-style partition end).
//
// One proxy per client process gives "black-hole only that process's connection to etcd".
import net from 'node:net';

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** Listen address (default 127.0.0.1) and port (default 0 = any free port). */
  listenHost?: string;
  listenPort?: number;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket | undefined;
}

export class TcpProxy {
  private readonly conns = new Set<Conn>();
  private holed = false;
  private accepted = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly opts: Required<Pick<TcpProxyOptions, 'targetPort' | 'targetHost'>>,
  ) {}

  static async start(opts: TcpProxyOptions): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, { targetPort: opts.targetPort, targetHost: opts.targetHost ?? '127.0.0.1' });
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** http://127.0.0.1:<port>, for etcd clients. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get blackholed(): boolean {
    return this.holed;
  }

  /** Open client connections right now. */
  get connections(): number {
    return this.conns.size;
  }

  /** Connections accepted since start. */
  get acceptedTotal(): number {
    return this.accepted;
  }

  /** Stop moving bytes in both directions on every connection, current and future. Nothing is closed. */
  blackhole(): void {
    this.holed = true;
    for (const c of this.conns) {
      c.client.pause();
      c.upstream?.pause();
    }
  }

  /** Resume forwarding; connections accepted during the black hole are connected upstream now. */
  heal(): void {
    this.holed = false;
    for (const c of this.conns) {
      if (!c.upstream) this.connectUpstream(c);
      c.client.resume();
      c.upstream?.resume();
    }
  }

  /** Destroys every connection (both sides). New connections are still accepted. */
  resetAll(): void {
    for (const c of [...this.conns]) this.drop(c);
  }

  async stop(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const c: Conn = { client, upstream: undefined };
    this.conns.add(c);
    client.setNoDelay(true);
    client.on('error', () => this.drop(c));
    client.on('close', () => this.drop(c));
    client.on('data', (d: Buffer) => c.upstream?.write(d));
    client.on('end', () => c.upstream?.end());
    if (this.holed) client.pause();
    else this.connectUpstream(c);
  }

  private connectUpstream(c: Conn): void {
    const up = net.connect({ host: this.opts.targetHost, port: this.opts.targetPort });
    c.upstream = up;
    up.setNoDelay(true);
    up.on('data', (d: Buffer) => c.client.write(d));
    up.on('end', () => c.client.end());
    up.on('error', () => this.drop(c));
    up.on('close', () => this.drop(c));
    if (this.holed) up.pause();
  }

  private drop(c: Conn): void {
    if (!this.conns.delete(c)) return;
    c.client.destroy();
    c.upstream?.destroy();
  }
}
