// The "etcd keys and records" section of docs/reference.md. The key paths come from keyLayout(); the field
// tables are typed against the record interfaces (a field added to a record and not described here does not
// compile).
import { DEFAULT_ETCD_PREFIX, keyLayout, type KeyLayout } from '../api/keys.js';
import type { CandidateIdentity, ExecutorHashRecord, LeaderStatusRecord, ReconcilePhase, ReconcileProgress } from '../api/leader-status.js';
import type { FailoverRequestRecord } from '../operator/framework-watch.js';
import type { TaskRecord } from '../scheduler/task-record.js';
import { cell, code, table } from './markdown.js';

interface KeyDoc {
  /** The key's path as shown (under <root>). */
  show?: string;
  writer: string;
  what: string;
}

export const KEY_DOCS: Record<Exclude<keyof KeyLayout, 'root' | 'task'>, KeyDoc> = {
  electionPrefix: { show: 'election/<lease id, hex>', writer: 'each scheduler replica, on its own lease', what: 'One key per candidate, value = its [candidate identity](#candidate-identity). The lowest create revision leads; that revision is the term. Go `concurrency.Election` layout: `etcdctl elect --listen <root>/election` prints the leader.' },
  frameworkId: { writer: 'the leader (fenced; created only if absent); deleted by the leader after a confirmed reset, by the operator after a Teardown', what: 'The Mesos framework id, plain text. Never overwritten blindly.' },
  executorHash: { writer: 'the leader on SUBSCRIBED, when the stored hash is not its own (fenced)', what: 'The [executor-hash record](#executor-hash-record) of the last leader that subscribed; a replica with another hash refuses to lead unless that hash is sanctioned.' },
  desiredExecutorHash: { writer: 'the operator before it updates the StatefulSet; or a human (a bare 16-hex-digit hash is accepted)', what: 'The sanctioned executor-config hash: a replica with this hash may lead although the last leader ran another one.' },
  tasksPrefix: { show: 'tasks/<task id>', writer: 'the leader (fenced)', what: 'The task registry: one [task record](#task-record) per task, written (as TASK_INTENT) before the task is launched. An ended task\'s record is deleted `--task-retention` (1h) after its last update once its pod is gone or finished, or once it is not among the newest attempts of a pod that keeps restarting; an agent\'s newest launch stays up to a day longer when no task of ours is left there (it names the role and resources of our executor on that agent).' },
  leaderStatus: { writer: 'the leader (fenced, at most every second; attached to its lease, so it disappears with the leader)', what: 'The [leader-status record](#leader-status-record) the operator reads.' },
  failoverRequest: { writer: 'the operator, for a new k8sm.io/failover annotation value ([failover-request record](#failover-request-record)); or a human, any value', what: 'Any write after a leader was elected makes that leader resign (manual failover), except a record whose `from.term` names another term (meant for an earlier leader).' },
  resetFramework: { writer: 'a human', what: 'Permits registering a new framework: the removed framework id (after "Framework has been removed"), or `new` (after the framework id was lost with live tasks in the registry). The leader deletes it once acted upon. See operations: framework removed.' },
};

export const LEADER_STATUS_FIELDS: Record<keyof LeaderStatusRecord, string> = {
  version: 'Record format, 1.',
  term: "The create revision of the leader's election key.",
  leaseId: "The leader's etcd lease id (decimal).",
  identity: 'Candidate identity (--identity, default the pod name or host name).',
  incarnation: 'Unique per process start.',
  pod: 'Pod name ($POD_NAME), when in Kubernetes.',
  since: 'When this replica became leader.',
  frameworkId: 'The framework id it subscribed (or subscribes) with.',
  frameworkName: 'FrameworkInfo.name.',
  subscribedAt: 'Time of the last SUBSCRIBED.',
  masterUrl: 'The master it is subscribed to.',
  mesos: 'Its Mesos state, one of the [Mesos states](#mesos-states).',
  problem: 'Why it is `removed` or `refused`, or (while `subscribed`) that its etcd writes fail: `{reason, message}`; the message says what to do.',
  executorHash: 'Its executor-config hash.',
  reconciliation: 'Progress of its current or last reconciliation run ([below](#reconciliation-progress)).',
  tasks: 'Registry counts: `{total, byState}`.',
  incompatibleAgents: 'Agents whose offers it declined because they run an executor of this framework with another executor id, with counts.',
  timeToSubscribedSeconds: 'From election to SUBSCRIBED in this term.',
  updatedAt: 'When the record was written.',
};

