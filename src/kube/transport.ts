// The HTTP(S) transport of every Kubernetes API request this project makes outside watches (raw requests in
// request.ts, and the typed clients of makeClients through `pooledHttpLibrary`): client-node's credentials and TLS
// settings, node's http/https with one keep-alive connection pool per KubeConfig.
//
// Why not client-node's own transport: client-node 2.0.1 builds a new undici Agent for every request whose
// cluster or user carries any TLS setting — a CA, a client certificate, or insecure-skip-tls-verify, which every
// plain-http kubeconfig needs — so each request opened (and over TLS handshook) a connection of its own, and the
// WHATWG fetch layer on top costs several times node:http per call. Against the API emulator that was 550-750 µs of
// client CPU per request and twice the server's work; pooled node:http is 100-190 µs (bench/launch.ts and
// bench/operator.ts measure the effect on the pod scheduler and the operator).
//
// What stays client-node's: credentials (token, token file, exec and auth-provider plugins, basic auth) and TLS
// material (CA, client certificate and key, skip-verify, server name), read through `kc.applyToHTTPSOptions()` —
// the API client-node offers for node https requests — on every request, as before; a cluster with a proxy-url
// uses client-node's own (proxy) agent unchanged. The pool is keyed by the TLS material itself: a rotated client
// certificate or CA is used from the next request on (a new pool; the old one closes once its requests finished).
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as k8s from '@kubernetes/client-node';

function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '../../../package.json'), join(here, '../../package.json')]) {
    try {
      const v = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (v.name === 'schedulerha' && v.version) return v.version;
    } catch {
      // try the next
    }
  }
  return 'unknown';
}

/** `<binary>/<version> (<os>/<arch>) …`, as client-go builds it: the API server takes the part before the first `/`
 * as the field manager of writes that name none. */
export const USER_AGENT = `schedulerha/${packageVersion()} (${process.platform}/${process.arch}) node/${process.version}`;

export interface TransportRequest {
  method: string;
  url: URL;
  /** Complete headers (credentials included). */
  headers: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Abort when the whole answer has not arrived within this long. */
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/** One keep-alive pool (internal; exposed for `send`). */
export interface Pool {
  key: string;
  agent: http.Agent;
  inflight: number;
  retired: boolean;
}

const pools = new WeakMap<k8s.KubeConfig, Pool>();

/** The credentials and the agent for the next request on the current context of `kc`. */
export async function prepareRequest(kc: k8s.KubeConfig): Promise<{ headers: Record<string, string>; pool: Pool | undefined; agent: http.Agent }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((opts.headers ?? {}) as Record<string, unknown>)) if (v !== undefined) headers[k] = String(v);
  if (opts.auth && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  if (cluster.proxyUrl) return { headers, pool: undefined, agent: opts.agent as http.Agent };
  const isHttps = cluster.server.startsWith('https:');
  // client-node's rule for plain http (createDispatcherOptions): only with insecure-skip-tls-verify.
  if (!isHttps && !cluster.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  const h = createHash('sha256').update(isHttps ? 'https' : 'http');
  for (const v of [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.rejectUnauthorized, opts.servername]) {
    h.update('\0');
    if (v === undefined || v === null) continue;
    if (Buffer.isBuffer(v) || typeof v === 'string') h.update(v);
    else if (Array.isArray(v)) for (const x of v) h.update(Buffer.isBuffer(x) || typeof x === 'string' ? x : JSON.stringify(x));
    else h.update(JSON.stringify(v));
  }
  const key = h.digest('hex');
  let pool = pools.get(kc);
  if (!pool || pool.key !== key) {
    const agent = isHttps
      ? new https.Agent({
          keepAlive: true,
          scheduling: 'lifo',
          ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
          ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
          ...(opts.key !== undefined ? { key: opts.key } : {}),
          ...(opts.pfx !== undefined ? { pfx: opts.pfx } : {}),
          ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
          ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
          ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
        })
      : new http.Agent({ keepAlive: true, scheduling: 'lifo' });
    if (pool) retire(pool);
    pool = { key, agent, inflight: 0, retired: false };
    pools.set(kc, pool);
  }
  return { headers, pool, agent: pool.agent };
}

function retire(p: Pool): void {
  p.retired = true;
  if (p.inflight === 0) p.agent.destroy();
}

/** Closes the connection pool of `kc` (idle connections at once, busy ones when their requests end). */
export function closePool(kc: k8s.KubeConfig): void {
  const p = pools.get(kc);
  if (!p) return;
  pools.delete(kc);
  retire(p);
}

function namedError(name: 'TimeoutError' | 'AbortError', message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/**
 * One request on `agent`. Resolves with any HTTP status; rejects with a `TimeoutError` / `AbortError` (by name), or
 * an Error whose `cause` is the socket error (`code` ECONNREFUSED, ECONNRESET…) — the shapes decodeApiError knows.
 */
export function send(req: TransportRequest, agent: http.Agent, pool?: Pool): Promise<TransportResponse> {
  const what = `${req.method} ${req.url.pathname}`;
  if (req.signal?.aborted) return Promise.reject(namedError('AbortError', `${what} aborted before it was sent`));
  const mod = req.url.protocol === 'https:' ? https : http;
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const headers: Record<string, string | number> = { 'Accept-Encoding': 'gzip', ...req.headers };
  if (body) headers['Content-Length'] = body.length;
  if (pool) pool.inflight++;
  return new Promise<TransportResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, res?: TransportResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (pool && --pool.inflight === 0 && pool.retired) pool.agent.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const r = mod.request(req.url, { method: req.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let data = Buffer.concat(chunks);
        try {
          if (String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') data = gunzipSync(data);
        } catch (err) {
          finish(new Error(`${what}: cannot decompress the answer: ${(err as Error).message}`, { cause: err }));
          return;
        }
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        finish(undefined, { status: res.statusCode ?? 0, headers: out, body: data });
      });
      res.on('error', (err) => finish(new Error(`${what}: ${err.message}`, { cause: err })));
    });
    const onAbort = () => {
      const e = namedError('AbortError', `${what} aborted`);
      finish(e);
      r.destroy(e);
    };
    const timer = setTimeout(() => {
      const e = namedError('TimeoutError', `${what}: no complete answer within ${req.timeoutMs} ms`);
      finish(e);
      r.destroy(e);
    }, req.timeoutMs);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', (err) => finish(new Error(`${what}: ${err.message}`, { cause: err })));
    r.end(body);
  });
}

/**
 * The HttpLibrary of the typed clients (makeClients): the request client-node prepared (URL, method, headers with
 * its credentials, body, signal) sent over the pool of `kc` instead of a fresh undici Agent per call.
 */
export function pooledHttpLibrary(kc: k8s.KubeConfig, timeoutMs = 60_000): k8s.HttpLibrary {
  return k8s.wrapHttpLibrary({
    async send(ctx: k8s.RequestContext): Promise<k8s.ResponseContext> {
      const { pool, agent } = await prepareRequest(kc);
      const b = ctx.getBody();
      if (b !== undefined && typeof b !== 'string') throw new Error('pooledHttpLibrary sends string bodies only');
      const res = await send({ method: ctx.getHttpMethod(), url: new URL(ctx.getUrl()), headers: ctx.getHeaders(), ...(b !== undefined ? { body: b } : {}), ...(ctx.getSignal() ? { signal: ctx.getSignal()! } : {}), timeoutMs }, agent, pool);
      return new k8s.ResponseContext(res.status, res.headers, { text: async () => res.body.toString('utf8'), binary: async () => res.body, stream: () => null });
    },
  });
}
