// The production transport of the Informer: paginated raw lists (plain JSON, the same auth and dispatcher as
// client-node's typed calls) and client-node's `Watch`, with its 2.0.1 private 30 s inactivity timer raised above
// our own watchdog (so one policy, ours, decides when a quiet watch is dead).
import * as k8s from '@kubernetes/client-node';
import { Informer, type InformerOptions, type InformerTransport, type KubeObject, type ListResult } from './informer.js';
import { kubeRequestOk } from './request.js';

export interface KubeInformerOptions<T> extends Omit<InformerOptions<T>, 'transport' | 'name'> {
  /** Collection path: /api/v1/pods, /api/v1/namespaces/ns/pods, /apis/k8sm.io/v1alpha1/schedulerhas, … */
  path: string;
  /** Default: the last path segment. */
  name?: string;
  /** Timeout of each list request (default 60 s). */
  listTimeoutMs?: number;
}

export function kubeTransport<T>(kc: k8s.KubeConfig, path: string, opts: { inactivityTimeoutMs?: number; listTimeoutMs?: number } = {}): InformerTransport<T> {
  const watch = new k8s.Watch(kc);
  const ours = opts.inactivityTimeoutMs ?? 90_000;
  const lib = watch as unknown as { requestTimeoutMs?: number };
  if (ours > 0 && typeof lib.requestTimeoutMs === 'number') lib.requestTimeoutMs = Math.max(lib.requestTimeoutMs, ours + 15_000);
  return {
    async list(q, signal) {
      const res = await kubeRequestOk<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(kc, {
        method: 'GET',
        path,
        query: { resourceVersion: q.resourceVersion, labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, limit: q.limit, continue: q.continue },
        signal,
        timeoutMs: opts.listTimeoutMs ?? 60_000,
      });
      const out: ListResult<T> = { items: res.items ?? [], resourceVersion: res.metadata?.resourceVersion ?? '' };
      if (res.metadata?.continue) out.continue = res.metadata.continue;
      return out;
    },
    async watch(q, onEvent, onDone) {
      const ctl = await watch.watch(path, { ...q }, (type, obj) => onEvent(type, obj), (err) => onDone(err ?? null));
      return { abort: () => ctl.abort() };
    },
  };
}

/** An Informer over `path` on the cluster of `kc`. Call `.start()`; `await .waitForSync()`. */
export function createInformer<T extends KubeObject = KubeObject>(kc: k8s.KubeConfig, opts: KubeInformerOptions<T>): Informer<T> {
  const { path, name, listTimeoutMs, ...rest } = opts;
  return new Informer<T>({
    ...rest,
    name: name ?? path.split('/').filter(Boolean).at(-1) ?? path,
    transport: kubeTransport<T>(kc, path, { ...(rest.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: rest.inactivityTimeoutMs } : {}), ...(listTimeoutMs !== undefined ? { listTimeoutMs } : {}) }),
  });
}
