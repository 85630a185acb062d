// Raw API requests with client-node's authentication (credentials and TLS settings of the current context) over a
// pooled keep-alive transport (transport.ts), for what the typed clients cannot express: generic lists by path (the
// informer), CRDs with wire-name schema keywords (`default`, `enum`, `x-kubernetes-*`, which the typed
// V1JSONSchemaProps drops), and any call that needs a specific content type. Responses are plain JSON — no
// ObjectSerializer, so timestamps stay strings everywhere.
import * as k8s from '@kubernetes/client-node';
import { ApiError } from './errors.js';
import { prepareRequest, send, USER_AGENT } from './transport.js';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. /apis/apps/v1/namespaces/ns/statefulsets. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialised unless already a string. */
  body?: unknown;
  /** Default application/json for bodies. */
  contentType?: string;
  signal?: AbortSignal;
  /** Abort after this long (default 30 s). */
  timeoutMs?: number;
}

export interface KubeResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: T;
}

/** Builds the URL of `path` on the current cluster (the server URL may carry a path prefix). */
export function apiUrl(kc: k8s.KubeConfig, path: string, query?: KubeRequest['query']): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** Sends one request; resolves for any HTTP status (see `kubeRequestOk` for the throwing variant). */
export async function kubeRequest<T = unknown>(kc: k8s.KubeConfig, req: KubeRequest): Promise<KubeResponse<T>> {
  const url = apiUrl(kc, req.path, req.query);
  const { headers: auth, pool, agent } = await prepareRequest(kc);
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...auth };
  let payload: string | undefined;
  if (req.body !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    payload = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  }
  const res = await send({ method: req.method, url, headers, ...(payload !== undefined ? { body: payload } : {}), ...(req.signal ? { signal: req.signal } : {}), timeoutMs: Math.max(1, Math.ceil(req.timeoutMs ?? 30_000)) }, agent, pool);
  const text = res.body.toString('utf8');
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, text, body: body as T };
}

/** Like kubeRequest, but a non-2xx answer throws an ApiError (code + the server's Status). */
export async function kubeRequestOk<T = unknown>(kc: k8s.KubeConfig, req: KubeRequest): Promise<T> {
  const res = await kubeRequest<T>(kc, req);
  if (res.status < 200 || res.status > 299) throw ApiError.fromResponse(res.status, res.text, `${req.method} ${req.path}`, res.headers);
  return res.body;
}

/** One pod, read as a list narrowed to its name: the `list` an informer's RBAC grants covers it, with no `get`. */
export async function listPodByName<T = unknown>(kc: k8s.KubeConfig, namespace: string, name: string, signal?: AbortSignal, timeoutMs?: number): Promise<T | undefined> {
  const l = await kubeRequestOk<{ items?: Array<T & { metadata?: { name?: string } }> }>(kc, { method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { fieldSelector: `metadata.name=${name}` }, ...(signal ? { signal } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  return l.items?.find((p) => p.metadata?.name === name);
}
