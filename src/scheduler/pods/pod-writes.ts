// The pod scheduler's writes to the Kubernetes API: bind, annotate, record a terminal phase, finish a deletion.
// Raw requests with client-node's auth and transport (src/kube/request.ts): plain JSON, exact content types, and
// every write guarded by the pod's uid, so a write meant for a deleted pod never lands on a new pod that reuses
// its name (the API server answers 409 "Precondition failed: UID in precondition").
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequestOk, listPodByName } from '../../kube/request.js';
import type { PodLike, PodRefFull } from './pod-model.js';

/** reportingController of the scheduler's Events about pods (`kubectl events` FROM column). */
export const SCHEDULER_REPORTING_CONTROLLER = 'k8sm.io/scheduler';

/** RFC 3339 to the second, as the API server writes condition times. */
const nowSeconds = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function podPath(ref: PodRefFull, sub?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}${sub ? `/${sub}` : ''}`;
}

/** Every write takes the leader term's signal: a term that ended aborts the writes it still has in flight (a late
 * Binding of an old term could otherwise land after the next leader placed the pod elsewhere). */
export interface PodWriter {
  bind(ref: PodRefFull, node: string, annotations: Record<string, string>, signal?: AbortSignal): Promise<void>;
  annotate(ref: PodRefFull, annotations: Record<string, string>, signal?: AbortSignal): Promise<void>;
  setTerminalStatus(ref: PodRefFull, phase: 'Failed' | 'Succeeded', reason: string, message: string, signal?: AbortSignal): Promise<void>;
  /** Deletes a pod whose tasks are all gone (grace 0), as its kubelet would. */
  finishDelete(ref: PodRefFull, signal?: AbortSignal): Promise<void>;
  /** PodScheduled=False, reason Unschedulable, with why — what kube-scheduler writes for a pod it cannot place
   * (`kubectl describe pod` shows it). The Binding sets PodScheduled=True. */
  markUnschedulable?(ref: PodRefFull, message: string, signal?: AbortSignal): Promise<void>;
}

/** Live reads of one pod, for what the (possibly stale) cache cannot be trusted with: before a KILL or a record
 * deletion because the pod is absent from the cache, and after a Binding answered 409. */
export interface PodReader {
  /** The pod named so (undefined: there is none); throws when the API server does not answer. */
  readPod(namespace: string, name: string, signal?: AbortSignal): Promise<PodLike | undefined>;
}

/** A live read is bounded well below a write's timeout: the answer only decides whether to act now or later. */
const READ_TIMEOUT_MS = 10_000;

export class KubePodWriter implements PodWriter, PodReader {
  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 30_000,
  ) {}

  /** A list narrowed to the name (a consistent read: no resourceVersion): the scheduler's RBAC has `list` on pods,
   * not `get`. */
  async readPod(namespace: string, name: string, signal?: AbortSignal): Promise<PodLike | undefined> {
    return await listPodByName<PodLike>(this.kc, namespace, name, signal, Math.min(this.timeoutMs, READ_TIMEOUT_MS));
  }

  /** POST pods/<name>/binding. The Binding's annotations are copied onto the pod by the API server (assignPod),
   * so the k8sm annotations and the node name land in one write. */
  async bind(ref: PodRefFull, node: string, annotations: Record<string, string>, signal?: AbortSignal): Promise<void> {
    await kubeRequestOk(this.kc, {
      method: 'POST',
      path: podPath(ref, 'binding'),
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid, annotations },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    });
  }

  /** Through pods/status, which keeps metadata changes (only spec, deletionTimestamp and ownerReferences are the
   * old object's): the scheduler needs no `patch` on pods — with it, it could rewrite any pod's containers. */
  async annotate(ref: PodRefFull, annotations: Record<string, string>, signal?: AbortSignal): Promise<void> {
    await this.patchStatus(ref, { annotations }, signal);
  }

  async setTerminalStatus(ref: PodRefFull, phase: 'Failed' | 'Succeeded', reason: string, message: string, signal?: AbortSignal): Promise<void> {
    await this.patchStatus(ref, { status: { phase, reason, message, conditions: [{ type: 'Ready', status: 'False', reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted', lastTransitionTime: nowSeconds() }] } }, signal);
  }

  async markUnschedulable(ref: PodRefFull, message: string, signal?: AbortSignal): Promise<void> {
    await this.patchStatus(ref, { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: nowSeconds(), lastProbeTime: null }] } }, signal);
  }

  /** A strategic-merge patch through pods/status (conditions merge by type; annotations by key), guarded by the
   * pod's uid. */
  private async patchStatus(ref: PodRefFull, patch: { status?: Record<string, unknown>; annotations?: Record<string, string> }, signal?: AbortSignal): Promise<void> {
    await kubeRequestOk(this.kc, {
      method: 'PATCH',
      path: podPath(ref, 'status'),
      contentType: 'application/strategic-merge-patch+json',
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
      body: { metadata: { uid: ref.uid, ...(patch.annotations ? { annotations: patch.annotations } : {}) }, ...(patch.status ? { status: patch.status } : {}) },
    });
  }

  async finishDelete(ref: PodRefFull, signal?: AbortSignal): Promise<void> {
    await kubeRequestOk(this.kc, {
      method: 'DELETE',
      path: podPath(ref),
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: ref.uid } },
    });
  }
}
