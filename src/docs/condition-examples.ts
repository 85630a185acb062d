// Observations that produce each condition reason (src/operator/condition-reasons.ts). Plain data around one
// healthy observation; the messages shown in docs/reference.md are what evaluateConditions makes of them, and
// test/unit/operator-conditions.test.ts checks that each example yields its reason with the documented status and
// that every documented reason has an example.
import { keyLayout } from '../api/keys.js';
import type { LeaderStatusRecord } from '../api/leader-status.js';
import { validateSchedulerHA } from '../api/validate.js';
import { applySpecExample } from '../api/validation-examples.js';
import type { ConditionInput, ConditionType, PodView, StatefulSetView } from '../operator/conditions.js';
import type { CandidateInfo, FrameworkSnapshot } from '../operator/framework-watch.js';
import { judgeEtcdMove } from '../operator/etcd-move.js';
import { claimOf, judgeClaim } from '../operator/framework-claims.js';
import type { MesosObservation } from '../operator/mesos-pool.js';
import { decideAfterRemoval, decideExecutorHash, decideFrameworkId } from '../scheduler/takeover.js';

export const EXAMPLE_NOW = Date.parse('2025-01-06T12:00:00Z');
export const EXAMPLE_HASH = '3f9c2a7d41e0b8c6';
export const EXAMPLE_OLD_HASH = '8a1d5e0c9b7f2346';
export const EXAMPLE_FRAMEWORK_ID = '5f1e6c0a-93b2-4d1e-8f4a-1c2b3d4e5f60-0000';
const KEYS = keyLayout('/k8sm', 'Kubernetes');
const MASTER = 'http://master-1:5050';

function etcdMoveHeld(): string {
  const j = judgeEtcdMove({
    deployed: { endpoints: ['https://etcd-0.etcd:2379', 'https://etcd-1.etcd:2379'], clusterId: '14841639068965178418', frameworkId: EXAMPLE_FRAMEWORK_ID },
    desired: { endpoints: ['https://etcd-new:2379'], clusterId: '9372538179322589801' },
    podsRunning: 2,
    root: KEYS.root,
  });
  return j.action === 'hold' ? j.message : '';
}

function candidate(pod: string, createRevision: string, hash = EXAMPLE_HASH, namespace = 'mesos'): CandidateInfo {
  const leaseIdHex = `694d8a${createRevision.padStart(10, '0')}`;
  const identity = { id: pod, incarnation: `inc-${namespace}-${pod}`, host: pod, pod, namespace, executorHash: hash };
  return { key: `${KEYS.electionPrefix}/${leaseIdHex}`, createRevision, modRevision: createRevision, leaseId: BigInt(`0x${leaseIdHex}`).toString(), leaseIdHex, identity, raw: JSON.stringify(identity) };
}

function leaderStatus(over: Partial<LeaderStatusRecord> = {}): LeaderStatusRecord {
  return {
    version: 1,
    term: '1042',
    leaseId: '',
    identity: 'k8sm-0',
    incarnation: 'inc-mesos-k8sm-0',
    pod: 'k8sm-0',
    since: new Date(EXAMPLE_NOW - 3_600_000).toISOString(),
    frameworkId: EXAMPLE_FRAMEWORK_ID,
    frameworkName: 'Kubernetes',
    subscribedAt: new Date(EXAMPLE_NOW - 3_599_000).toISOString(),
    masterUrl: MASTER,
    mesos: 'subscribed',
    executorHash: EXAMPLE_HASH,
    reconciliation: { phase: 'complete', run: 1, total: 240, remaining: 0, requests: 2, durationSeconds: 1.8 },
    tasks: { total: 240, byState: { TASK_RUNNING: 240 } },
    updatedAt: new Date(EXAMPLE_NOW - 1000).toISOString(),
    ...over,
  };
}

function snapshot(over: Partial<FrameworkSnapshot> = {}): FrameworkSnapshot {
  const a = candidate('k8sm-0', '1042');
  const b = candidate('k8sm-1', '1057');
  return {
    state: 'ok',
    revision: '2000',
    candidates: [a, b],
    leader: { ...a, since: EXAMPLE_NOW - 3_600_000 },
    leaderStatus: leaderStatus(),
    frameworkId: EXAMPLE_FRAMEWORK_ID,
    executorHash: { hash: EXAMPLE_HASH, term: '1042', at: '' },
    desiredExecutorHash: { hash: EXAMPLE_HASH, at: '' },
    transitions: [],
    ...over,
  };
}

