// KubeApiServer: the Kubernetes API emulator as a start/stop object. Plain HTTP on loopback (port 0 by default),
// bearer-token auth, a kubeconfig client-node and kubectl load (`insecure-skip-tls-verify: true`), the built-in
// kinds + CRDs, the in-process controllers (CRD establishment, namespace lifecycle, garbage collection), and test
// hooks for fault injection.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { ApiCore } from './api.js';
import { builtinRegistry } from './builtins.js';
import { crdDef } from './crd.js';
import { Store } from './store.js';
import { Controllers } from './controllers.js';
import { HttpLayer, type RecordedRequest } from './http.js';
import type { KObject } from './meta.js';
import { nowTime, newUid } from './meta.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { Security, type Denial } from './security.js';

export interface KubeApiServerOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0 = any free port). */
  port?: number;
  /** Bearer token clients must present (default: random). */
  token?: string;
  /** Watch events retained per resource (the watch cache window); older resourceVersions get 410. Default 1000. */
  watchWindow?: number;
  /** Interval of BOOKMARK events on watches with allowWatchBookmarks=true (default 60000, as the watch cache). */
  bookmarkIntervalMs?: number;
  /** Watches without timeoutSeconds close after a random time in [min, 2*min] seconds (default 1800). */
  minRequestTimeoutSeconds?: number;
  /** Namespaces to create at start besides default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Keep request bodies in `requests` (default true). */
  recordBodies?: boolean;
  /** Number of requests kept in `requests` (default 5000). */
  maxRecordedRequests?: number;
  /** Name written into the kubeconfig for cluster, user and context (default schedulerha-devstack). */
  contextName?: string;
  /** Authorize with RBAC (--authorization-mode=Node,RBAC) instead of allowing every authenticated request, and
   * run the admission plugins that go with it (ServiceAccount, OwnerReferencesPermissionEnforcement). The admin
   * token stays all-powerful (system:masters); ServiceAccount tokens (TokenRequest API, `serviceAccountToken()`)
   * get what the stored Roles / ClusterRoles and their bindings grant. Default false. */
  rbac?: boolean;
  logger?: Logger;
}

export interface FailOptions {
  /** HTTP status to answer with: 500 (InternalError), 429 (TooManyRequests, with Retry-After), 503
   * (ServiceUnavailable) or 410 (Expired, a watch or list refused as too old). Default 500. */
  code?: 500 | 429 | 503 | 410;
  /** Retry-After (header and Status details): 429 always carries one (default 1 s); other codes when set. */
  retryAfterSeconds?: number;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path matches. */
  path?: RegExp | string;
  /** Only watch requests (true) or only non-watch requests (false). */
  watch?: boolean;
}

/** Test hooks (fault injection and inspection). */
export interface KubeApiServerHooks {
  /** Destroys the connections of open watches (optionally only of one resource, e.g. 'pods' or
   * 'widgets.example.com'). Returns how many were dropped. */
  dropWatches(resource?: string): number;
  /** Ends open watches cleanly, as the server's own timeout does (held-back events of stalled watches are lost,
   * so a client that resumes from its last resourceVersion must catch up, or relist after 410). */
  closeWatches(resource?: string): number;
  /** Stops sending on open watches (and on the ones opened until it is resumed) without closing them; the
   * returned function resumes all of them, flushing what was held back (and ending those whose timeout passed). */
  stallWatches(resource?: string): () => void;
  /** Freezes the watch cache of a resource at its current state, as a lagging API server instance's cache is:
   * lists served from the cache (resourceVersion "0" or NotOlderThan) answer that snapshot and its
   * resourceVersion until the returned function thaws it. Consistent lists (no resourceVersion) are unaffected. */
  freezeWatchCache(resource: string): () => void;
  /** The next `n` matching requests fail with a Status error. */
  failNext(n: number, opts?: FailOptions): void;
  /** Removes every pending failNext rule; returns how many requests they had left to fail. */
  clearFaults(): number;
  /** Matching requests are answered `ms` later; the returned function removes the delay. */
  delayResponses(ms: number, opts?: { method?: string; path?: RegExp | string }): () => void;
  /** Forgets the event window (of one resource, or all), so watches from any earlier resourceVersion get 410. */
  compact(resource?: string): void;
  /** Changes the number of watch events retained per resource. */
  setWatchWindow(n: number): void;
  /** Requests received so far (method, path, query, content type, user agent, body, status). */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Number of open watch connections (optionally of one resource). */
  openWatches(resource?: string): number;
  /** Requests refused for lack of permission (with `rbac`: by the authorizer, an apply's create check, or
   * OwnerReferencesPermissionEnforcement), oldest first, the last 1000. */
  authorizationDenials(): Denial[];
}

const toRegExp = (p: RegExp | string | undefined) => (p === undefined ? undefined : typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);

export class KubeApiServer {
  readonly core: ApiCore;
  readonly hooks: KubeApiServerHooks;
  readonly token: string;
  /** Authentication (admin and ServiceAccount tokens), RBAC authorization and its admission plugins. */
  readonly security: Security;
  private readonly server: Server;
  private readonly http: HttpLayer;
  private readonly controllers: Controllers;
  private readonly sockets = new Set<Socket>();
  private readonly contextName: string;
  host = '127.0.0.1';
  port = 0;

