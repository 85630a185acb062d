// The etcd client factory used by the scheduler replicas and the operator alike.
//
// etcd3 1.1.2 defaults are unsafe for an election (operator-and-etcd-clients.md §2.1): unary calls have no
// deadline (a grant or revoke hangs through a partition), the per-host circuit breaker stays open 5 s after
// three failures (delaying recovery after an etcd restart), watch reconnects back off up to 30 s, and grpc-js
// subchannels back off up to 120 s. This factory sets a deadline on every unary call, a short reconnect
// backoff, gRPC keepalive pings (so a silently dead connection is noticed), a retry across endpoints for
// connection-level errors only, and a per-endpoint breaker only when there is another endpoint to fail over to.
import { readFileSync } from 'node:fs';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { ElectionConfigError } from './errors.js';

export interface EtcdTlsFiles {
  /** PEM CA bundle that signed the etcd server certificates. Default: the system roots. */
  caFile?: string;
  /** PEM client certificate (etcd --client-cert-auth). Needs keyFile. */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
}

export interface EtcdClientOptions {
  /** etcd client URLs: an array, or one comma-separated string ("https://etcd-0:2379,https://etcd-1:2379").
   * A bare "host:port" gets https:// when TLS is configured, http:// otherwise. */
  endpoints: string[] | string;
  tls?: EtcdTlsFiles;
  /** etcd user/password auth (etcd --auth; `etcdctl user add`). */
  auth?: { username: string; password: string };
  /** Deadline of each unary call attempt in ms (default 5000). Streams (watch, keepalive) have none. */
  callTimeoutMs?: number;
  /** Attempts of a unary call that fails at the connection level (unavailable, deadline, reset), each on the
   * next endpoint. Default: the number of endpoints. Application errors are never retried. */
  maxAttempts?: number;
  /** Consecutive connection-level failures that take an endpoint out of rotation (only with ≥ 2 endpoints). */
  breakerThreshold?: number;
  /** How long an endpoint stays out of rotation (default 1000 ms). */
  breakerOpenMs?: number;
  /** gRPC keepalive ping period (default 10000 ms; etcd rejects pings more often than every 5 s). */
  grpcKeepaliveMs?: number;
  /** Time to wait for a ping answer before the connection is declared dead (default 5000 ms). */
  grpcKeepaliveTimeoutMs?: number;
  /** Cap of the watch-stream reconnect backoff (default 1000 ms). */
  watchReconnectMaxMs?: number;
}

export interface ResolvedEtcdClientOptions {
  endpoints: string[];
  secure: boolean;
  tls: EtcdTlsFiles | undefined;
  auth: { username: string; password: string } | undefined;
  callTimeoutMs: number;
  maxAttempts: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  grpcKeepaliveMs: number;
  grpcKeepaliveTimeoutMs: number;
  watchReconnectMaxMs: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** Splits, trims and validates endpoint URLs. Pure. */
export function normalizeEtcdEndpoints(input: string[] | string, secureDefault = false): string[] {
  const raw = (Array.isArray(input) ? input : [input]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (raw.length === 0) throw new ElectionConfigError('no etcd endpoints given; pass at least one, e.g. http://127.0.0.1:2379');
  const out: string[] = [];
  for (const e of raw) {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `${secureDefault ? 'https' : 'http'}://${e}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new ElectionConfigError(`etcd endpoint "${e}" is not a URL; use scheme://host:port, e.g. https://etcd-0:2379`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ElectionConfigError(`etcd endpoint "${e}" has scheme ${url.protocol.replace(':', '')}; only http and https are supported (unix sockets are not)`);
    }
    if (!url.port) throw new ElectionConfigError(`etcd endpoint "${e}" has no port; etcd's client port is usually 2379`);
    if (url.pathname !== '/' && url.pathname !== '') throw new ElectionConfigError(`etcd endpoint "${e}" has a path; give only scheme://host:port`);
    if (url.username || url.password) throw new ElectionConfigError(`etcd endpoint "${e}" carries credentials; use the auth option (username/password) instead`);
    out.push(`${url.protocol}//${url.host}`);
  }
  const secure = out.filter((u) => u.startsWith('https:')).length;
  if (secure !== 0 && secure !== out.length) {
    throw new ElectionConfigError(`etcd endpoints mix http and https (${out.join(', ')}); use one scheme for all of them`);
  }
  return [...new Set(out)];
}

function positive(name: string, v: number | undefined, def: number, min: number): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min) throw new ElectionConfigError(`${name} must be a number ≥ ${min}; got ${String(v)}`);
  return x;
}

