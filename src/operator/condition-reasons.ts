// Every reason each SchedulerHA condition can carry, with its status, what it means and what to do. The condition
// functions in conditions.ts are typed against this table (a reason missing here does not compile), a unit test
// produces every entry from an observation (test/unit/operator-conditions.test.ts), and docs/reference.md is
// generated from it.
import type { ConditionStatus } from '../api/types.js';
import type { ConditionType } from './conditions.js';

export interface ReasonDoc {
  status: ConditionStatus;
  /** What the condition says with this reason. */
  meaning: string;
  /** What to do about it (absent: nothing). */
  action?: string;
}

export interface ConditionDoc {
  /** What the condition reports, and what its good value means. */
  description: string;
}

export const CONDITION_DOCS: Record<ConditionType, ConditionDoc> = {
  ConfigValid: { description: 'The spec passes the shared validator (src/api/validate.ts) and can be rolled out (not a move to another etcd cluster while it would mean two elections). While it is False nothing is changed: the children keep the last valid configuration, and the replicas it deployed are still observed.' },
  ReplicasReady: { description: 'The StatefulSet has spec.replicas updated and ready replicas. A replica is ready while it is in the election (leading or standing by) and healthy; a replica that refuses to lead is not.' },
  LeaderElected: { description: 'A candidate holds the leader key in etcd and publishes its own status record for its term (it is allowed 15 s to publish the first one).' },
  FrameworkRegistered: { description: 'The framework id is stored in etcd, the leading Mesos master has the framework connected and active, and the current leader reports itself SUBSCRIBED with that id.' },
  TasksReconciled: { description: "The current leader's reconciliation run after its last SUBSCRIBED has completed (explicit reconciliation of every live registry task, then implicit)." },
  ExecutorCompatible: { description: 'The leader and the standbys run the executor-config hash the spec renders, and no agent still runs executors of another hash.' },
  Degraded: { description: 'True when something needs a look although the scheduler may work: the only condition whose good value is False. It carries the first problem found as its reason and all of them in its message.' },
  Ready: { description: 'ConfigValid, ReplicasReady, LeaderElected, FrameworkRegistered and TasksReconciled are True, and ExecutorCompatible is not False with ExecutorHashMismatch. When False it carries the reason of the first of those that is not True. Degraded does not affect it.' },
};

const ETCD_UNREACHABLE = 'The operator cannot observe the framework keys in etcd (its watch is not synced: etcd down or unreachable from the operator, TLS or credentials wrong).';
const ETCD_UNREACHABLE_ACTION = "Check etcd health and the operator's log; the schedulers may be fine (they use their own connections). See troubleshooting: etcd outage.";