  private constructor(private readonly opts: KubeApiServerOptions) {
    const log = opts.logger ?? silentLogger;
    this.token = opts.token ?? randomBytes(24).toString('hex');
    this.contextName = opts.contextName ?? 'schedulerha-devstack';
    const registry = builtinRegistry();
    registry.add(crdDef);
    const store = new Store(opts.watchWindow ?? 1000);
    this.core = new ApiCore(store, registry);
    this.controllers = new Controllers(this.core, log);
    this.security = new Security(this.core, { adminToken: this.token, rbac: opts.rbac ?? false });
    this.http = new HttpLayer(this.core, {
      security: this.security,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds ?? 1800,
      log,
      serverAddress: () => `${this.host}:${this.port}`,
      recordBodies: opts.recordBodies ?? true,
      maxRecorded: opts.maxRecordedRequests ?? 5000,
    });
    this.server = createServer((req, res) => this.http.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const http = this.http;
    this.hooks = {
      dropWatches: (resource) => http.dropWatches(resource ? this.storeKeyOf(resource) : undefined),
      closeWatches: (resource) => http.closeWatches(resource ? this.storeKeyOf(resource) : undefined),
      stallWatches: (resource) => http.stallWatches(resource ? this.storeKeyOf(resource) : undefined),
      freezeWatchCache: (resource) => this.core.freezeCache(this.storeKeyOf(resource)),
      failNext: (n, o = {}) => {
        http.faults.push({ remaining: n, code: o.code ?? 500, retryAfterSeconds: o.retryAfterSeconds, method: o.method?.toUpperCase(), path: toRegExp(o.path), watch: o.watch });
      },
      clearFaults: () => http.faults.splice(0).reduce((n, f) => n + f.remaining, 0),
      delayResponses: (ms, o = {}) => {
        const rule = { ms, method: o.method?.toUpperCase(), path: toRegExp(o.path) };
        http.delays.push(rule);
        return () => {
          const i = http.delays.indexOf(rule);
          if (i >= 0) http.delays.splice(i, 1);
        };
      },
      compact: (resource) => store.compact(resource ? this.storeKeyOf(resource) : undefined),
      setWatchWindow: (n) => store.setWindowSize(n),
      requests: () => [...http.requests],
      clearRequests: () => {
        http.requests.length = 0;
      },
      openWatches: (resource) => [...http.watches].filter((w) => !resource || w.resource === this.storeKeyOf(resource)).length,
      authorizationDenials: () => [...this.security.denials],
    };
  }

  /** 'pods' -> '/pods', 'widgets.example.com' -> 'example.com/widgets', 'leases.coordination.k8s.io' -> … */
  private storeKeyOf(resource: string): string {
    if (resource === 'events' || resource === 'events.events.k8s.io') return 'events/events';
    const dot = resource.indexOf('.');
    if (dot < 0) return `/${resource}`;
    return `${resource.slice(dot + 1)}/${resource.slice(0, dot)}`;
  }

  static async start(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const s = new KubeApiServer(opts);
    s.seed();
    s.security.seed();
    s.controllers.start();
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    const addr = s.server.address();
    if (addr && typeof addr === 'object') {
      s.host = addr.address;
      s.port = addr.port;
    }
    return s;
  }

  private seed(): void {
    const nsDef = this.core.registry.get('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(this.opts.namespaces ?? [])]) {
      if (this.core.store.get(nsDef.storeKey, undefined, name)) continue;
      const o: KObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, uid: newUid(), creationTimestamp: nowTime(), labels: { 'kubernetes.io/metadata.name': name } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
      this.core.store.put(nsDef.storeKey, o);
    }
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.port}`;
  }

  /** A kubeconfig (YAML) for this server: plain HTTP, insecure-skip-tls-verify, a token user. */
  get kubeconfig(): string {
    const n = this.contextName;
    return YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [{ name: n, cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: `${n}-admin`, user: { token: this.token } }],
      contexts: [{ name: n, context: { cluster: n, user: `${n}-admin`, namespace: 'default' } }],
      'current-context': n,
    });
  }

  writeKubeconfig(path: string): void {
    writeFileSync(path, this.kubeconfig, { mode: 0o600 });
  }

  /** A token for ServiceAccount `namespace/name` (what `kubectl create token` returns; the ServiceAccount must
   * exist). Default lifetime 1 h. */
  serviceAccountToken(namespace: string, name: string, opts: { expirationSeconds?: number } = {}): string {
    return this.security.tokens.issue(namespace, name, opts).token;
  }

  /** A kubeconfig (YAML) for this server that authenticates with `token` (e.g. a ServiceAccount's), with
   * `namespace` as the context's default namespace. */
  kubeconfigWithToken(token: string, opts: { user?: string; namespace?: string } = {}): string {
    const n = this.contextName;
    const user = opts.user ?? `${n}-token`;
    return YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [{ name: n, cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: n, context: { cluster: n, user, namespace: opts.namespace ?? 'default' } }],
      'current-context': n,
    });
  }

  async stop(): Promise<void> {
    this.controllers.stop();
    this.http.dropWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}

export type { RecordedRequest, Denial };
