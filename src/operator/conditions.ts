// Conditions and status: a pure function of what the reconciler observed. metav1.Condition shape; every
// condition carries observedGeneration; lastTransitionTime changes only when the status flips (reason and message
// may change without a transition, as meta.SetStatusCondition does); messages are truncated to 32 KiB.
//
//   ConfigValid          the spec passes src/api/validate.ts (False: the validator's messages) and can be rolled
//                        out (False: a move to another etcd cluster held back)
//   ReplicasReady        the StatefulSet has spec.replicas updated, ready replicas
//   LeaderElected        a candidate leads in etcd and reports itself (its leader-status record has its term)
//   FrameworkRegistered  the framework id is known, the framework is connected and active on the leading master,
//                        and the current leader reports it SUBSCRIBED with that id
//   TasksReconciled      the leader's reconciliation run after its SUBSCRIBED completed
//   ExecutorCompatible   leader and candidates run the executor-config hash the spec renders
//   Degraded             (True = something to look at) > 2 replicas, leader flapping, a zombie framework with the
//                        same name and another id, the framework removed by Mesos, another deployment's pods in
//                        the election (a shared etcd root)
//   Ready                ConfigValid, ReplicasReady, LeaderElected, FrameworkRegistered, TasksReconciled all True
//                        and the executor config not incompatible
import type { ValidationResult } from '../api/validate.js';
import type { Condition, ConditionStatus, FailoverRecord, SchedulerHAStatus } from '../api/types.js';
import type { FrameworkSnapshot } from './framework-watch.js';
import { canonicalJson } from './plan.js';
import type { MesosObservation } from './mesos-pool.js';
import type { ConditionReason } from './condition-reasons.js';
import { candidateOwner, describeCandidate } from './ownership.js';