export const CONDITION_REASONS = {
  ConfigValid: {
    Valid: { status: 'True', meaning: 'The spec is valid. Warnings, if any, follow "warnings:" in the message.', action: 'Read the warnings (docs/reference.md, Validation messages).' },
    InvalidSpec: { status: 'False', meaning: "The spec has errors; the message lists the validator's messages, each naming its field. No child was changed.", action: 'Fix the named fields; `schedulerha validate -f <file>` shows the same messages offline.' },
    EtcdClusterChanged: {
      status: 'False',
      meaning:
        "spec.etcd.endpoints name another etcd cluster (another cluster id) than the StatefulSet's replicas run with. Rolling them over would run an election on each cluster, and two leaders, while old replicas run; or, with none running, the new cluster lacks the framework id the old one holds, so the first leader there would register a second framework. No child was changed: the replicas keep the old endpoints and are observed there. The message names both clusters.",
      action: 'Move stopped (operations: changing etcd endpoints): old endpoints with spec.replicas: 0 until ScaledToZero, copy the framework keys to the new cluster, then the new endpoints and the replicas back. The change goes ahead by itself once nothing runs and the framework id is there.',
    },
    FrameworkInUse: {
      status: 'False',
      meaning:
        'An older SchedulerHA (this operator watches it) already runs this framework: its framework name is the same up to case — pods choose a scheduler by spec.schedulerName, the lower-cased framework name, in all namespaces, so both would launch every such pod, whatever their etcd or Mesos — or its etcd root (spec.etcd.prefix/frameworkName) is this one\'s or nests with it on the same etcd, so the keys would mix. Nothing was deployed or changed; whatever already runs is observed. The message names the older resource.',
      action: 'Give this resource its own spec.flags.frameworkName (and, for nested roots, a spec.etcd.prefix outside the other\'s root), or delete the older one: the hold lifts by itself within seconds.',
    },
  },
  ReplicasReady: {
    StatefulSetMissing: { status: 'False', meaning: 'The scheduler StatefulSet does not exist (yet).', action: 'Wait a reconcile. If it stays, read the operator log ("applying the children failed") and the Events.' },
    ChildConflict: { status: 'False', meaning: 'A child name (the StatefulSet, the Service, the ConfigMap <name>-config or the PodDisruptionBudget) is taken by an object this SchedulerHA does not control and cannot adopt: another controller owns it, or it lacks the labels app.kubernetes.io/managed-by=schedulerha-operator and k8sm.io/schedulerha=<name>. The message names the object. Orphans of an earlier SchedulerHA of the same name are adopted instead.', action: 'Rename the SchedulerHA, or delete (or rename) the object named in the message.' },
    Progressing: { status: 'False', meaning: 'The StatefulSet controller has not observed the latest StatefulSet generation, or the StatefulSet is being scaled to spec.replicas.', action: 'Wait; if it stays, check the kube-controller-manager.' },
    ScaledToZero: { status: 'True', meaning: 'spec.replicas is 0 and no replica runs.' },
    ScalingDown: { status: 'False', meaning: 'spec.replicas is 0 and replicas are still running (terminating).' },
    RollingUpdate: { status: 'False', meaning: 'A rolling update of the StatefulSet is in progress; the message counts updated and ready replicas and names the pods that are not ready.', action: 'Wait; if a pod does not become ready, see its reason in the message (troubleshooting: replicas not ready).' },
    AllReplicasReady: { status: 'True', meaning: 'Every replica is updated and ready.' },
    ReplicasNotReady: { status: 'False', meaning: 'Fewer replicas are ready than wanted; the message names each pod that is not ready and why (its container waiting/terminated reason, "terminating", or "not ready").', action: 'See troubleshooting: replicas not ready (a replica that refuses to lead, or cannot reach etcd, is not ready).' },
  },
  LeaderElected: {
    EtcdNotConfigured: { status: 'Unknown', meaning: 'There is no usable etcd configuration to observe the election: the spec is invalid and nothing was deployed yet, or the etcd client could not be set up (the message says why, e.g. a missing Secret).', action: 'Fix the spec or the Secret named in the message.' },
    EtcdUnreachable: { status: 'Unknown', meaning: ETCD_UNREACHABLE, action: ETCD_UNREACHABLE_ACTION },
    ScaledToZero: { status: 'False', meaning: 'No candidate, because spec.replicas is 0.' },
    NoLeader: { status: 'False', meaning: 'No candidate holds the leader key: no replica is in the election at all (none running, all refusing, or none can reach etcd), or leadership is changing hands at the moment.', action: 'If it stays, see troubleshooting: no leader.' },
    LeaderRefused: { status: 'False', meaning: "The leader holds the leader key but refuses to act as the framework; the message carries the leader's problem (a missing framework id with live tasks, a SUBSCRIBE the master rejected, a framework id mismatch).", action: 'See troubleshooting: leader refuses.' },
    Elected: { status: 'True', meaning: 'A leader is elected (the message names it, its term and the number of standbys).' },
    LeaderNotReporting: { status: 'Unknown', meaning: 'A candidate has held the leader key for more than 15 s without publishing its status record: a pre-outage key after an etcd restart (it goes away within one lease TTL), or a stuck leader.', action: 'If it lasts longer than the lease TTL, see troubleshooting: leader not reporting.' },
  },
  FrameworkRegistered: {
    EtcdUnreachable: { status: 'Unknown', meaning: ETCD_UNREACHABLE, action: ETCD_UNREACHABLE_ACTION },
    FrameworkRemoved: { status: 'False', meaning: 'Mesos removed the framework (its failover timeout expired while no scheduler was connected, or it was torn down): its tasks were killed. Reported by the leader after "Framework has been removed", or seen by the operator among the master\'s completed frameworks.', action: 'Follow the reset-framework runbook (docs/operations.md). The scheduler does not register a new framework silently while the registry holds live tasks.' },
    NotRegistered: { status: 'False', meaning: 'No framework id is stored yet: no leader has completed its first registration.', action: "Wait for the leader; if it stays, read the leader's log (its SUBSCRIBE attempts) and the `mesos` field of its leader-status record." },
    MesosNotObserved: { status: 'Unknown', meaning: 'The framework id is known but the operator has no configuration to reach the Mesos master with (the spec is invalid and no deployed configuration is known).', action: 'Fix the spec.' },
    MesosUnreachable: { status: 'Unknown', meaning: "The operator cannot ask the leading Mesos master (no leading master detected, the operator API failed, or spec.mesos.credentialsSecret has no key \"secret\"); the message carries the error.", action: "Check the masters and the operator's network path to them; the schedulers may be fine. See troubleshooting: Mesos outage." },
    Recovering: { status: 'False', meaning: 'The new leading master knows the framework only from its recovered state (after a master failover) and waits for the scheduler to re-subscribe.', action: 'Wait: the leader re-subscribes within its back-off (at most 15 s between attempts).' },
    FrameworkNotFound: { status: 'False', meaning: 'The leading master knows nothing of the stored framework id: not active, not completed, not recovered.', action: 'Check that the operator and the schedulers talk to the same Mesos cluster (spec.mesos.master), and whether the masters lost their replicated log.' },
    Disconnected: { status: 'False', meaning: 'The framework is registered but no scheduler is connected; Mesos keeps it and its tasks for the failover timeout.', action: 'Normal for seconds during a failover. If it stays, look at LeaderElected and the leader log; the failover timeout is the deadline before Mesos kills every task.' },
    Inactive: { status: 'False', meaning: 'The framework is connected but not active on the master (it receives no offers).', action: 'Check the master log for why it deactivated the framework.' },
    NotRegisteredByLeader: { status: 'False', meaning: 'The framework is connected, but the current leader does not report it SUBSCRIBED with this id (a failover in progress, or another process is connected with the framework id).', action: 'Normal for seconds during a failover. If it stays, compare the leader status (`etcdctl get <root>/leader-status`) with the master\'s /master/frameworks.' },
    Registered: { status: 'True', meaning: 'The current leader is subscribed as the framework (the message names the framework id, the master and the leader).' },
  },
  TasksReconciled: {
    EtcdUnreachable: { status: 'Unknown', meaning: `${ETCD_UNREACHABLE} The last progress read would be stale.`, action: ETCD_UNREACHABLE_ACTION },
    NoLeader: { status: 'Unknown', meaning: 'No current leader reports reconciliation progress.' },
    NotRegistered: { status: 'Unknown', meaning: 'Reconciliation starts after the leader subscribes.' },
    Reconciled: { status: 'True', meaning: 'The last reconciliation run completed: every live task in the registry was heard from (the message has the count and the duration).' },
    ReconciliationTimedOut: { status: 'False', meaning: 'The explicit phase of the last run exceeded --reconcile-timeout (default 15m) with tasks Mesos said nothing about (typically tasks on agents that have not re-registered after a master failover). They are asked again on the next periodic reconciliation tick (--reconcile-interval).', action: 'Check the agents of those tasks; see troubleshooting: reconciliation.' },
    Reconciling: { status: 'False', meaning: 'A reconciliation run is in progress (explicit or implicit phase; the message counts the tasks not heard from yet), or about to start.', action: 'Wait; bounded by --reconcile-timeout.' },
  },
  ExecutorCompatible: {
    NoValidConfig: { status: 'Unknown', meaning: 'Neither the spec nor a deployed configuration renders an executor-config hash.', action: 'Fix the spec.' },
    EtcdUnreachable: { status: 'Unknown', meaning: ETCD_UNREACHABLE, action: ETCD_UNREACHABLE_ACTION },
    ExecutorHashMismatch: {
      status: 'False',
      meaning:
        "The leader runs an executor-config hash other than the spec's and the spec's hash is not sanctioned at `<root>/desired-executor-hash`; or there is no leader and the last leader's hash differs from the spec's unsanctioned one; or the leader's status record says it refuses to act because of the executor-config hash (other refusals are LeaderElected's LeaderRefused).",
      action: 'See operations: upgrades that change the executor hash.',
    },
    NoLeader: { status: 'Unknown', meaning: 'No leader to compare with; the message names the hash the spec renders.' },
    RolloutInProgress: { status: 'False', meaning: "The leader runs another hash but the spec's hash is sanctioned (a rolling update is replacing the replicas), or some standbys still run another hash.", action: 'Wait for the rollout; a replica with the new hash takes over when the old leader is replaced.' },
    IncompatibleAgents: {
      status: 'False',
      meaning:
        "The leader has, in its current term, declined offers from agents because they ran executors of this framework with another executor id (another hash); it declines them as long as such an executor runs there (the message names up to 10 agents). An agent leaves the list when its old executor terminates or its offers carry no foreign executor.",
      action: 'See operations: upgrades that change the executor hash (an old executor exits once it has no tasks left).',
    },
    Compatible: { status: 'True', meaning: 'The leader and every standby run the hash the spec renders.' },
  },
  Degraded: {
    AsExpected: { status: 'False', meaning: 'Nothing degraded.' },
    FrameworkRemoved: { status: 'True', meaning: 'Mesos removed the framework (as FrameworkRegistered=FrameworkRemoved).', action: 'Follow the reset-framework runbook (docs/operations.md).' },
    ZombieFramework: { status: 'True', meaning: 'Another framework with this framework name and another id is on the master: connected (a second scheduler, competing for the pods whose spec.schedulerName is this name), or disconnected (a registration whose id was lost, kept with its tasks until its failover timeout).', action: 'See troubleshooting: zombie framework.' },
    SharedFrameworkRoot: { status: 'True', meaning: 'A candidate in the framework\'s election is a pod of another resource or namespace: two deployments share one etcd root (prefix + frameworkName) and compete for one framework. The operator does not revoke the other deployment\'s leases, and a Teardown waits until no scheduler of it runs.', action: 'Give each deployment its own flags.frameworkName or etcd.prefix (see troubleshooting: shared framework root).' },
    LeaderFlapping: { status: 'True', meaning: 'The leader changed 4 or more times in the last 10 minutes.', action: 'See troubleshooting: leader flapping.' },
    TooManyReplicas: { status: 'True', meaning: 'spec.replicas is more than 2: it works, but more than 2 schedulers has not been extensively tested (the original k8sm recommends at most 2).', action: 'Use 2 unless you have a reason (operations: more than 2 replicas).' },
  },
  Ready: {
    Ready: { status: 'True', meaning: 'The scheduler is ready: the message is FrameworkRegistered\'s.' },
    InvalidSpec: { status: 'False', meaning: 'ConfigValid is False.', action: 'Fix the spec.' },
    ExecutorHashMismatch: { status: 'False', meaning: 'Everything else is True, but ExecutorCompatible is False with ExecutorHashMismatch.', action: 'See ExecutorCompatible.' },
  },
} as const satisfies Record<ConditionType, Record<string, ReasonDoc>>;

/** The conditions whose not-True reason Ready copies, in the order Ready checks them. */
export const READY_REQUIRES = ['ConfigValid', 'ReplicasReady', 'LeaderElected', 'FrameworkRegistered', 'TasksReconciled'] as const;

type OwnReason<T extends ConditionType> = T extends ConditionType ? keyof (typeof CONDITION_REASONS)[T] & string : never;

/** The reasons a condition of type T can carry. Ready also carries the reason of the first required condition that
 * is not True. */
export type ConditionReason<T extends ConditionType> = T extends 'Ready' ? OwnReason<'Ready'> | OwnReason<(typeof READY_REQUIRES)[number]> : OwnReason<T>;

/** Every (type, reason) pair in the table. */
export function conditionReasons(): Array<{ type: ConditionType; reason: string; doc: ReasonDoc }> {
  return (Object.entries(CONDITION_REASONS) as Array<[ConditionType, Record<string, ReasonDoc>]>).flatMap(([type, reasons]) => Object.entries(reasons).map(([reason, doc]) => ({ type, reason, doc })));
}