/** Validates client options and fills defaults. Pure (does not read the TLS files). */
export function resolveEtcdClientOptions(opts: EtcdClientOptions): ResolvedEtcdClientOptions {
  const tls = opts.tls && (opts.tls.caFile || opts.tls.certFile || opts.tls.keyFile) ? opts.tls : undefined;
  const endpoints = normalizeEtcdEndpoints(opts.endpoints, !!tls);
  const secure = endpoints[0]!.startsWith('https:');
  if (tls && !secure) {
    throw new ElectionConfigError(`TLS files are configured but the etcd endpoints use http (${endpoints.join(', ')}); use https:// endpoints`);
  }
  if (tls && !!tls.certFile !== !!tls.keyFile) {
    throw new ElectionConfigError('an etcd client certificate needs both certFile and keyFile');
  }
  if (opts.auth) {
    if (!opts.auth.username) throw new ElectionConfigError('etcd auth needs a non-empty username');
    if (typeof opts.auth.password !== 'string') throw new ElectionConfigError('etcd auth needs a password');
  }
  const grpcKeepaliveMs = positive('grpcKeepaliveMs', opts.grpcKeepaliveMs, 10_000, 5000);
  return {
    endpoints,
    secure,
    tls,
    auth: opts.auth ? { username: opts.auth.username, password: opts.auth.password } : undefined,
    callTimeoutMs: positive('callTimeoutMs', opts.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS, 50),
    maxAttempts: Math.floor(positive('maxAttempts', opts.maxAttempts, endpoints.length, 1)),
    breakerThreshold: Math.floor(positive('breakerThreshold', opts.breakerThreshold, 3, 1)),
    breakerOpenMs: positive('breakerOpenMs', opts.breakerOpenMs, 1000, 0),
    grpcKeepaliveMs,
    grpcKeepaliveTimeoutMs: positive('grpcKeepaliveTimeoutMs', opts.grpcKeepaliveTimeoutMs, 5000, 100),
    watchReconnectMaxMs: positive('watchReconnectMaxMs', opts.watchReconnectMaxMs, 1000, 10),
  };
}

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type PolicyLike = NonNullable<FaultHandling['global']>;
type BackoffLike = NonNullable<FaultHandling['watchBackoff']>;

const noEvent = (): { dispose(): void } => ({ dispose() {} });

/** Raised (instead of calling) while an endpoint is out of rotation; not "recoverable", so etcd3 moves on to
 * the next endpoint without resetting this one's channels again. */
export class EtcdEndpointUnavailableError extends Error {
  constructor(host: string, untilMs: number) {
    super(`etcd endpoint ${host} is out of rotation for ${Math.max(0, Math.round(untilMs))} ms after repeated connection failures`);
    this.name = 'EtcdEndpointUnavailableError';
  }
}

function makePolicy(execute: (fn: (ctx: { signal: AbortSignal }) => unknown) => Promise<unknown>): PolicyLike {
  return { onSuccess: noEvent, onFailure: noEvent, execute } as unknown as PolicyLike;
}

function retryAcrossEndpoints(maxAttempts: number): PolicyLike {
  return makePolicy(async (fn) => {
    const signal = new AbortController().signal;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn({ signal });
      } catch (err) {
        if (attempt >= maxAttempts || !(err instanceof Error) || !isRecoverableError(err)) throw err;
      }
    }
  });
}