export const MESOS_STATES: Record<LeaderStatusRecord['mesos'], string> = {
  subscribing: 'Loading the registry, or SUBSCRIBE sent and not answered yet (re-tried with back-off up to 15 s while no master answers).',
  subscribed: 'SUBSCRIBED: acting as the framework. problem.reason EtcdWriteFailed while its etcd writes fail (the framework id after SUBSCRIBED, or task updates, which then stay unacknowledged so Mesos re-sends them); it clears with the next successful write.',
  disconnected: 'The subscription was lost (master failover, heartbeats missed, connection closed): re-subscribing with the same framework id.',
  removed: 'Mesos answered "Framework has been removed": waiting for `<root>/reset-framework` (problem.reason FrameworkRemoved).',
  refused: 'Holding the leadership but not acting as the framework; problem.reason says why: FrameworkIdMissing (no stored framework id but live tasks in the registry: waiting for `<root>/reset-framework`), SubscribeRejected (the master refused SUBSCRIBE: tried again every 30 s), FrameworkIdMismatch (the master answered with another framework id: the leader keeps the leadership without acting and subscribes again as soon as `<root>/frameworkid` is written).',
};

export const RECONCILE_FIELDS: Record<keyof ReconcileProgress, string> = {
  phase: 'One of the phases below.',
  run: 'Run number in this term (a run starts on every SUBSCRIBED, and for stragglers on the periodic tick).',
  startedAt: 'When the run started.',
  completedAt: 'When it ended.',
  total: 'Tasks the explicit phase asked about (every live registry task at SUBSCRIBED).',
  remaining: 'Tasks not heard from since the run started.',
  requests: 'RECONCILE calls sent in the run (re-sends included).',
  durationSeconds: 'Duration of the run.',
};

export const RECONCILE_PHASES: Record<ReconcilePhase, string> = {
  idle: 'No run yet in this term.',
  explicit: 'Asking Mesos about each live task, re-sending with truncated exponential back-off (--reconcile-initial-backoff, --reconcile-max-backoff) for tasks not heard from.',
  implicit: 'One implicit RECONCILE (Mesos reports every task it knows for the framework; unknown ones are killed).',
  complete: 'Every task was heard from (TasksReconciled=True).',
  'timed-out': 'The explicit phase hit --reconcile-timeout with tasks still silent; they are asked again on the next periodic tick.',
  cancelled: 'A new SUBSCRIBED (or the end of the term) cancelled the run.',
};

export const CANDIDATE_FIELDS: Record<keyof CandidateIdentity, string> = {
  id: 'Stable name: --identity, else $POD_NAME, else the host name.',
  incarnation: 'A UUID per process start, so two incarnations never share an identity.',
  host: 'Host name.',
  pod: '$POD_NAME, when set.',
  namespace: "$POD_NAMESPACE, with `pod`: the operator acts on (revokes the lease of, tears down for) only its own resource's pods.",
  executorHash: "The replica's executor-config hash.",
  url: 'http://address:port of its /healthz, /readyz, /status and /metrics.',
};

export const EXECUTOR_HASH_FIELDS: Record<keyof ExecutorHashRecord, string> = {
  hash: 'The executor-config hash (16 hex digits).',
  inputs: 'The `name=value` lines it was computed from (a refusing replica names the differences).',
  term: 'The term of the leader that wrote it (executor-hash).',
  by: 'Who wrote it: the replica identity, or `schedulerha-operator <namespace>/<name> generation <n>`.',
  at: 'When.',
};