function mesos(over: Partial<MesosObservation> = {}): MesosObservation {
  return {
    state: 'ok',
    masterUrl: MASTER,
    framework: { id: EXAMPLE_FRAMEWORK_ID, name: 'Kubernetes', connected: true, active: true, recovered: false },
    zombies: [],
    tasks: { total: 240, byState: { TASK_RUNNING: 240 } },
    fetchedAt: EXAMPLE_NOW,
    ...over,
  };
}

function sts(over: Partial<StatefulSetView> = {}): StatefulSetView {
  return { generation: 3, observedGeneration: 3, specReplicas: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'k8sm-6d9f7c', updateRevision: 'k8sm-6d9f7c', ...over };
}

function pod(name: string, over: Partial<PodView> = {}): PodView {
  return { name, uid: `uid-${name}`, ready: true, phase: 'Running', deleting: false, container: 'running', restartCount: 0, executorHash: EXAMPLE_HASH, ...over };
}

/** Everything healthy: every condition has its good value. */
export function healthyInput(over: Partial<ConditionInput> = {}): ConditionInput {
  return {
    generation: 7,
    now: EXAMPLE_NOW,
    replicas: 2,
    validation: validateSchedulerHA(applySpecExample({})),
    desiredExecutorHash: EXAMPLE_HASH,
    sts: sts(),
    pods: [pod('k8sm-0'), pod('k8sm-1')],
    etcd: snapshot(),
    mesos: mesos(),
    owner: { namespace: 'mesos', name: 'k8sm' },
    ...over,
  };
}

export interface ConditionExample {
  type: ConditionType;
  reason: string;
  /** What the observation is. */
  situation: string;
  input: ConditionInput;
}

const removedMessage = decideAfterRemoval(EXAMPLE_FRAMEWORK_ID, 240, { value: undefined, writtenAfterRemoval: false }, KEYS).message;
const idMissing = decideFrameworkId(undefined, 240, KEYS);
const idMissingMessage = idMissing.action === 'refuse' ? idMissing.message : '';
const hashRefusal = decideExecutorHash({ hash: EXAMPLE_HASH, inputs: ['km-path=hdfs:///km', 'kubelet-sync-frequency=20s'] }, { hash: EXAMPLE_OLD_HASH, inputs: ['km-path=hdfs:///km'], term: '1042', at: '' }, undefined, KEYS);
const unknownEtcd = { etcd: snapshot({ state: 'unknown', error: 'disconnected' }) };
const noLeader = snapshot({ candidates: [], leader: undefined, leaderStatus: undefined });
const oldLeader = snapshot({ leaderStatus: leaderStatus({ executorHash: EXAMPLE_OLD_HASH }), candidates: [candidate('k8sm-0', '1042', EXAMPLE_OLD_HASH), candidate('k8sm-1', '1057')], executorHash: { hash: EXAMPLE_OLD_HASH, term: '1042', at: '' } });

