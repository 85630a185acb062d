// The TaskInfo that runs one pod attempt on a Mesos agent, and the registry record written for it before ACCEPT.
// Pure.
//
// - task_id: `pod.<uid>.<attempt>` (task-id.ts).
// - name: `<pod>.<namespace>.pod`, as k8sm named pod tasks.
// - resources: exactly what the matcher took from the offer (role / reservations / allocation_info copied).
// - executor: the kubelet-executor ExecutorInfo (framework.ts `executorInfo`), byte-identical for every task of
//   one executor-config hash, so tasks on an agent share its executor (Mesos rejects a different ExecutorInfo under
//   the same ExecutorID with TASK_ERROR / REASON_TASK_INVALID).
// - labels: the pod's namespace, name and uid, and the attempt.
// - data: the pod (apiVersion, kind, metadata, spec) as JSON, for the executor to run — as k8sm's task data.
import type { ExecutorInfo, Resource, TaskInfo } from '../../mesos/types.js';
import type { TaskRecord } from '../task-record.js';
import { LABEL_ATTEMPT, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type PodLike, type PodRefFull } from './pod-model.js';

/** A registry record of a pod task: TaskRecord plus the allocation role (an agent's executor serves one role). */
export interface PodTaskRecord extends TaskRecord {
  role?: string;
  offerIds?: string[];
  /** The ExecutorInfo resources on this agent when they are not the default ones (taken from resources reserved
   * for the role): every launch there must repeat them while that executor runs. */
  executorResources?: Resource[];
}

export function taskName(ref: PodRefFull): string {
  return `${ref.name}.${ref.namespace}.pod`;
}

/** The pod as the executor needs it: identity, labels, annotations and spec; status and managed fields dropped. */
export function podTaskData(pod: PodLike, extraAnnotations: Record<string, string> = {}): string {
  const m = pod.metadata ?? {};
  const doc = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      ...(m.labels ? { labels: m.labels } : {}),
      annotations: { ...(m.annotations ?? {}), ...extraAnnotations },
    },
    spec: pod.spec ?? {},
  };
  return Buffer.from(JSON.stringify(doc), 'utf8').toString('base64');
}

export interface TaskInfoInput {
  ref: PodRefFull;
  taskId: string;
  attempt: number;
  agentId: string;
  resources: Resource[];
  executor: ExecutorInfo;
  /** Base64 task data (podTaskData); omitted when undefined. */
  data?: string;
}

export function buildTaskInfo(i: TaskInfoInput): TaskInfo {
  return {
    name: taskName(i.ref),
    task_id: { value: i.taskId },
    agent_id: { value: i.agentId },
    resources: i.resources,
    executor: i.executor,
    ...(i.data !== undefined ? { data: i.data } : {}),
    labels: {
      labels: [
        { key: LABEL_POD_NAMESPACE, value: i.ref.namespace },
        { key: LABEL_POD_NAME, value: i.ref.name },
        { key: LABEL_POD_UID, value: i.ref.uid },
        { key: LABEL_ATTEMPT, value: String(i.attempt) },
      ],
    },
  };
}

export interface IntentInput {
  ref: PodRefFull;
  taskId: string;
  attempt: number;
  agentId: string;
  hostname: string;
  executorId: string;
  role: string;
  offerIds: string[];
  taken: { cpus: number; mem: number; ports: number[] };
  now: Date;
  term: string;
  executorResources?: Resource[];
}

/** The write-ahead record: state TASK_INTENT, written (fenced) before the ACCEPT that launches the task. */
export function intentRecord(i: IntentInput): PodTaskRecord {
  const at = i.now.toISOString();
  return {
    id: i.taskId,
    agentId: i.agentId,
    executorId: i.executorId,
    hostname: i.hostname,
    state: 'TASK_INTENT',
    pod: { namespace: i.ref.namespace, name: i.ref.name, uid: i.ref.uid },
    attempt: i.attempt,
    resources: { cpus: i.taken.cpus, mem: i.taken.mem, ports: [...i.taken.ports] },
    role: i.role,
    offerIds: [...i.offerIds],
    ...(i.executorResources ? { executorResources: i.executorResources.map((r) => ({ ...r })) } : {}),
    createdAt: at,
    updatedAt: at,
    term: i.term,
  };
}