export const FAILOVER_REQUEST_FIELDS: Record<keyof FailoverRequestRecord, string> = {
  annotation: 'The k8sm.io/failover value that caused it (the operator writes one request per new value).',
  at: 'When.',
  by: '`schedulerha-operator/<operator identity>`.',
  from: 'The leader asked to resign: `{term, pod, id}`. A leader of another term ignores the request.',
};

export const TASK_RECORD_FIELDS: Record<keyof TaskRecord, string> = {
  id: 'Mesos task id (`pod.<pod uid>.<attempt>` for pods).',
  agentId: 'The agent it was launched on.',
  executorId: 'Its executor id (`<executor hash>_k8sm-executor`).',
  hostname: "The agent's host name (the pod's node).",
  state: 'TASK_INTENT (written before ACCEPT, so a launch is never unknown to the next leader) or the last Mesos task state.',
  reason: 'Mesos reason of the last update.',
  message: 'Mesos message of the last update.',
  source: 'Mesos source of the last update.',
  healthy: 'Mesos health, when reported.',
  pod: 'The pod it runs: `{namespace, name, uid}`.',
  attempt: 'Launch attempt of the pod.',
  resources: 'Resources requested at launch: `{cpus, mem, ports}`.',
  createdAt: 'When the record was created.',
  updatedAt: 'When it last changed.',
  term: 'The term of the leader that last wrote it.',
};

function fieldTable(fields: Record<string, string>, header = 'Field'): string[] {
  return table([header, 'Description'], Object.entries(fields).map(([k, v]) => [code(k), cell(v)]));
}

export function renderEtcdSection(): string[] {
  const root = keyLayout(DEFAULT_ETCD_PREFIX, 'Kubernetes').root;
  const keys = keyLayout(DEFAULT_ETCD_PREFIX, 'Kubernetes');
  const out: string[] = [];
  out.push('## etcd keys and records');
  out.push('');
  out.push(`Everything of one framework lives under \`<root>\` = \`<spec.etcd.prefix>/<spec.flags.frameworkName>\` (default ${code(root)}). "Fenced" writes are transactions guarded by the writer's term: a deposed leader's write fails, and the failure ends its term. Read a record with \`etcdctl get --print-value-only ${keys.leaderStatus}\`.`);
  out.push('');
  out.push(
    ...table(
      ['Key', 'Written by', 'What'],
      (Object.entries(KEY_DOCS) as Array<[Exclude<keyof KeyLayout, 'root' | 'task'>, KeyDoc]>).map(([k, d]) => {
        const full = keys[k];
        const rel = d.show ?? full.slice(root.length + 1);
        return [code(`<root>/${rel}`), cell(d.writer), cell(d.what)];
      }),
    ),
  );
  out.push('');
  out.push('### Leader-status record');
  out.push('');
  out.push(`JSON at ${code('<root>/leader-status')}; readers accept unknown fields.`);
  out.push('');
  out.push(...fieldTable(LEADER_STATUS_FIELDS));
  out.push('');
  out.push('#### Mesos states');
  out.push('');
  out.push(...fieldTable(MESOS_STATES, 'State'));
  out.push('');
  out.push('#### Reconciliation progress');
  out.push('');
  out.push(...fieldTable(RECONCILE_FIELDS));
  out.push('');
  out.push('Phases:');
  out.push('');
  out.push(...fieldTable(RECONCILE_PHASES, 'Phase'));
  out.push('');
  out.push('### Candidate identity');
  out.push('');
  out.push(...fieldTable(CANDIDATE_FIELDS));
  out.push('');
  out.push('### Executor-hash record');
  out.push('');
  out.push('JSON at `<root>/executor-hash` and `<root>/desired-executor-hash`.');
  out.push('');
  out.push(...fieldTable(EXECUTOR_HASH_FIELDS));
  out.push('');
  out.push('### Failover-request record');
  out.push('');
  out.push(...fieldTable(FAILOVER_REQUEST_FIELDS));
  out.push('');
  out.push('### Task record');
  out.push('');
  out.push(...fieldTable(TASK_RECORD_FIELDS));
  out.push('');
  return out;
}