function endpointBreaker(host: string, threshold: number, openMs: number): PolicyLike {
  let failures = 0;
  let openUntil = 0;
  return makePolicy(async (fn) => {
    const now = performance.now();
    if (now < openUntil) throw new EtcdEndpointUnavailableError(host, openUntil - now);
    try {
      const v = await fn({ signal: new AbortController().signal });
      failures = 0;
      return v;
    } catch (err) {
      if (err instanceof Error && isRecoverableError(err)) {
        failures++;
        if (failures >= threshold) {
          failures = 0;
          openUntil = performance.now() + openMs;
        }
      }
      throw err;
    }
  });
}

const passThrough: PolicyLike = makePolicy(async (fn) => await fn({ signal: new AbortController().signal }));

/** Capped exponential backoff with jitter for etcd3's watch reconnects (cockatiel's IBackoff shape). */
function watchBackoff(maxMs: number, initialMs = 50, attempt = 0): BackoffLike {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  const duration = Math.round(base / 2 + (Math.random() * base) / 2);
  return { duration, next: () => watchBackoff(maxMs, initialMs, Math.min(attempt + 1, 30)) } as unknown as BackoffLike;
}

function readPem(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ElectionConfigError(`cannot read the etcd ${what} file ${file}: ${(err as Error).message}`);
  }
}

const clientInfo = new WeakMap<Etcd3, ResolvedEtcdClientOptions>();

/** Builds the etcd3 options for resolved settings (reads the TLS files). */
export function buildEtcd3Options(r: ResolvedEtcdClientOptions): IOptions {
  const options: IOptions = {
    hosts: r.endpoints,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + r.callTimeoutMs }),
    faultHandling: {
      global: retryAcrossEndpoints(r.maxAttempts),
      host: (h) => (r.endpoints.length > 1 ? endpointBreaker(h, r.breakerThreshold, r.breakerOpenMs) : passThrough),
      watchBackoff: watchBackoff(r.watchReconnectMaxMs),
    },
    grpcOptions: {
      'grpc.keepalive_time_ms': r.grpcKeepaliveMs,
      'grpc.keepalive_timeout_ms': r.grpcKeepaliveTimeoutMs,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // Each client owns its connections: a test's ground-truth client never shares a socket with a
      // candidate's, and one client's reconnect backoff never delays another's.
      'grpc.use_local_subchannel_pool': 1,
    },
  };
  if (r.tls) {
    options.credentials = {
      rootCertificate: r.tls.caFile ? readPem('CA', r.tls.caFile) : (undefined as unknown as Buffer),
      ...(r.tls.certFile ? { certChain: readPem('client certificate', r.tls.certFile) } : {}),
      ...(r.tls.keyFile ? { privateKey: readPem('client key', r.tls.keyFile) } : {}),
    };
  }
  if (r.auth) {
    options.auth = {
      username: r.auth.username,
      password: r.auth.password,
      callOptions: () => ({ deadline: Date.now() + r.callTimeoutMs }),
    };
  }
  return options;
}

/** An etcd3 client with deadlines and sane fault handling. Close it with `client.close()`. */
export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  const resolved = resolveEtcdClientOptions(opts);
  const client = new Etcd3(buildEtcd3Options(resolved));
  clientInfo.set(client, resolved);
  return client;
}

/** The unary-call deadline a client was built with (DEFAULT_CALL_TIMEOUT_MS for clients built elsewhere). */
export function clientCallTimeoutMs(client: Etcd3): number {
  return clientInfo.get(client)?.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
}

/** The endpoints a client was built with (for logs and status). */
export function clientEndpoints(client: Etcd3): string[] {
  return clientInfo.get(client)?.endpoints ?? [];
}

/** grpc CallOptions with a deadline `ms` from now. */
export function deadlineIn(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}
