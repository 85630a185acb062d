// The Kubernetes API emulator for the benchmarks (bench/launch.ts, bench/operator.ts), in its own process:
// `schedulerha devstack kube-apiserver` (the same CLI a developer runs), so its CPU is separable from the process
// under test (/proc/<pid>/stat) and it competes with nobody for its event loop, as an API server on its own machine.
// The benchmark talks to it with a lean keep-alive HTTP client (bearer token, plain JSON): what the bench itself
// sends — its floors, its probes — costs the client as little as possible.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFromString } from '../../src/kube/index.js';
import { CLI, type ProcGroup, type Proc } from '../../test/helpers/procs.js';

export interface KubeEmulatorOptions {
  /** Watch events kept per resource (the watch cache window). */
  watchWindow?: number;
  /** Node flags for the emulator process (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  /** Send → last byte of the answer, ms. */
  ms: number;
}

export interface WatchEvent<T = Record<string, unknown>> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
  /** When this process parsed the event (ms, performance.timeOrigin + performance.now()). */
  rt: number;
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

export class KubeEmulatorProc {
  readonly kc: KubeConfig;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly watches = new Set<http.ClientRequest>();

  private constructor(
    readonly proc: Proc,
    readonly url: string,
    readonly token: string,
    readonly kubeconfigPath: string,
    private readonly dir: string,
  ) {
    // The bench knows the URL and the token, so it writes the kubeconfig itself (what `--kubeconfig F` would write).
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'bench', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'bench', user: { token } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace: 'default' } }],
      'current-context': 'bench',
    };
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(kubeconfigPath, text, { mode: 0o600 });
    this.kc = kubeConfigFromString(text);
  }

  static async start(group: ProcGroup, opts: KubeEmulatorOptions = {}): Promise<KubeEmulatorProc> {
    const dir = mkdtempSync(join(tmpdir(), 'schedulerha-bench-kube-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    const token = randomBytes(16).toString('hex');
    const proc = group.spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'devstack', 'kube-apiserver', '--listen', '127.0.0.1:0', '--token', token, '--watch-window', String(opts.watchWindow ?? 1000)], {
      env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0', SCHEDULERHA_LOG_LEVEL: 'warn' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`the Kubernetes API emulator did not start within 30 s; output:\n${proc.output().slice(-2000)}`)), 30_000);
        const onData = () => {
          for (const line of proc.output().split('\n')) {
            if (!line.startsWith('{')) continue;
            try {
              const j = JSON.parse(line) as { url?: string; kubeconfig?: string | null; msg?: string };
              if (j.url && j.msg === undefined) {
                clearTimeout(t);
                proc.child.stdout?.off('data', onData);
                resolve(j.url);
                return;
              }
            } catch {
              // not JSON
            }
          }
        };
        proc.child.stdout?.on('data', onData);
        void proc.exited.then((code) => {
          clearTimeout(t);
          reject(new Error(`the Kubernetes API emulator exited during start (${code}); output:\n${proc.output().slice(-2000)}`));
        });
      });
      return new KubeEmulatorProc(proc, url, token, kubeconfigPath, dir);
    } catch (err) {
      await proc.stop(2000);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** One request on a kept-alive connection; resolves for any status (JSON body parsed when there is one). */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 60_000): Promise<KubeResponse<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise<KubeResponse<T>>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        `${this.url}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - t0;
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = undefined;
            if (text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, ms });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `request`, but a status ≥ 300 is an error naming the request and the server's message. */
  async ok<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>> {
    const r = await this.request<T>(method, path, body, contentType);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
    return r;
  }

  /** Runs `fn(i)` for i in [0, n) with `concurrency` in flight. */
  static async pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(n, concurrency) }, async () => {
        while (next < n) await fn(next++);
      }),
    );
  }

  /**
   * A watch (NDJSON) from `resourceVersion`; `onEvent` gets each event with the time it was parsed. The watch is
   * one long request without a timeout; `stop()` (or `stop()` of the emulator) ends it. An ERROR event (e.g. 410)
   * or an early end is reported to `onEnd`.
   */
  watch<T = Record<string, unknown>>(path: string, query: Record<string, string>, onEvent: (e: WatchEvent<T>) => void, onEnd: (why: string) => void = () => undefined): { stop(): void } {
    const qs = new URLSearchParams({ watch: '1', ...query }).toString();
    let stopped = false;
    const req = http.request(`${this.url}${path}?${qs}`, { method: 'GET', agent: false, headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        onEnd(`watch ${path} answered ${res.statusCode}`);
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        const rt = wallNow();
        buf += s;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const e = JSON.parse(line) as { type: WatchEvent['type']; object: T };
          onEvent({ type: e.type, object: e.object, rt });
        }
      });
      res.on('end', () => {
        if (!stopped) onEnd(`watch ${path} ended`);
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if (!stopped) onEnd(`watch ${path}: ${err.message}`);
    });
    req.end();
    this.watches.add(req);
    return {
      stop: () => {
        stopped = true;
        this.watches.delete(req);
        req.destroy();
      },
    };
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.watches.clear();
    this.agent.destroy();
    await this.proc.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
