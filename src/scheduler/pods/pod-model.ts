// The pod scheduler's view of a Kubernetes pod, and what a pod asks of Mesos. Pure.
//
// A pod's demand, as the Kubernetes scheduler computes it (pkg/scheduler/framework: computePodResourceRequest):
//   max(Σ containers' requests, max init container's request) + spec.overhead
// where a container's request falls back to its limit (API defaulting sets requests = limits when only limits are
// given) and, when neither is set, to k8sm's defaults (0.25 cpu, 64 MB: mresource.DefaultDefaultContainer*Limit),
// because a Mesos task cannot run on zero resources. Host ports are the containers' non-zero hostPorts (for a
// hostNetwork pod the API server defaults hostPort = containerPort).
import { ceilMilli, parseQuantity } from './quantity.js';

/** Annotations and labels, as k8sm named them (pkg/scheduler/meta/annotations.go), plus the attempt. */
export const ANNOTATION_PREFIX = 'k8s.mesosphere.io/';
export const ANN_TASK_ID = 'k8s.mesosphere.io/taskId';
export const ANN_SLAVE_ID = 'k8s.mesosphere.io/slaveId';
export const ANN_EXECUTOR_ID = 'k8s.mesosphere.io/executorId';
export const ANN_OFFER_ID = 'k8s.mesosphere.io/offerId';
export const ANN_BINDING_HOST = 'k8s.mesosphere.io/bindingHost';
/** Which Mesos roles a pod may use (comma-separated), as k8sm's `k8s.mesosphere.io/roles`. */
export const ANN_ROLES = 'k8s.mesosphere.io/roles';
/** TaskInfo labels naming the pod. */
export const LABEL_POD_NAMESPACE = 'k8s.mesosphere.io/namespace';
export const LABEL_POD_NAME = 'k8s.mesosphere.io/name';
export const LABEL_POD_UID = 'k8s.mesosphere.io/uid';
export const LABEL_ATTEMPT = 'k8s.mesosphere.io/attempt';

/** k8sm's per-container defaults when a container requests nothing. */
export const DEFAULT_CONTAINER_CPUS = 0.25;
export const DEFAULT_CONTAINER_MEM_MB = 64;

export type Quantity = string | number;

export interface ContainerLike {
  name?: string;
  resources?: { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> };
  ports?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
}

/** Structurally compatible with client-node's V1Pod, both as listed (Date timestamps) and as watched (strings). */
export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
    deletionGracePeriodSeconds?: number;
  };
  spec?: {
    schedulerName?: string;
    nodeName?: string;
    restartPolicy?: string;
    hostNetwork?: boolean;
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    overhead?: Record<string, Quantity>;
  };
  status?: { phase?: string; reason?: string; message?: string };
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodRefFull {
  namespace: string;
  name: string;
  uid: string;
}

export interface Demand {
  /** Cores, rounded up to Mesos' 3 decimals. */
  cpus: number;
  /** MB (Mesos `mem`), rounded up to 3 decimals. */
  mem: number;
  /** Distinct host ports, ascending. */
  ports: number[];
  /** Roles the pod may use; undefined = any of the framework's roles. */
  roles?: string[];
}

export interface DemandResult {
  demand?: Demand;
  /** Why the pod cannot be turned into a demand (a malformed quantity). */
  error?: string;
}

function containerRequest(c: ContainerLike, name: 'cpu' | 'memory'): { value?: number; error?: string; set: boolean } {
  const raw = c.resources?.requests?.[name] ?? c.resources?.limits?.[name];
  if (raw === undefined) return { set: false };
  const v = parseQuantity(raw);
  if (v === undefined || v < 0) return { set: true, error: `container ${c.name ?? '?'}: ${name} quantity ${JSON.stringify(raw)} is not a valid Kubernetes quantity` };
  return { set: true, value: v };
}

/** The pod's cpu/mem/port demand on a Mesos agent (without the executor's own resources). */
export function podDemand(pod: PodLike): DemandResult {
  const spec = pod.spec ?? {};
  const sum = { cpu: 0, memory: 0 };
  for (const c of spec.containers ?? []) {
    for (const name of ['cpu', 'memory'] as const) {
      const r = containerRequest(c, name);
      if (r.error) return { error: r.error };
      sum[name] += r.set ? r.value! : name === 'cpu' ? DEFAULT_CONTAINER_CPUS : DEFAULT_CONTAINER_MEM_MB * 2 ** 20;
    }
  }
  // Init containers run one at a time before the others: the pod needs the largest of them, not their sum.
  for (const c of spec.initContainers ?? []) {
    for (const name of ['cpu', 'memory'] as const) {
      const r = containerRequest(c, name);
      if (r.error) return { error: r.error };
      if (r.set) sum[name] = Math.max(sum[name], r.value!);
    }
  }
  for (const name of ['cpu', 'memory'] as const) {
    const o = spec.overhead?.[name];
    if (o === undefined) continue;
    const v = parseQuantity(o);
    if (v === undefined || v < 0) return { error: `spec.overhead.${name} ${JSON.stringify(o)} is not a valid Kubernetes quantity` };
    sum[name] += v;
  }
  const ports = new Set<number>();
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      const hp = p.hostPort ?? (spec.hostNetwork ? p.containerPort : undefined);
      if (hp && hp > 0) ports.add(hp);
    }
  }
  const rolesAnn = pod.metadata?.annotations?.[ANN_ROLES];
  const roles = rolesAnn !== undefined ? [...new Set(rolesAnn.split(',').map((r) => r.trim()).filter(Boolean))] : undefined;
  return {
    demand: {
      cpus: ceilMilli(sum.cpu),
      mem: ceilMilli(sum.memory / 2 ** 20),
      ports: [...ports].sort((a, b) => a - b),
      ...(roles ? { roles } : {}),
    },
  };
}

export function restartPolicyOf(pod: PodLike): RestartPolicy {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

export function podRef(pod: PodLike): PodRefFull | undefined {
  const m = pod.metadata;
  if (!m?.name || !m.namespace || !m.uid) return undefined;
  return { namespace: m.namespace, name: m.name, uid: m.uid };
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function isDeleting(pod: PodLike): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

export function isTerminalPhase(pod: PodLike): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

export function creationMs(pod: PodLike): number {
  const t = pod.metadata?.creationTimestamp;
  if (t === undefined) return 0;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : 0;
}

/** Is this pod one this scheduler must place: names us and is not bound yet. */
export function isUnscheduledFor(pod: PodLike, schedulerName: string): boolean {
  return pod.spec?.schedulerName === schedulerName && !pod.spec?.nodeName;
}