export const CONDITION_TYPES = ['ConfigValid', 'ReplicasReady', 'LeaderElected', 'FrameworkRegistered', 'TasksReconciled', 'ExecutorCompatible', 'Degraded', 'Ready'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** For each type, the status that is good news (Degraded is the odd one out). */
export const GOOD_STATUS: Record<ConditionType, ConditionStatus> = {
  ConfigValid: 'True',
  ReplicasReady: 'True',
  LeaderElected: 'True',
  FrameworkRegistered: 'True',
  TasksReconciled: 'True',
  ExecutorCompatible: 'True',
  Degraded: 'False',
  Ready: 'True',
};

export const MAX_MESSAGE = 32768;

export interface PodView {
  name: string;
  uid: string;
  ready: boolean;
  phase?: string;
  deleting: boolean;
  /** State of the scheduler container. */
  container: 'running' | 'waiting' | 'terminated' | 'unknown';
  waitingReason?: string;
  terminatedReason?: string;
  restartCount: number;
  /** When the running scheduler container started (epoch ms). */
  startedAtMs?: number;
  /** It has a controller (its StatefulSet): the garbage collector removes it with that. */
  controlled?: boolean;
  executorHash?: string;
}

export interface StatefulSetView {
  generation: number;
  observedGeneration: number;
  specReplicas: number;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
}

export interface ConditionInput {
  generation: number;
  /** Epoch ms. */
  now: number;
  replicas: number;
  validation: ValidationResult;
  /** A valid spec held back: its etcd endpoints name another etcd cluster (etcd-move.ts; the message says why). */
  etcdMoveHeld?: string;
  /** A valid spec held back: an older SchedulerHA runs the same pods' scheduler or an overlapping etcd root
   * (framework-claims.ts; the message names it). */
  frameworkInUse?: string;
  /** The executor-config hash the spec (or, if invalid, the deployed config) renders. */
  desiredExecutorHash?: string;
  sts?: StatefulSetView;
  /** A child's name is taken by an object we may not adopt (the message names it). */
  childConflict?: string;
  pods: PodView[];
  /** undefined: no usable etcd configuration. */
  etcd?: FrameworkSnapshot;
  etcdError?: string;
  mesos?: MesosObservation;
  previous?: Condition[];
  /** Leader changes within `flapWindowMs` at or above which the leader is flapping (default 4 in 10 min). */
  flapThreshold?: number;
  flapWindowMs?: number;
  /** How long a new leader may go without publishing its status record (default 15 s). */
  reportGraceMs?: number;
  /** The resource: whose pods the election's candidates are (SharedFrameworkRoot). */
  owner?: { namespace: string; name: string };
}

type Cond = { status: ConditionStatus; reason: string; message: string };
/** The value of a condition of type T: its reasons are listed, with what they mean, in condition-reasons.ts. */
type CondOf<T extends ConditionType> = Cond & { reason: ConditionReason<T> };

const truncate = (m: string): string => (m.length <= MAX_MESSAGE ? m : `${m.slice(0, MAX_MESSAGE - 3)}...`);
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

function leaderName(s: FrameworkSnapshot | undefined): string {
  const l = s?.leader;
  if (!l) return '?';
  return l.identity?.pod ?? l.identity?.id ?? l.key;
}

/** The leader's own status record, when it belongs to the current term. */
export function currentLeaderStatus(s: FrameworkSnapshot | undefined): FrameworkSnapshot['leaderStatus'] {
  if (!s?.leader || !s.leaderStatus) return undefined;
  return s.leaderStatus.term === s.leader.createRevision ? s.leaderStatus : undefined;
}

function configValid(i: ConditionInput): CondOf<'ConfigValid'> {
  if (i.validation.errors.length) {
    return { status: 'False', reason: 'InvalidSpec', message: i.validation.errors.map((e) => e.message).join('; ') };
  }
  if (i.frameworkInUse) return { status: 'False', reason: 'FrameworkInUse', message: i.frameworkInUse };
  if (i.etcdMoveHeld) return { status: 'False', reason: 'EtcdClusterChanged', message: i.etcdMoveHeld };
  const w = i.validation.warnings.map((x) => x.message);
  return { status: 'True', reason: 'Valid', message: w.length ? `the spec is valid; warnings: ${w.join('; ')}` : 'the spec is valid' };
}

function replicasReady(i: ConditionInput): CondOf<'ReplicasReady'> {
  const s = i.sts;
  const want = i.replicas;
  if (i.childConflict) return { status: 'False', reason: 'ChildConflict', message: i.childConflict };
  if (!s) return { status: 'False', reason: 'StatefulSetMissing', message: 'the scheduler StatefulSet does not exist yet' };
  if (s.observedGeneration < s.generation) return { status: 'False', reason: 'Progressing', message: `the StatefulSet controller has not observed generation ${s.generation} yet` };
  if (s.specReplicas !== want) return { status: 'False', reason: 'Progressing', message: `the StatefulSet is being scaled to ${want}` };
  if (want === 0) {
    return s.replicas === 0 ? { status: 'True', reason: 'ScaledToZero', message: 'spec.replicas is 0: no scheduler runs' } : { status: 'False', reason: 'ScalingDown', message: `${plural(s.replicas, 'replica')} still running` };
  }
  const problems = i.pods
    .filter((p) => !p.ready)
    .map((p) => `${p.name}: ${p.deleting ? 'terminating' : p.waitingReason ?? p.terminatedReason ?? (p.container === 'running' ? 'not ready' : p.phase ?? p.container)}`);
  const detail = problems.length ? ` (${problems.join(', ')})` : '';
  if (s.updateRevision && s.currentRevision && s.updateRevision !== s.currentRevision) {
    return { status: 'False', reason: 'RollingUpdate', message: `rolling update: ${s.updatedReplicas} of ${want} replicas updated, ${s.readyReplicas} ready${detail}` };
  }
  if (s.readyReplicas >= want && s.replicas === want && s.updatedReplicas >= want) return { status: 'True', reason: 'AllReplicasReady', message: `${s.readyReplicas}/${want} scheduler replicas ready` };
  return { status: 'False', reason: 'ReplicasNotReady', message: `${s.readyReplicas}/${want} scheduler replicas ready${detail}` };
}

/** Processes campaigning besides the leader's. Counted by incarnation, not by key: after an etcd restart a
 * replica's pre-outage key lives on (its lease restored) for up to a TTL beside the key it campaigns with now. */
function standbyCount(e: FrameworkSnapshot): number {
  const lead = e.leader?.identity?.incarnation ?? e.leader?.key;
  const others = new Set<string>();
  for (const c of e.candidates) {
    const who = c.identity?.incarnation ?? c.key;
    if (who !== lead) others.add(who);
  }
  return others.size;
}

function leaderElected(i: ConditionInput): CondOf<'LeaderElected'> {
  const e = i.etcd;
  if (!e) return { status: 'Unknown', reason: 'EtcdNotConfigured', message: i.etcdError ?? 'no valid etcd configuration to observe the election' };
  if (e.state !== 'ok') return { status: 'Unknown', reason: 'EtcdUnreachable', message: `cannot observe the election: ${e.error ?? i.etcdError ?? 'not synced'}` };
  const l = e.leader;
  if (!l) {
    if (i.replicas === 0) return { status: 'False', reason: 'ScaledToZero', message: 'no scheduler replica runs (spec.replicas is 0)' };
    return { status: 'False', reason: 'NoLeader', message: `no candidate in the election at ${e.candidates.length === 0 ? 'all' : 'the moment'}` };
  }
  const ls = currentLeaderStatus(e);
  const who = `${leaderName(e)} (term ${l.createRevision})`;
  if (ls) {
    if (ls.mesos === 'refused') return { status: 'False', reason: 'LeaderRefused', message: `leader ${who} refuses to act: ${ls.problem?.message ?? 'refused'}` };
    const standbys = standbyCount(e);
    return { status: 'True', reason: 'Elected', message: `${who} leads${standbys ? `; ${plural(standbys, 'standby')}` : ''}` };
  }
  if (i.now - l.since < (i.reportGraceMs ?? 15_000)) return { status: 'True', reason: 'Elected', message: `${who} leads (its status is not published yet)` };
  // The message names the time, not the elapsed seconds: it must not change (and the status be written) every pass.
  return { status: 'Unknown', reason: 'LeaderNotReporting', message: `${who} holds the leader key but has not published its status since it was elected at ${new Date(l.since).toISOString()} (a pre-outage key after an etcd restart, or a stuck leader)` };
}

function frameworkRegistered(i: ConditionInput, leader: CondOf<'LeaderElected'>): CondOf<'FrameworkRegistered'> {
  const e = i.etcd;
  const ls = currentLeaderStatus(e);
  const id = e?.frameworkId ?? ls?.frameworkId;
  if (!e || e.state !== 'ok') return { status: 'Unknown', reason: 'EtcdUnreachable', message: 'cannot read the framework id from etcd' };
  if (ls?.mesos === 'removed') return { status: 'False', reason: 'FrameworkRemoved', message: ls.problem?.message ?? `Mesos removed framework ${id ?? '?'}` };
  if (!id) return { status: 'False', reason: 'NotRegistered', message: e.leader ? `leader ${leaderName(e)} has not registered the framework yet` : 'no framework id yet: no leader has registered with Mesos' };
  const m = i.mesos;
  if (!m) return { status: 'Unknown', reason: 'MesosNotObserved', message: `framework ${id}: the Mesos master was not observed` };
  if (m.state !== 'ok') return { status: 'Unknown', reason: 'MesosUnreachable', message: `framework ${id}: cannot ask the leading Mesos master: ${m.error ?? ''}` };
  if (m.removed) return { status: 'False', reason: 'FrameworkRemoved', message: `framework ${id} is among the master's completed frameworks (torn down, or its failover timeout expired): its tasks were killed` };
  if (m.recovering) return { status: 'False', reason: 'Recovering', message: `framework ${id} is known to the new leading master only from recovery; waiting for the scheduler to re-register` };
  if (!m.framework) return { status: 'False', reason: 'FrameworkNotFound', message: `the leading master ${m.masterUrl ?? ''} does not know framework ${id}`.replace('  ', ' ') };
  if (!m.framework.connected) return { status: 'False', reason: 'Disconnected', message: `framework ${id} is registered but no scheduler is connected (the master keeps it for the failover timeout)` };
  if (!m.framework.active) return { status: 'False', reason: 'Inactive', message: `framework ${id} is connected but not active` };
  if (leader.status !== 'True' || !ls) return { status: 'False', reason: 'NotRegisteredByLeader', message: `framework ${id} is connected, but the current leader has not reported it` };
  if (ls.mesos !== 'subscribed' || ls.frameworkId !== id) {
    return { status: 'False', reason: 'NotRegisteredByLeader', message: `framework ${id} is connected, but leader ${leaderName(e)} (term ${ls.term}) reports "${ls.mesos}"${ls.frameworkId && ls.frameworkId !== id ? ` with framework ${ls.frameworkId}` : ''}` };
  }
  return { status: 'True', reason: 'Registered', message: `framework ${id} registered with ${m.masterUrl ?? ls.masterUrl ?? 'the leading master'} by ${leaderName(e)} (term ${ls.term})` };
}

function tasksReconciled(i: ConditionInput, registered: CondOf<'FrameworkRegistered'>): CondOf<'TasksReconciled'> {
  // Out of sight the snapshot still holds the last record: reporting it would say nothing of now.
  if (i.etcd && i.etcd.state !== 'ok') return { status: 'Unknown', reason: 'EtcdUnreachable', message: `cannot read the leader's reconciliation progress from etcd: ${i.etcd.error ?? i.etcdError ?? 'not synced'}` };
  const ls = currentLeaderStatus(i.etcd);
  if (!ls) return { status: 'Unknown', reason: 'NoLeader', message: 'no leader reports reconciliation progress' };
  if (registered.status !== 'True' && ls.mesos !== 'subscribed') return { status: 'Unknown', reason: 'NotRegistered', message: 'reconciliation starts after the leader subscribes' };
  const r = ls.reconciliation;
  switch (r.phase) {
    case 'complete':
      return { status: 'True', reason: 'Reconciled', message: `${plural(r.total, 'task')} reconciled${r.durationSeconds !== undefined ? ` in ${r.durationSeconds.toFixed(1)} s` : ''} (run ${r.run})` };
    case 'timed-out':
      return { status: 'False', reason: 'ReconciliationTimedOut', message: `reconciliation run ${r.run} timed out with ${r.remaining} of ${plural(r.total, 'task')} not heard from` };
    case 'explicit':
    case 'implicit':
      return { status: 'False', reason: 'Reconciling', message: `${r.phase} reconciliation: ${r.remaining} of ${plural(r.total, 'task')} remaining (run ${r.run})` };
    default:
      return { status: 'False', reason: 'Reconciling', message: `reconciliation ${r.phase}` };
  }
}

function executorCompatible(i: ConditionInput): CondOf<'ExecutorCompatible'> {
  const want = i.desiredExecutorHash;
  if (!want) return { status: 'Unknown', reason: 'NoValidConfig', message: 'no valid configuration renders an executor-config hash' };
  const e = i.etcd;
  if (!e || e.state !== 'ok') return { status: 'Unknown', reason: 'EtcdUnreachable', message: 'cannot read the executor-hash records from etcd' };
  const ls = currentLeaderStatus(e);
  const leaderHash = ls?.executorHash ?? e.leader?.identity?.executorHash;
  const sanctioned = e.desiredExecutorHash?.hash;
  const others = e.candidates.filter((c) => c.identity && c.identity.executorHash !== want).map((c) => `${c.identity!.pod ?? c.identity!.id} (${c.identity!.executorHash})`);
  // Only a hash refusal is this condition's business; other refusals (framework id missing, ...) are FrameworkRegistered's LeaderRefused.
  if (ls?.mesos === 'refused' && ls.problem?.reason === 'ExecutorHashMismatch') return { status: 'False', reason: 'ExecutorHashMismatch', message: ls.problem.message };
  if (!leaderHash) {
    const stored = e.executorHash?.hash;
    if (stored && stored !== want && sanctioned !== want) {
      return { status: 'False', reason: 'ExecutorHashMismatch', message: `the last leader ran executor hash ${stored}; the spec renders ${want}, not sanctioned at ${'desired-executor-hash'}` };
    }
    return { status: 'Unknown', reason: 'NoLeader', message: `no leader; the spec renders executor hash ${want}` };
  }
  if (leaderHash !== want) {
    if (sanctioned === want) return { status: 'False', reason: 'RolloutInProgress', message: `leader ${leaderName(e)} runs executor hash ${leaderHash}; the spec renders ${want} (sanctioned): a replica with it takes over as the rollout proceeds` };
    return { status: 'False', reason: 'ExecutorHashMismatch', message: `leader ${leaderName(e)} runs executor hash ${leaderHash}; the spec renders ${want}, which is not sanctioned yet` };
  }
  if (others.length) return { status: 'False', reason: 'RolloutInProgress', message: `the leader runs ${want}; standbys with another executor hash: ${others.join(', ')}` };
  const agents = ls?.incompatibleAgents ? Object.keys(ls.incompatibleAgents) : [];
  if (agents.length) {
    return { status: 'False', reason: 'IncompatibleAgents', message: `${plural(agents.length, 'agent')} still ${agents.length === 1 ? 'runs' : 'run'} executors with another executor hash; their offers are declined until those executors exit: ${agents.slice(0, 10).join(', ')}${agents.length > 10 ? ', ...' : ''}` };
  }
  return { status: 'True', reason: 'Compatible', message: `leader and standbys run executor hash ${want}` };
}

function degraded(i: ConditionInput, registered: CondOf<'FrameworkRegistered'>): CondOf<'Degraded'> {
  const found: Array<{ reason: ConditionReason<'Degraded'>; message: string }> = [];
  const m = i.mesos;
  if (registered.reason === 'FrameworkRemoved') found.push({ reason: 'FrameworkRemoved', message: registered.message });
  if (m?.zombies.length) {
    const connected = m.zombies.filter((z) => z.connected);
    const parked = m.zombies.filter((z) => !z.connected);
    const parts: string[] = [];
    if (connected.length) parts.push(`connected: ${connected.map((z) => z.id).join(', ')} (a second scheduler; it competes for pods with spec.schedulerName = this name)`);
    if (parked.length) parts.push(`disconnected: ${parked.map((z) => z.id).join(', ')} (a registration whose id was lost; the master keeps it and its tasks running until its failover timeout — tear it down if those tasks are not wanted)`);
    found.push({ reason: 'ZombieFramework', message: `another framework with this framework name is on the master, ${parts.join('; ')}` });
  }
  const others = i.owner && i.etcd?.state === 'ok' ? i.etcd.candidates.filter((c) => candidateOwner(c, i.owner!.namespace, i.owner!.name) === 'foreign') : [];
  if (others.length) {
    found.push({
      reason: 'SharedFrameworkRoot',
      message: `another deployment shares this framework's etcd root: ${others.map(describeCandidate).join(', ')} campaign${others.length === 1 ? 's' : ''} in its election but ${others.length === 1 ? 'is not a pod' : 'are not pods'} of this resource. They compete for one framework; the operator neither revokes their leases nor tears the framework down while they run. Give each deployment its own flags.frameworkName or etcd.prefix`,
    });
  }
  const window = i.flapWindowMs ?? 10 * 60_000;
  const changes = (i.etcd?.transitions ?? []).filter((t) => t.to && i.now - t.at <= window).length;
  if (changes >= (i.flapThreshold ?? 4)) found.push({ reason: 'LeaderFlapping', message: `${changes} leader changes in the last ${Math.round(window / 60_000)} min` });
  if (i.replicas > 2) found.push({ reason: 'TooManyReplicas', message: `spec.replicas is ${i.replicas}: more than 2 schedulers has not been extensively tested (the original k8sm recommends at most 2)` });
  if (!found.length) return { status: 'False', reason: 'AsExpected', message: 'nothing degraded' };
  return { status: 'True', reason: found[0]!.reason, message: found.map((f) => f.message).join('; ') };
}

function ready(c: { [K in Exclude<ConditionType, 'Ready'>]: CondOf<K> }): CondOf<'Ready'> {
  const required: Array<Exclude<ConditionType, 'Ready' | 'Degraded' | 'ExecutorCompatible'>> = ['ConfigValid', 'ReplicasReady', 'LeaderElected', 'FrameworkRegistered', 'TasksReconciled'];
  for (const t of required) {
    if (c[t].status !== 'True') return { status: 'False', reason: c[t].reason, message: `${t}: ${c[t].message}` };
  }
  const ex = c.ExecutorCompatible;
  if (ex.status === 'False' && ex.reason === 'ExecutorHashMismatch') return { status: 'False', reason: ex.reason, message: `ExecutorCompatible: ${ex.message}` };
  return { status: 'True', reason: 'Ready', message: c.FrameworkRegistered.message };
}

/** The condition values (no times) for an observation. */
export function evaluateConditions(i: ConditionInput): Record<ConditionType, Cond> {
  const cv = configValid(i);
  const rr = replicasReady(i);
  const le = leaderElected(i);
  const fr = frameworkRegistered(i, le);
  const tr = tasksReconciled(i, fr);
  const ec = executorCompatible(i);
  const dg = degraded(i, fr);
  const base = { ConfigValid: cv, ReplicasReady: rr, LeaderElected: le, FrameworkRegistered: fr, TasksReconciled: tr, ExecutorCompatible: ec, Degraded: dg };
  return { ...base, Ready: ready(base) };
}

/** metav1.Conditions with lastTransitionTime carried over unless the status flips. */
export function toConditions(values: Record<ConditionType, Cond>, previous: Condition[] | undefined, generation: number, now: number): Condition[] {
  const prev = new Map((previous ?? []).map((c) => [c.type, c]));
  const at = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return CONDITION_TYPES.map((type) => {
    const v = values[type];
    const p = prev.get(type);
    return {
      type,
      status: v.status,
      observedGeneration: generation,
      lastTransitionTime: p && p.status === v.status && p.lastTransitionTime ? p.lastTransitionTime : at,
      reason: v.reason,
      message: truncate(v.message),
    };
  });
}

export interface ConditionChange {
  type: ConditionType;
  from?: Condition;
  to: Condition;
  /** The new value is the bad polarity (Warning Event). */
  bad: boolean;
}

/**
 * The condition changes worth an Event: a status flip (True ↔ False), or a new kind of degradation. Not: reason
 * or message changes within one status (progress), flips to or from Unknown ("we could not look"), or
 * ReplicasReady (the StatefulSet and its pods have their own Events). A condition seen for the first time counts
 * only when it reports a problem of the spec itself (ConfigValid, ExecutorCompatible, Degraded), so a new
 * resource does not get one Event per condition. Unknown → a value counts (e.g. the first reconciliation
 * complete); repeats within the series window collapse into one Event with a count.
 */
export function conditionChanges(previous: Condition[] | undefined, next: Condition[]): ConditionChange[] {
  const prev = new Map((previous ?? []).map((c) => [c.type, c]));
  const out: ConditionChange[] = [];
  for (const c of next) {
    const type = c.type as ConditionType;
    if (type === 'ReplicasReady' || c.status === 'Unknown') continue;
    const p = prev.get(type);
    const bad = c.status !== GOOD_STATUS[type];
    if (!p) {
      if (bad && (type === 'ConfigValid' || type === 'ExecutorCompatible' || type === 'Degraded')) out.push({ type, to: c, bad });
      continue;
    }
    if (p.status !== c.status || (type === 'Degraded' && c.status === 'True' && p.reason !== c.reason)) out.push({ type, from: p, to: c, bad });
  }
  return out;
}

export interface StatusInput {
  generation: number;
  conditions: Condition[];
  sts?: StatefulSetView;
  selector: string;
  frameworkName?: string;
  desiredExecutorHash?: string;
  etcd?: FrameworkSnapshot;
  mesos?: MesosObservation;
  lastFailover?: FailoverRecord;
  failoverHandled?: string;
  previous?: SchedulerHAStatus;
}

/** The status object (everything but what the API server owns). */
export function buildStatus(i: StatusInput): SchedulerHAStatus {
  const prev = i.previous ?? {};
  const e = i.etcd;
  const ls = currentLeaderStatus(e);
  const st: SchedulerHAStatus = {
    observedGeneration: i.generation,
    conditions: i.conditions,
    replicas: i.sts?.replicas ?? 0,
    readyReplicas: i.sts?.readyReplicas ?? 0,
    selector: i.selector,
  };
  if (e && e.state === 'ok') {
    if (e.leader) {
      const id = e.leader.identity;
      st.leader = {
        pod: id?.pod ?? id?.id ?? e.leader.key.slice(e.leader.key.lastIndexOf('/') + 1),
        ...(id?.id ? { identity: id.id } : {}),
        since: ls?.since ?? new Date(e.leader.since).toISOString(),
        leaseID: e.leader.leaseIdHex,
        term: e.leader.createRevision,
      };
    }
    const fid = e.frameworkId ?? ls?.frameworkId;
    if (fid) st.frameworkID = fid;
    else if (prev.frameworkID) st.frameworkID = prev.frameworkID;
  } else {
    // etcd not observable right now: keep what we knew rather than blanking the printed columns.
    if (prev.leader) st.leader = prev.leader;
    if (prev.frameworkID) st.frameworkID = prev.frameworkID;
  }
  if (i.frameworkName) st.frameworkName = i.frameworkName;
  if (i.desiredExecutorHash) st.executorHash = i.desiredExecutorHash;
  const master = (i.mesos?.state === 'ok' ? i.mesos.masterUrl : undefined) ?? ls?.masterUrl ?? prev.mesosMaster;
  if (master) st.mesosMaster = master;
  const counts = i.mesos?.tasks ?? ls?.tasks;
  if (counts || ls) {
    st.tasks = {
      total: counts?.total ?? 0,
      byState: counts?.byState ?? {},
      ...(ls?.reconciliation.completedAt ? { lastReconciled: ls.reconciliation.completedAt } : prev.tasks?.lastReconciled ? { lastReconciled: prev.tasks.lastReconciled } : {}),
      ...(ls?.reconciliation.durationSeconds !== undefined ? { reconcileSeconds: ls.reconciliation.durationSeconds } : prev.tasks?.reconcileSeconds !== undefined ? { reconcileSeconds: prev.tasks.reconcileSeconds } : {}),
    };
  } else if (prev.tasks) st.tasks = prev.tasks;
  const lf = i.lastFailover ?? prev.lastFailover;
  if (lf) st.lastFailover = lf;
  const handled = i.failoverHandled ?? prev.failoverHandled;
  if (handled !== undefined) st.failoverHandled = handled;
  return st;
}

/** RFC 7386 merge patch turning `from` into `to` (null deletes; arrays are replaced whole). Undefined when equal. */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (to === undefined) return null;
  if (isObj(from) && isObj(to)) {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (!(k in to) || to[k] === undefined) {
        if (k in from && from[k] !== undefined) out[k] = null;
        continue;
      }
      const d = mergePatchDiff(from[k], to[k]);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  // Key order may differ (the API server returns custom resources with sorted keys): compare canonically.
  return canonicalJson(from) === canonicalJson(to) ? undefined : to;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