export const CONDITION_EXAMPLES: ConditionExample[] = [
  { type: 'ConfigValid', reason: 'Valid', situation: 'a valid spec with a warning (3 replicas)', input: healthyInput({ validation: validateSchedulerHA(applySpecExample({ 'spec.replicas': 3 })) }) },
  { type: 'ConfigValid', reason: 'InvalidSpec', situation: 'spec.replicas 2 with spec.flags.ha false', input: healthyInput({ validation: validateSchedulerHA(applySpecExample({ 'spec.flags.ha': false })) }) },
  { type: 'ConfigValid', reason: 'FrameworkInUse', situation: 'a copy of the resource in another namespace, with the same framework name', input: healthyInput({ frameworkInUse: judgeClaim(claimOf({ metadata: { namespace: 'staging', name: 'k8sm', uid: 'b', creationTimestamp: '2026-12-02T10:00:00Z' }, spec: { etcd: { endpoints: ['http://etcd-0:2379'] } } })!, [claimOf({ metadata: { namespace: 'mesos', name: 'k8sm', uid: 'a', creationTimestamp: '2026-11-20T08:00:00Z' }, spec: { etcd: { endpoints: ['http://etcd-0:2379'] } } })!]) }) },
  { type: 'ConfigValid', reason: 'EtcdClusterChanged', situation: 'spec.etcd.endpoints changed to another etcd cluster while two replicas run', input: healthyInput({ etcdMoveHeld: etcdMoveHeld() }) },

  { type: 'ReplicasReady', reason: 'StatefulSetMissing', situation: 'no StatefulSet', input: healthyInput({ sts: undefined, pods: [] }) },
  { type: 'ReplicasReady', reason: 'ChildConflict', situation: 'a ConfigMap k8sm-config made by someone else', input: healthyInput({ sts: undefined, pods: [], childConflict: 'ConfigMap k8sm-config exists but is not controlled by this SchedulerHA (uid 2f1c…): it does not carry the labels app.kubernetes.io/managed-by=schedulerha-operator and k8sm.io/schedulerha=k8sm; rename or delete it' }) },
  { type: 'ReplicasReady', reason: 'Progressing', situation: 'the StatefulSet controller is behind', input: healthyInput({ sts: sts({ generation: 4 }) }) },
  { type: 'ReplicasReady', reason: 'ScaledToZero', situation: 'spec.replicas 0, no pod left', input: healthyInput({ replicas: 0, sts: sts({ specReplicas: 0, replicas: 0, readyReplicas: 0, updatedReplicas: 0 }), pods: [] }) },
  { type: 'ReplicasReady', reason: 'ScalingDown', situation: 'spec.replicas 0, one pod terminating', input: healthyInput({ replicas: 0, sts: sts({ specReplicas: 0, replicas: 1, readyReplicas: 0, updatedReplicas: 0 }), pods: [pod('k8sm-0', { ready: false, deleting: true })] }) },
  { type: 'ReplicasReady', reason: 'RollingUpdate', situation: 'a rolling update with one new pod starting', input: healthyInput({ sts: sts({ updateRevision: 'k8sm-7b44d1', updatedReplicas: 1, readyReplicas: 1 }), pods: [pod('k8sm-0'), pod('k8sm-1', { ready: false, container: 'waiting', waitingReason: 'ContainerCreating' })] }) },
  { type: 'ReplicasReady', reason: 'AllReplicasReady', situation: 'healthy', input: healthyInput() },
  { type: 'ReplicasReady', reason: 'ReplicasNotReady', situation: 'one pod crash-looping', input: healthyInput({ sts: sts({ readyReplicas: 1 }), pods: [pod('k8sm-0'), pod('k8sm-1', { ready: false, container: 'waiting', waitingReason: 'CrashLoopBackOff', restartCount: 6 })] }) },

  { type: 'LeaderElected', reason: 'EtcdNotConfigured', situation: 'an invalid spec and nothing deployed', input: healthyInput({ etcd: undefined, etcdError: 'no valid configuration (the spec is invalid and nothing was deployed yet)' }) },
  { type: 'LeaderElected', reason: 'EtcdUnreachable', situation: "the operator's etcd watch disconnected", input: healthyInput(unknownEtcd) },
  { type: 'LeaderElected', reason: 'ScaledToZero', situation: 'spec.replicas 0', input: healthyInput({ replicas: 0, etcd: noLeader }) },
  { type: 'LeaderElected', reason: 'NoLeader', situation: 'no candidate in the election', input: healthyInput({ etcd: noLeader }) },
  { type: 'LeaderElected', reason: 'LeaderRefused', situation: 'the leader found no framework id but live tasks in the registry', input: healthyInput({ etcd: snapshot({ frameworkId: undefined, leaderStatus: leaderStatus({ frameworkId: undefined, mesos: 'refused', problem: { reason: 'FrameworkIdMissing', message: idMissingMessage } }) }) }) },
  { type: 'LeaderElected', reason: 'Elected', situation: 'healthy', input: healthyInput() },
  { type: 'LeaderElected', reason: 'LeaderNotReporting', situation: 'the leader key is 60 s old and has no status record', input: healthyInput({ etcd: snapshot({ leaderStatus: undefined, leader: { ...candidate('k8sm-0', '1042'), since: EXAMPLE_NOW - 60_000 } }) }) },

  { type: 'FrameworkRegistered', reason: 'EtcdUnreachable', situation: "the operator's etcd watch disconnected", input: healthyInput(unknownEtcd) },
  { type: 'FrameworkRegistered', reason: 'FrameworkRemoved', situation: 'the leader got "Framework has been removed" with 240 live tasks in the registry', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ mesos: 'removed', problem: { reason: 'FrameworkRemoved', message: removedMessage } }) }), mesos: mesos({ framework: undefined, removed: true }) }) },
  { type: 'FrameworkRegistered', reason: 'NotRegistered', situation: 'the first leader is still subscribing', input: healthyInput({ etcd: snapshot({ frameworkId: undefined, leaderStatus: leaderStatus({ frameworkId: undefined, mesos: 'subscribing', reconciliation: { phase: 'idle', run: 0, total: 0, remaining: 0, requests: 0 } }) }), mesos: undefined }) },
  { type: 'FrameworkRegistered', reason: 'MesosNotObserved', situation: 'no configuration to reach the master', input: healthyInput({ mesos: undefined }) },
  { type: 'FrameworkRegistered', reason: 'MesosUnreachable', situation: 'no leading master', input: healthyInput({ mesos: { state: 'error', error: 'no leading Mesos master: no leading Mesos master detected within 5000 ms', zombies: [], fetchedAt: EXAMPLE_NOW } }) },
  { type: 'FrameworkRegistered', reason: 'Recovering', situation: 'a new leading master after a master failover', input: healthyInput({ mesos: mesos({ framework: { ...mesos().framework!, connected: false, active: false, recovered: true }, recovering: true }) }) },
  { type: 'FrameworkRegistered', reason: 'FrameworkNotFound', situation: 'the master does not know the id', input: healthyInput({ mesos: mesos({ framework: undefined }) }) },
  { type: 'FrameworkRegistered', reason: 'Disconnected', situation: 'no scheduler connected', input: healthyInput({ mesos: mesos({ framework: { id: EXAMPLE_FRAMEWORK_ID, name: 'Kubernetes', connected: false, active: false, recovered: false } }) }) },
  { type: 'FrameworkRegistered', reason: 'Inactive', situation: 'connected but deactivated', input: healthyInput({ mesos: mesos({ framework: { id: EXAMPLE_FRAMEWORK_ID, name: 'Kubernetes', connected: true, active: false, recovered: false } }) }) },
  { type: 'FrameworkRegistered', reason: 'NotRegisteredByLeader', situation: 'the leader lost its subscription and is re-subscribing', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ mesos: 'disconnected' }) }) }) },
  { type: 'FrameworkRegistered', reason: 'Registered', situation: 'healthy', input: healthyInput() },

  { type: 'TasksReconciled', reason: 'NoLeader', situation: 'no leader status', input: healthyInput({ etcd: noLeader }) },
  { type: 'TasksReconciled', reason: 'NotRegistered', situation: 'the leader is subscribing', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ mesos: 'subscribing' }) }), mesos: mesos({ framework: { id: EXAMPLE_FRAMEWORK_ID, name: 'Kubernetes', connected: false, active: false, recovered: false } }) }) },
  { type: 'TasksReconciled', reason: 'Reconciled', situation: 'healthy', input: healthyInput() },
  { type: 'TasksReconciled', reason: 'ReconciliationTimedOut', situation: '12 tasks silent after a master failover', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ reconciliation: { phase: 'timed-out', run: 2, total: 240, remaining: 12, requests: 31, durationSeconds: 900.4 } }) }) }) },
  { type: 'TasksReconciled', reason: 'Reconciling', situation: 'explicit reconciliation after a failover', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ reconciliation: { phase: 'explicit', run: 1, total: 240, remaining: 17, requests: 3 } }) }) }) },

  { type: 'ExecutorCompatible', reason: 'NoValidConfig', situation: 'an invalid spec and nothing deployed', input: healthyInput({ desiredExecutorHash: undefined }) },
  { type: 'TasksReconciled', reason: 'EtcdUnreachable', situation: "the operator's etcd watch disconnected", input: healthyInput(unknownEtcd) },
  { type: 'ExecutorCompatible', reason: 'EtcdUnreachable', situation: "the operator's etcd watch disconnected", input: healthyInput(unknownEtcd) },
  { type: 'ExecutorCompatible', reason: 'ExecutorHashMismatch', situation: 'the leader runs the old hash and the new one was never sanctioned', input: healthyInput({ etcd: { ...oldLeader, desiredExecutorHash: { hash: EXAMPLE_OLD_HASH, at: '' } } }) },
  { type: 'ExecutorCompatible', reason: 'ExecutorHashMismatch', situation: 'the leader refuses to lead because the last leader ran another executor hash', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ mesos: 'refused', problem: { reason: 'ExecutorHashMismatch', message: 'executor-config hash 1111111111111111 differs from the last leader\'s 2222222222222222; refusing to lead' } }) }) }) },
  { type: 'ExecutorCompatible', reason: 'NoLeader', situation: 'no leader', input: healthyInput({ etcd: noLeader }) },
  { type: 'ExecutorCompatible', reason: 'RolloutInProgress', situation: 'rolling update: the new hash is sanctioned, the old leader still leads', input: healthyInput({ etcd: oldLeader }) },
  { type: 'ExecutorCompatible', reason: 'IncompatibleAgents', situation: 'an agent still runs an old executor', input: healthyInput({ etcd: snapshot({ leaderStatus: leaderStatus({ incompatibleAgents: { '0d5a3c1e-agent-S3': 4 } }) }) }) },
  { type: 'ExecutorCompatible', reason: 'Compatible', situation: 'healthy', input: healthyInput() },

  { type: 'Degraded', reason: 'AsExpected', situation: 'healthy', input: healthyInput() },
  { type: 'Degraded', reason: 'FrameworkRemoved', situation: 'the framework is among the completed frameworks', input: healthyInput({ mesos: mesos({ framework: undefined, removed: true }) }) },
  { type: 'Degraded', reason: 'SharedFrameworkRoot', situation: 'a resource of the same name in another namespace uses the same etcd prefix and framework name', input: healthyInput({ etcd: snapshot({ candidates: [candidate('k8sm-0', '1042'), candidate('k8sm-1', '1057'), candidate('k8sm-0', '1063', EXAMPLE_HASH, 'staging')] }) }) },
  { type: 'Degraded', reason: 'ZombieFramework', situation: 'another connected framework named Kubernetes', input: healthyInput({ mesos: mesos({ zombies: [{ id: '0c7a1b2d-0000-4e3f-9a8b-7c6d5e4f3a2b-0001', name: 'Kubernetes', connected: true, active: true, recovered: false }] }) }) },
  { type: 'Degraded', reason: 'ZombieFramework', situation: 'the framework a lost id left behind, disconnected, its tasks still running', input: healthyInput({ mesos: mesos({ zombies: [{ id: '0c7a1b2d-0000-4e3f-9a8b-7c6d5e4f3a2b-0000', name: 'Kubernetes', connected: false, active: false, recovered: false }] }) }) },
  {
    type: 'Degraded',
    reason: 'LeaderFlapping',
    situation: '4 leader changes in 10 minutes',
    input: healthyInput({ etcd: snapshot({ transitions: [1, 2, 3, 4].map((i) => ({ at: EXAMPLE_NOW - i * 60_000, from: { term: String(1000 + i), pod: 'k8sm-1' }, to: { term: String(1001 + i), pod: 'k8sm-0' } })) }) }),
  },
  { type: 'Degraded', reason: 'TooManyReplicas', situation: 'spec.replicas 3', input: healthyInput({ replicas: 3, sts: sts({ specReplicas: 3, replicas: 3, readyReplicas: 3, updatedReplicas: 3 }), pods: [pod('k8sm-0'), pod('k8sm-1'), pod('k8sm-2')] }) },

  { type: 'Ready', reason: 'Ready', situation: 'healthy', input: healthyInput() },
  { type: 'Ready', reason: 'InvalidSpec', situation: 'an invalid spec while the deployed replicas run', input: healthyInput({ validation: validateSchedulerHA(applySpecExample({ 'spec.flags.ha': false })) }) },
  { type: 'Ready', reason: 'ExecutorHashMismatch', situation: 'all else fine, the leader runs an unsanctioned other hash', input: healthyInput({ etcd: { ...oldLeader, desiredExecutorHash: { hash: EXAMPLE_OLD_HASH, at: '' } } }) },
];

/** The refusal message of a replica whose hash differs (shown in the troubleshooting of ExecutorHashMismatch). */
export const EXAMPLE_HASH_REFUSAL = hashRefusal.ok ? '' : hashRefusal.message;
