// Minimal HTTP plumbing over node:http/https for the Mesos clients: exact headers (fetch would add its own),
// chosen agents (one for the subscription stream, a keep-alive one for calls), hard timeouts, and abort that
// destroys the request at once. Also the redirect rule: a 307 `Location` is often protocol-relative
// (`//host:port/path`) and is resolved against the URL (and so the scheme) the request used.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ClientRequest, IncomingHttpHeaders } from 'node:http';

export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
}

export interface Credentials {
  principal: string;
  secret: string;
}

export function basicAuthHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.principal}:${c.secret}`, 'utf8').toString('base64')}`;
}

/** Resolves a `Location` header against the request URL: `//h:p/x` keeps the scheme used. */
export function resolveLocation(location: string, requestUrl: URL | string): URL {
  const from = typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl;
  const to = new URL(location, from);
  // Masters redirect to the leader protocol-relative (`//host:port/...`), which keeps the scheme. An https master
  // pointing at plain http would have the credentials (Basic auth) follow in clear text.
  if (from.protocol === 'https:' && to.protocol !== 'https:') throw new Error(`refusing to follow a redirect from ${baseUrlOf(from)} (https) to ${baseUrlOf(to)}: it would send the request, credentials included, unencrypted`);
  return to;
}

/** `http://host:port` of a URL. */
export function baseUrlOf(u: URL | string): string {
  const url = typeof u === 'string' ? new URL(u) : u;
  return `${url.protocol}//${url.host}`;
}

export type RequestFailure = 'timeout' | 'aborted' | 'network';

export class HttpRequestError extends Error {
  constructor(
    readonly kind: RequestFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpRequestError';
  }
  /** Node's error code (ECONNREFUSED, ECONNRESET, ...) for network failures. */
  get code(): string | undefined {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

export interface StartRequestOptions {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
  agent?: http.Agent | false;
  /** Destroys the request if no response headers arrived within this time. */
  headersTimeoutMs: number;
  signal?: AbortSignal;
  tls?: TlsOptions;
}

export interface StartedResponse {
  req: ClientRequest;
  res: IncomingMessage;
}

/** Sends a request and resolves when the response headers arrive. The body is left to the caller, who must
 * consume or destroy `res`. Rejects with HttpRequestError('timeout' | 'aborted' | 'network'). */
export function startRequest(o: StartRequestOptions): Promise<StartedResponse> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new HttpRequestError('aborted', `${o.method} ${o.url.href} aborted before it was sent`));
      return;
    }
    const isHttps = o.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
    const headers: Record<string, string> = { ...o.headers };
    if (body) headers['Content-Length'] = String(body.length);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const req = mod.request(o.url, {
      method: o.method,
      headers,
      agent: o.agent,
      ...(isHttps && o.tls ? o.tls : {}),
    });
    const fail = (err: HttpRequestError) => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy(err);
      reject(err);
    };
    const onAbort = () => fail(new HttpRequestError('aborted', `${o.method} ${o.url.href} aborted`));
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => fail(new HttpRequestError('timeout', `${o.method} ${o.url.href}: no response within ${o.headersTimeoutMs} ms`)), o.headersTimeoutMs);
    req.on('error', (err) => {
      if (settled) return;
      fail(new HttpRequestError('network', `${o.method} ${o.url.href}: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      cleanup();
      resolve({ req, res });
    });
    req.end(body);
  });
}

export interface FullResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions extends Omit<StartRequestOptions, 'headersTimeoutMs'> {
  /** Bound on the whole exchange, body included. */
  timeoutMs: number;
  /** Refuse bodies larger than this (default 256 MiB). */
  maxBodyBytes?: number;
}

/** A complete request/response with one overall timeout. */
export async function request(o: RequestOptions): Promise<FullResponse> {
  const started = Date.now();
  const { req, res } = await startRequest({ ...o, headersTimeoutMs: o.timeoutMs });
  const remaining = Math.max(1, o.timeoutMs - (Date.now() - started));
  const max = o.maxBodyBytes ?? 256 * 1024 * 1024;
  return await new Promise<FullResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) {
        res.destroy();
        req.destroy();
        reject(err);
      } else {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) });
      }
    };
    const onAbort = () => finish(new HttpRequestError('aborted', `${o.method} ${o.url.href} aborted`));
    const timer = setTimeout(() => finish(new HttpRequestError('timeout', `${o.method} ${o.url.href}: response body not complete within ${o.timeoutMs} ms`)), remaining);
    if (o.signal?.aborted) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        finish(new HttpRequestError('network', `${o.method} ${o.url.href}: response body exceeds ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => finish());
    res.on('error', (err) => finish(new HttpRequestError('network', `${o.method} ${o.url.href}: ${err.message}`, { cause: err })));
    res.on('close', () => {
      if (!res.complete) finish(new HttpRequestError('network', `${o.method} ${o.url.href}: connection closed mid-response`));
    });
  });
}

/** Drains and discards a response body we do not need (so keep-alive sockets are reused). */
export function drain(res: IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

export function createAgent(isHttps: boolean, keepAlive: boolean, maxSockets: number, tls?: TlsOptions): http.Agent {
  return isHttps ? new https.Agent({ keepAlive, maxSockets, ...(tls ?? {}) }) : new http.Agent({ keepAlive, maxSockets });
}
