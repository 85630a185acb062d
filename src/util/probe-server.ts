// The small HTTP server every long-running role exposes: /healthz (alive), /readyz (ready), /metrics
// (Prometheus) and extra JSON routes (e.g. /status). Shared by the scheduler replica and the operator.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from './log.js';

export interface Check {
  ok: boolean;
  detail?: unknown;
}

export interface ProbeServerOptions {
  host?: string | undefined;
  port: number;
  live: () => Check;
  ready: () => Check;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Extra GET routes answering JSON. */
  routes?: Record<string, () => unknown>;
  logger?: Logger;
}

export class ProbeServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(opts: ProbeServerOptions): Promise<ProbeServer> {
    const log = opts.logger ?? silentLogger;
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const send = (code: number, body: unknown, type = 'application/json') => {
        const text = typeof body === 'string' && type !== 'application/json' ? body : JSON.stringify(body, null, 2) + '\n';
        res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(text);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      try {
        if (path === '/healthz' || path === '/livez') {
          const c = opts.live();
          return send(c.ok ? 200 : 503, { ok: c.ok, ...(c.detail !== undefined ? { detail: c.detail } : {}) });
        }
        if (path === '/readyz') {
          const c = opts.ready();
          return send(c.ok ? 200 : 503, { ok: c.ok, ...(c.detail !== undefined ? { detail: c.detail } : {}) });
        }
        if (path === '/metrics') {
          opts.metrics().then(
            (m) => send(200, m.body, m.contentType),
            (err: unknown) => send(500, { error: String(err) }),
          );
          return;
        }
        const route = opts.routes?.[path];
        if (route) return send(200, route());
        send(404, { error: `no route ${path}`, routes: ['/healthz', '/readyz', '/metrics', ...Object.keys(opts.routes ?? {})] });
      } catch (err) {
        log.warn({ err, path }, 'probe handler failed');
        send(500, { error: String(err) });
      }
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    // Bound to every address: advertise the loopback of that family (a URL to reach it from here, not a bind).
    const address = addr.address === '::' ? '::1' : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
    const host = addr.family === 'IPv6' ? `[${address}]` : address;
    return new ProbeServer(server, `http://${host}:${addr.port}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
