// A small raw-JSON Kubernetes client for the pod runner: requests over HTTP(S) with the kubeconfig's credentials
// (client-node's applyToHTTPSOptions), and a list+watch reflector that keeps a cache, relists after 410, and
// retries every other failure with back-off (client-node's informer stops for good on errors). Raw JSON keeps
// timestamps as the server sent them, so the runner works against any API server.
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Backoff } from '../../../util/backoff.js';
import type { Logger } from '../../../util/log.js';

export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    finalizers?: string[];
    creationTimestamp?: string;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: unknown;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly body: any, // eslint-disable-line @typescript-eslint/no-explicit-any
    message: string,
  ) {
    super(message);
  }
  get reason(): string | undefined {
    return this.body?.reason;
  }
}

export class RawKube {
  readonly kc: KubeConfig;
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(kubeconfig: string | KubeConfig) {
    if (typeof kubeconfig === 'string') {
      this.kc = new KubeConfig();
      this.kc.loadFromString(kubeconfig);
    } else this.kc = kubeconfig;
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.base = new URL(cluster.server);
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json', opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await this.raw(method, path, body, contentType, opts);
    const text = await readAll(res);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    if ((res.statusCode ?? 0) >= 300) {
      const msg = (parsed as { message?: string } | undefined)?.message ?? text;
      throw new KubeError(res.statusCode ?? 0, parsed, `${method} ${path}: ${res.statusCode} ${msg}`);
    }
    return parsed as T;
  }

  async raw(method: string, path: string, body?: unknown, contentType = 'application/json', opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<http.IncomingMessage> {
    const url = new URL(path, this.base);
    const o: https.RequestOptions = { method, headers: { Accept: 'application/json', 'User-Agent': 'schedulerha-devstack-runner/1' }, agent: this.agent };
    await this.kc.applyToHTTPSOptions(o);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    if (data !== undefined) {
      (o.headers as Record<string, string>)['Content-Type'] = contentType;
      // Node does not chunk DELETE bodies: without a length the server would read the body as the next request.
      (o.headers as Record<string, string>)['Content-Length'] = String(Buffer.byteLength(data));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return await new Promise((resolve, reject) => {
      const req = mod.request(url, { ...o, signal: opts.signal }, resolve);
      req.on('error', reject);
      if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type ReflectorEvent = 'add' | 'update' | 'delete';

/** List + watch into a cache; `onChange` gets every add / update / delete (including relist diffs). */
export class Reflector {
  readonly cache = new Map<string, KObj>();
  private abort = new AbortController();
  private stopped = false;
  private synced = false;
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
  private running: Promise<void> | undefined;

  constructor(
    private readonly kube: RawKube,
    /** Collection path, e.g. /api/v1/pods */
    private readonly path: string,
    private readonly query: Record<string, string>,
    private readonly onChange: (type: ReflectorEvent, obj: KObj, old?: KObj) => void,
    private readonly log: Logger,
  ) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running?.catch(() => {});
  }

  static key(o: KObj): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }

  private qs(extra: Record<string, string>): string {
    const p = new URLSearchParams({ ...this.query, ...extra });
    const s = p.toString();
    return s ? `?${s}` : '';
  }

  private async loop(): Promise<void> {
    let rv: string | undefined;
    while (!this.stopped) {
      try {
        if (!rv) rv = await this.relist();
        rv = await this.watch(rv);
        this.backoff.reset();
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof KubeError && err.code === 410) rv = undefined;
        else {
          this.log.debug({ err, path: this.path }, 'reflector error; retrying');
          await new Promise((r) => setTimeout(r, this.backoff.next()));
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.kube.request<{ metadata: { resourceVersion: string }; items: KObj[] }>('GET', this.path + this.qs({}), undefined, undefined, { signal: this.abort.signal, timeoutMs: 60_000 });
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = Reflector.key(item);
      seen.add(k);
      const old = this.cache.get(k);
      this.cache.set(k, item);
      if (!old) this.onChange('add', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.onChange('update', item, old);
    }
    for (const [k, old] of [...this.cache]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.onChange('delete', old, old);
      }
    }
    this.synced = true;
    return list.metadata.resourceVersion;
  }

  /** Watches from rv until the server closes; returns the last resourceVersion seen. Throws KubeError(410). */
  private async watch(rv: string): Promise<string> {
    const res = await this.kube.raw('GET', this.path + this.qs({ watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: String(240 + Math.floor(Math.random() * 60)) }), undefined, undefined, { signal: this.abort.signal });
    if ((res.statusCode ?? 0) !== 200) {
      const text = await readAll(res);
      throw new KubeError(res.statusCode ?? 0, safeJSON(text), `watch ${this.path}: ${res.statusCode}`);
    }
    let buf = '';
    let last = rv;
    // Inactivity guard: bookmarks or events arrive at least every minute on a healthy watch.
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => res.destroy(new Error('watch idle')), 90_000);
    };
    arm();
    try {
      for await (const chunk of res) {
        arm();
        buf += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = safeJSON(line) as { type: string; object: KObj } | undefined;
          if (!ev) continue;
          if (ev.type === 'ERROR') {
            const st = ev.object as unknown as { code?: number; message?: string };
            throw new KubeError(st.code ?? 500, st, `watch error: ${st.message}`);
          }
          const o = ev.object;
          if (o?.metadata?.resourceVersion) last = o.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          const k = Reflector.key(o);
          const old = this.cache.get(k);
          if (ev.type === 'DELETED') {
            this.cache.delete(k);
            this.onChange('delete', o, old);
          } else {
            this.cache.set(k, o);
            this.onChange(old ? 'update' : 'add', o, old);
          }
        }
      }
    } finally {
      clearTimeout(idle);
    }
    return last;
  }
}

function safeJSON(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
