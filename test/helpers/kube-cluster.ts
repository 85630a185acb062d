// The cluster the Kubernetes conformance tests run against: the cluster named by $KUBECONFIG when it is set (so
// the same suite can prove the emulator right against a real API server), otherwise a fresh KubeApiServer
// emulator. Tests talk to it only through a kubeconfig: client-node, plus raw HTTP where client-node cannot
// express the request.
import http from 'node:http';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer, type KubeApiServerOptions } from '../../src/devstack/kube/server.js';
import { uniqueName, waitFor } from './wait.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestCluster {
  kc: k8s.KubeConfig;
  kubeconfig: string;
  /** The emulator, when the suite runs against it (undefined against a real cluster). */
  server?: KubeApiServer;
  emulated: boolean;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  ext: k8s.ApiextensionsV1Api;
  coord: k8s.CoordinationV1Api;
  events: k8s.EventsV1Api;
  policy: k8s.PolicyV1Api;
  /** Creates a namespace with a unique name (deleted at stop()). */
  namespace(base?: string): Promise<string>;
  /** Runs at stop() (cluster-scoped things tests create, such as CRDs). */
  onStop(fn: () => Promise<unknown>): void;
  raw(method: string, path: string, opts?: { body?: unknown; contentType?: string; query?: Record<string, string> }): Promise<RawResponse>;
  stop(): Promise<void>;
}

export async function startCluster(opts: KubeApiServerOptions = {}): Promise<TestCluster> {
  let server: KubeApiServer | undefined;
  let kubeconfig: string;
  const kc = new k8s.KubeConfig();
  if (process.env.KUBECONFIG) {
    kc.loadFromDefault();
    kubeconfig = kc.exportConfig();
  } else {
    server = await KubeApiServer.start({ watchWindow: 50, ...opts });
    kubeconfig = server.kubeconfig;
    kc.loadFromString(kubeconfig);
  }
  const made: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cluster = kc.getCurrentCluster()!;
  const base = new URL(cluster.server);
  const raw = async (method: string, path: string, o: { body?: unknown; contentType?: string; query?: Record<string, string> } = {}): Promise<RawResponse> => {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    const ro: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(ro);
    const data = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    if (data !== undefined) {
      (ro.headers as Record<string, string>)['Content-Type'] = o.contentType ?? 'application/json';
      (ro.headers as Record<string, string>)['Content-Length'] = String(Buffer.byteLength(data));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return await new Promise((resolve, reject) => {
      const req = mod.request(url, ro, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  };
  return {
    kc,
    kubeconfig,
    server,
    emulated: !!server,
    core,
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    coord: kc.makeApiClient(k8s.CoordinationV1Api),
    events: kc.makeApiClient(k8s.EventsV1Api),
    policy: kc.makeApiClient(k8s.PolicyV1Api),
    raw,
    onStop(fn) {
      cleanups.push(fn);
    },
    async namespace(b = 'kt') {
      const name = uniqueName(b).toLowerCase().slice(0, 63).replace(/-+$/, '');
      await core.createNamespace({ body: { metadata: { name } } });
      made.push(name);
      return name;
    },
    async stop() {
      if (!server) {
        for (const fn of cleanups) await fn().catch(() => {});
        for (const ns of made) await core.deleteNamespace({ name: ns }).catch(() => {});
      }
      await server?.stop();
    },
  };
}

/** The parsed Status of a client-node ApiException (its body is a raw JSON string). */
export function statusOf(err: unknown): { code: number; reason?: string; message?: string; details?: any } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const e = err as { code?: number; body?: unknown };
  if (typeof e.code !== 'number') throw err;
  const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
  return { code: e.code, ...(body as object) };
}

/** Runs `fn`, expecting an ApiException; returns its parsed Status. */
export async function expectStatus(fn: () => Promise<unknown>): Promise<{ code: number; reason?: string; message?: string; details?: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    await fn();
  } catch (err) {
    return statusOf(err);
  }
  throw new Error('expected the request to fail');
}

/** Reads a watch stream (raw HTTP) and collects its events until `until` says stop or the stream ends. */
export async function collectWatch(kc: k8s.KubeConfig, path: string, query: Record<string, string>, opts: { until?: (events: { type: string; object: any }[]) => boolean; timeoutMs?: number; onOpen?: () => void | Promise<void> } = {}): Promise<{ status: number; events: { type: string; object: any }[]; ended: boolean }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(path, cluster.server);
  for (const [k, v] of Object.entries({ watch: 'true', ...query })) url.searchParams.set(k, v);
  const ro: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(ro);
  const mod = url.protocol === 'https:' ? https : http;
  return await new Promise((resolve, reject) => {
    const events: { type: string; object: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    let buf = '';
    let done = false;
    const req = mod.request(url, ro, (res) => {
      const finish = (ended: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, events, ended });
      };
      const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 20_000);
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) events.push(JSON.parse(line));
        }
        if (opts.until?.(events)) finish(false);
      });
      res.on('end', () => finish(true));
      res.on('error', () => finish(true));
      void Promise.resolve(opts.onOpen?.()).catch(reject);
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    req.end();
  });
}

export { uniqueName, waitFor };
