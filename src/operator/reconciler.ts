// Reconcile(key) for one SchedulerHA:
//
//   plan (pure, plan.ts) → apply (server-side apply of each child, only when it differs; the desired executor hash
//   is sanctioned in etcd BEFORE the StatefulSet changes) → actions (manual failover by annotation, lease revoke
//   of a leader whose pod is gone or whose container terminated) → observe (StatefulSet and pods from the
//   informer caches; the framework's etcd keys from its watch; GET_FRAMEWORKS / GET_TASKS on the leading master)
//   → conditions (pure, conditions.ts) → ONE merge patch on /status, only when something changed → Events for
//   every transition.
//
// An invalid spec changes no child: ConfigValid=False carries the validator's messages and the deployed
// configuration (the ConfigMap's argv) is still observed. Neither does a change of spec.etcd.endpoints to another
// etcd cluster while replicas run (ConfigValid=False EtcdClusterChanged, etcd-move.ts): it would mean two
// elections. Deletion honours deletionPolicy through a finalizer that exists only for Teardown (Orphan needs no
// clean-up: the children are garbage-collected, the framework and its etcd state stay, and re-creating the
// resource resumes the same framework id).
import type { Etcd3 } from 'etcd3';
import type * as k8s from '@kubernetes/client-node';
import { applyDefaults } from '../api/defaults.js';
import type { Condition, FailoverRecord, SchedulerHA, SchedulerHASpec, SchedulerHAStatus, EtcdSpec } from '../api/types.js';
import { GROUP, PLURAL, VERSION } from '../api/types.js';
import type { EtcdTlsKeys } from '../api/flags.js';
import type { KeyLayout } from '../api/keys.js';
import { validateSchedulerHA, type ValidationResult } from '../api/validate.js';
import { clientCallTimeoutMs, deadlineIn } from '../election/client.js';
import type { KubeClients } from '../kube/config.js';
import { decodeApiError, describeApiError, isConflict, isNotFound } from '../kube/errors.js';
import type { EventRecorder, ObjectReference } from '../kube/events.js';
import type { Informer, KubeObject } from '../kube/informer.js';
import { applyObject, mergePatchCustomStatus, mergePatchObject, resourcePath } from '../kube/patch.js';
import { kubeRequestOk, listPodByName } from '../kube/request.js';
import { errorMessage, SchedulerHAError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { buildStatus, conditionChanges, evaluateConditions, mergePatchDiff, toConditions, type PodView, type StatefulSetView } from './conditions.js';
import type { EtcdPool } from './etcd-pool.js';
import { judgeEtcdMove, sameEndpoints, type EtcdSide } from './etcd-move.js';
import { deleteFrameworkState, FrameworkWatch, putDesiredExecutorHash, putFailoverRequest, refOf, revokeLeaderLease, type FrameworkSnapshot, type LeaderRef } from './framework-watch.js';
import type { MesosAccess, MesosObservation, MesosPool } from './mesos-pool.js';
import { claimOf, judgeClaim, type FrameworkClaim } from './framework-claims.js';
import type { TlsPem } from '../mesos/tls.js';
import type { OperatorMetrics } from './metrics.js';
import { candidateOwner, judgeTeardown, podOfStatefulSet } from './ownership.js';
import { ANNOTATIONS, CONTAINER_NAME, FIELD_MANAGER, LABELS, MANAGED_BY, canonicalJson, comparableView, configFromConfigMap, configFromStatefulSet, etcdSpecFromStatefulSet, isSubset, planChildren, shortHash, type Plan, type RenderedConfig } from './plan.js';
import type { ReconcileContext, ReconcileResult } from './queue.js';

export const FINALIZER = 'k8sm.io/teardown';
export const REPORTING_CONTROLLER = 'k8sm.io/schedulerha-operator';

export interface ReconcilerInformers {
  schedulerhas: Informer<SchedulerHA & KubeObject>;
  statefulsets: Informer<KubeObject>;
  pods: Informer<KubeObject>;
  configmaps: Informer<KubeObject>;
  services: Informer<KubeObject>;
  pdbs: Informer<KubeObject>;
}

export interface ReconcilerOptions {
  schedulerImage: string;
  /** fsGroup of the scheduler pods (null: none); default 1000. */
  schedulerFsGroup?: number | null;
  /** Re-observe (Mesos has no watch) this often while Ready / while not (default 30 s / 5 s). */
  readyPollMs?: number;
  unreadyPollMs?: number;
  /** How long a Secret read is reused (default 60 s). */
  secretCacheMs?: number;
  /** Leader changes in `flapWindowMs` that make Degraded=LeaderFlapping (default 4 in 10 min). */
  flapThreshold?: number;
  flapWindowMs?: number;
  /** This operator instance, for the failover-request record. */
  identity: string;
}

export interface ReconcilerDeps {
  kc: k8s.KubeConfig;
  clients: KubeClients;
  informers: ReconcilerInformers;
  etcd: EtcdPool;
  mesos: MesosPool;
  recorder: EventRecorder;
  metrics: OperatorMetrics;
  enqueue: (key: string) => void;
  log: Logger;
  options: ReconcilerOptions;
}

interface RevokeRecord {
  at: number;
  reason: string;
}

/** What the reconciler remembers about one resource between runs (all of it reconstructible after a restart). */
interface ResourceState {
  key: string;
  uid?: string;
  last?: SchedulerHA;
  watch?: FrameworkWatch;
  watchKey?: string;
  etcd?: Etcd3;
  mesosKey?: string;
  /** Last processed transition time. */
  transitionsSeenAt: number;
  /** `unseen`: found vacant on a re-read after the watch was down; `at` is then when the operator lost sight of etcd. */
  vacated?: { at: number; from?: LeaderRef; unseen?: boolean };
  failoverPending?: { annotation: string; at: number; fromTerm?: string };
  /** A leader change whose new leader has not reported SUBSCRIBED yet: lastFailover.seconds then grows by the
   * leader's own elected → SUBSCRIBED time, so it covers the whole outage (a resign hands the key over in one
   * revision, which alone would read as 0 s). */
  failoverSubscribing?: { term: string; electedSeconds: number; reason: string };
  revoked: Map<string, RevokeRecord>;
  leaderPod?: { term: string; pod: string; uid: string; restartCount: number };
  lastFailover?: FailoverRecord;
  /** The last k8sm.io/failover value acted on (status.failoverHandled once written). */
  failoverHandled?: string;
  /** The leader's pod seen deleting (its container still running) at `at`: it has RESIGN_GRACE_MS to resign. */
  leaderDeleting?: { term: string; at: number };
  /** spec.replicas was 0 since the last leader change: the next new leader starts the framework again after a
   * scale-up (not a failover). */
  scaledToZero?: boolean;
  /** The etcd endpoint change (`from→to`) already warned about as unverified. */
  etcdMoveWarned?: string;
  /** Teardown: since when election keys are awaited after our pods were gone (ours expire within one lease TTL). */
  teardownWaitSince?: number;
  /** resourceVersions of our own writes of children (their informer events need no reconcile). */
  ownWrites: Set<string>;
}

const podsKey = (ns: string, name: string): string => `${ns}/${name}`;

/** How long a leader whose pod is being deleted gracefully has to resign before its lease is revoked: SIGTERM makes
 * a healthy replica resign within milliseconds; one that has not after this is frozen or hung. */
export const RESIGN_GRACE_MS = 2000;

export class Reconciler {
  private readonly states = new Map<string, ResourceState>();
  /** Read-your-writes: the object our last write returned, until the informer catches up (kopf "consistency",
   * JOSDK "primary cache"): a reconcile must not diff against a status older than the one it just wrote. */
  private readonly fresh = new Map<string, { obj: SchedulerHA; rv: string; at: number }>();
  private readonly secretCache = new Map<string, { at: number; data: Record<string, string> | undefined; last?: Record<string, string> }>();
  private readonly ownChildWrites = new Set<string>();
  /** Children being written now → resourceVersions their informer delivered meanwhile. The API server sends a
   * write's watch event before (or while) it answers the write, so the echo of our own write usually arrives
   * before we know its resourceVersion; it is judged when the write returns. */
  private readonly writingChildren = new Map<string, Set<string>>();

  constructor(private readonly d: ReconcilerDeps) {}

  // ---- informer plumbing (handlers only enqueue) -------------------------------------------------------------

  /** Handler for SchedulerHA events: everything but our own status writes (generation, metadata, deletion). */
  onSchedulerHA(obj: SchedulerHA, info: { type: 'add' | 'update' | 'delete'; old?: SchedulerHA }): void {
    const key = podsKey(obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    const f = this.fresh.get(key);
    if (f && (info.type === 'delete' || rvAtLeast(obj.metadata.resourceVersion, f.rv))) this.fresh.delete(key);
    if (info.type === 'update' && info.old) {
      const a = info.old.metadata;
      const b = obj.metadata;
      const statusOnly =
        a.generation === b.generation &&
        a.deletionTimestamp === b.deletionTimestamp &&
        JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {}) &&
        JSON.stringify(a.finalizers ?? []) === JSON.stringify(b.finalizers ?? []) &&
        JSON.stringify(a.labels ?? {}) === JSON.stringify(b.labels ?? {});
      if (statusOnly) return;
    }
    this.d.log.debug({ key, event: info.type, generation: obj.metadata.generation }, 'SchedulerHA changed; reconciling');
    this.d.enqueue(key);
  }

  /** Handler for owned children (StatefulSets, ConfigMaps, Services, PDBs): enqueue the owner, except for the
   * echo of our own writes. */
  onChild(obj: KubeObject): void {
    const rv = obj.metadata?.resourceVersion;
    const child = `${obj.kind ?? ''}/${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const ck = `${child}@${rv}`;
    const writing = this.writingChildren.get(child);
    if (rv && writing) {
      writing.add(rv);
      return;
    }
    if (rv && this.ownChildWrites.delete(ck)) return;
    const owner = obj.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'SchedulerHA');
    if (owner && obj.metadata?.namespace) {
      this.d.log.debug({ child: ck, owner: owner.name }, 'a child changed; reconciling its owner');
      this.d.enqueue(podsKey(obj.metadata.namespace, owner.name));
    }
  }

  onPod(obj: KubeObject): void {
    const owner = obj.metadata?.labels?.[LABELS.owner];
    if (owner && obj.metadata?.namespace) this.d.enqueue(podsKey(obj.metadata.namespace, owner));
  }

  /** Why `obj` must not run its framework: an older SchedulerHA (this operator sees) claims the same pods or an
   * overlapping etcd root. */
  private claimConflict(obj: SchedulerHA): string | undefined {
    const self = claimOf(obj);
    if (!self) return undefined;
    const others: FrameworkClaim[] = [];
    for (const o of this.d.informers.schedulerhas.list()) {
      // Every reconcile looks at every resource: a cold start of N resources would parse N² claims.
      let c = this.claims.get(o);
      if (c === undefined) this.claims.set(o, (c = claimOf(o as SchedulerHA) ?? null));
      if (c) others.push(c);
    }
    return judgeClaim(self, others);
  }

  /** Claims by cached object (the informer replaces an object on every change). */
  private readonly claims = new WeakMap<object, FrameworkClaim | null>();

  /** Keys of every SchedulerHA in the cache (periodic resync). */
  allKeys(): string[] {
    return this.d.informers.schedulerhas.keys();
  }

  /** The newest object we know for `key`: the informer's, or our own write's response if that is newer. */
  freshest(key: string): SchedulerHA | undefined {
    const cached = this.d.informers.schedulerhas.getByKey(key) as SchedulerHA | undefined;
    const f = this.fresh.get(key);
    if (!f) return cached;
    // A spec change the cache shows (a newer generation) wins whatever the versions say.
    if (!cached || (cached.metadata.generation ?? 0) > (f.obj.metadata.generation ?? 0) || !ownWriteIsNewer(cached.metadata.resourceVersion, f.rv, Date.now() - f.at)) {
      this.fresh.delete(key);
      return cached;
    }
    return f.obj;
  }

  private remember(key: string, obj: SchedulerHA): void {
    const rv = obj.metadata?.resourceVersion;
    if (!rv) return;
    const cached = this.d.informers.schedulerhas.getByKey(key) as SchedulerHA | undefined;
    if (cached && rvAtLeast(cached.metadata.resourceVersion, rv)) return;
    this.fresh.set(key, { obj, rv, at: Date.now() });
  }

  // ---- reconcile -----------------------------------------------------------------------------------------------

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const obj = this.freshest(key);
    if (!obj) {
      await this.forget(key);
      return {};
    }
    let st = this.states.get(key);
    if (st && st.uid && st.uid !== obj.metadata.uid) {
      // Deleted and re-created under the same name while we were not looking: start over.
      await this.forget(key, { quiet: true });
      st = undefined;
    }
    if (!st) {
      st = { key, transitionsSeenAt: 0, revoked: new Map(), ownWrites: new Set() };
      this.states.set(key, st);
      this.d.metrics.managedResources.set(this.states.size);
    }
    st.uid = obj.metadata.uid;
    st.last = obj;
    const log = this.d.log.child({ namespace: obj.metadata.namespace, name: obj.metadata.name, key });
    if (obj.metadata.deletionTimestamp) return await this.finalize(obj, st, log, ctx);

    const ns = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    const problems: string[] = [];
    // The errors behind them, so the queue still finds a server's Retry-After (a 429) in the one it is thrown.
    const problemErrors: unknown[] = [];
    const validation = validateSchedulerHA({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace: ns }, spec: obj.spec }, { served: true });
    // Overlapping an older resource's framework (framework-claims.ts): held like an invalid spec — nothing deployed
    // or changed, and whatever runs already is observed.
    const frameworkInUse = validation.errors.length === 0 ? this.claimConflict(obj) : undefined;
    const valid = validation.errors.length === 0 && !frameworkInUse;
    let current = obj;
    let plan: Plan | undefined;
    let rendered: RenderedConfig | undefined;
    let spec = obj.spec;
    // A move to another etcd cluster that cannot be rolled out (etcd-move.ts): held like an invalid spec — no child
    // changes, and what runs is observed.
    let etcdMoveHeld: string | undefined;
    let heldEtcd: EtcdSpec | undefined;
    let liveStsReplicas: number | undefined;
    if (valid) {
      spec = applyDefaults(obj.spec);
      const liveSts = this.d.informers.statefulsets.get(name, ns);
      const secretsHash = await this.mountedSecretsHash(ns, spec, liveSts, log);
      const etcdTlsKeys = await this.etcdTlsKeys(ns, spec, liveSts);
      plan = planChildren(obj, spec, { schedulerImage: this.d.options.schedulerImage, ...(this.d.options.schedulerFsGroup !== undefined ? { fsGroup: this.d.options.schedulerFsGroup } : {}), ...(secretsHash ? { secretsHash } : {}), ...(etcdTlsKeys ? { etcdTlsKeys } : {}) });
      rendered = plan.rendered;
      current = await this.ensureFinalizer(current, spec.deletionPolicy === 'Teardown', log);
      const deployed = liveSts && ownedBy(liveSts, obj) ? configFromStatefulSet(liveSts) : undefined;
      if (deployed && !sameEndpoints(deployed.config.etcdServers, spec.etcd.endpoints)) {
        const deployedEtcd = etcdSpecFromStatefulSet(liveSts!, deployed);
        etcdMoveHeld = await this.judgeEtcdMove(obj, st, deployed.keys, deployedEtcd, spec.etcd, log);
        if (etcdMoveHeld) {
          plan = undefined;
          rendered = deployed;
          heldEtcd = deployedEtcd;
          liveStsReplicas = (liveSts!.spec as { replicas?: number } | undefined)?.replicas ?? 1;
        }
      }
    } else {
      rendered = configFromConfigMap(this.d.informers.configmaps.get(`${name}-config`, ns) as { data?: Record<string, string> } | undefined);
    }
    const applying = valid && !etcdMoveHeld;
    // The replicas wanted: the spec's, or while it is not applied what the StatefulSet runs (an invalid spec's
    // value is still shown, as the user's intent).
    const wantReplicas = etcdMoveHeld ? liveStsReplicas : valid ? spec.replicas : obj.spec?.replicas;

    // etcd (the framework's keys, watched) and the children that do not depend on it, at once: the ConfigMap and
    // the Service are applied while the watch syncs; the StatefulSet waits for etcd (its executor hash must be
    // sanctioned first).
    const watched = rendered
      ? this.watchFramework(st, ns, rendered, applying ? spec.etcd : (heldEtcd ?? etcdSpecFromConfig(rendered, obj.spec?.etcd)))
      : Promise.resolve({ etcdError: 'no valid configuration (the spec is invalid and nothing was deployed yet)' } as { snap?: FrameworkSnapshot; etcdError?: string });
    const independent = plan && rendered ? this.applyIndependentChildren(obj, st, plan, log, ctx.signal) : Promise.resolve(undefined);
    const [w, independentError] = await Promise.all([watched, independent]);
    let snap = w.snap;
    const etcdError = w.etcdError;
    if (snap === undefined && rendered) problems.push(`etcd: ${etcdError}`);

    // Apply (valid specs only). The desired executor hash is sanctioned before the StatefulSet can change.
    let appliedSts: KubeObject | undefined;
    let childConflict: string | undefined;
    if (plan && rendered) {
      try {
        if (independentError) throw independentError;
        appliedSts = await this.applyChildren(obj, st, plan, snap, log, ctx.signal);
      } catch (err) {
        if (err instanceof SchedulerHAError && err.reason === 'ChildConflict') childConflict = err.message;
        problems.push(`apply: ${describeApiError(err)}`);
        problemErrors.push(err);
        log.warn({ err: errorMessage(err) }, 'applying the children failed');
      }
    }

    // Actions. Scaled to zero, the leader's pod goes because nothing is to run: no standby to hand over to, so
    // no lease to revoke, and the leader elected after the scale-up is no failover.
    const scaledToZero = wantReplicas === 0;
    if (scaledToZero) st.scaledToZero = true;
    if (snap?.state === 'ok' && st.etcd && rendered) {
      await this.manualFailover(current, st, snap, rendered, log).catch((err: unknown) => (problems.push(`failover request: ${errorMessage(err)}`), problemErrors.push(err)));
      if (!scaledToZero) await this.assistedFailover(current, st, snap, log, ctx.signal).catch((err: unknown) => (problems.push(`lease revoke: ${errorMessage(err)}`), problemErrors.push(err)));
      snap = st.watch!.snapshot;
    }

    // Observe. The StatefulSet we just wrote is newer than the informer's copy until its event arrives: judging by
    // the cache would write a status about the old one now and the right one on the next pass.
    const stsObj = newest(this.d.informers.statefulsets.get(name, ns), appliedSts);
    const sts = stsObj && ownedBy(stsObj, obj) ? stsView(stsObj) : undefined;
    const pods = this.podsOf(ns, name);
    let mesos: MesosObservation | undefined;
    const frameworkId = snap?.frameworkId ?? snap?.leaderStatus?.frameworkId;
    // Without a framework id only once a scheduler leads: a framework with our name on the master is then someone
    // else's (a zombie whose id was lost, or a second scheduler), which the leader is about to compete with.
    if (rendered && (frameworkId || snap?.leader)) {
      try {
        await this.ensureMesos(st, ns, rendered, obj);
        mesos = await this.d.mesos.observe(key, { ...(frameworkId ? { frameworkId } : {}), frameworkName: rendered.frameworkName, tasks: true, signal: ctx.signal });
      } catch (err) {
        mesos = { state: 'error', error: errorMessage(err), zombies: [], fetchedAt: Date.now() };
      }
    }
    if (snap) this.trackFailovers(current, st, snap, log);

    // Conditions and status.
    const now = Date.now();
    const replicas = wantReplicas ?? 2;
    const prevStatus: SchedulerHAStatus = current.status ?? {};
    const values = evaluateConditions({
      generation: current.metadata.generation ?? 0,
      now,
      replicas: typeof replicas === 'number' ? replicas : 2,
      validation,
      ...(etcdMoveHeld ? { etcdMoveHeld } : {}),
      ...(frameworkInUse ? { frameworkInUse } : {}),
      ...(rendered ? { desiredExecutorHash: rendered.executorHash } : {}),
      ...(sts ? { sts } : {}),
      ...(childConflict ? { childConflict } : {}),
      pods,
      ...(snap ? { etcd: snap } : {}),
      ...(etcdError ? { etcdError } : {}),
      ...(mesos ? { mesos } : {}),
      ...(this.d.options.flapThreshold !== undefined ? { flapThreshold: this.d.options.flapThreshold } : {}),
      ...(this.d.options.flapWindowMs !== undefined ? { flapWindowMs: this.d.options.flapWindowMs } : {}),
      owner: { namespace: ns, name },
    });
    const conditions = toConditions(values, prevStatus.conditions, current.metadata.generation ?? 0, now);
    const status = buildStatus({
      generation: current.metadata.generation ?? 0,
      conditions,
      ...(sts ? { sts } : {}),
      selector: plan?.selector ?? prevStatus.selector ?? '',
      ...(rendered ? { frameworkName: rendered.frameworkName, desiredExecutorHash: rendered.executorHash } : {}),
      ...(snap ? { etcd: snap } : {}),
      ...(mesos ? { mesos } : {}),
      ...(st.lastFailover ? { lastFailover: st.lastFailover } : {}),
      ...(st.failoverHandled !== undefined ? { failoverHandled: st.failoverHandled } : {}),
      previous: prevStatus,
    });
    const patch = mergePatchDiff(prevStatus, status);
    if (patch !== undefined) {
      try {
        const updated = await mergePatchCustomStatus<SchedulerHA>(this.d.kc, { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name }, patch as Record<string, unknown>, {}, ctx.signal);
        this.remember(key, updated);
        this.d.metrics.statusPatches.inc({ result: 'written' });
      } catch (err) {
        this.d.metrics.statusPatches.inc({ result: 'error' });
        if (isNotFound(err)) return {};
        throw err;
      }
      this.emitTransitions(current, prevStatus.conditions, conditions);
    } else this.d.metrics.statusPatches.inc({ result: 'skipped' });

    this.d.metrics.setConditions(ns, name, conditions);
    this.d.metrics.frameworkRegistered.set({ namespace: ns, name }, values.FrameworkRegistered.status === 'True' ? 1 : 0);
    this.d.metrics.zombieFrameworks.set({ namespace: ns, name }, mesos?.zombies.length ?? 0);
    if (status.tasks) this.d.metrics.setTasks(ns, name, status.tasks.byState);

    if (problems.length) throw new SchedulerHAError('ReconcileIncomplete', problems.join('; '), problemErrors.length ? { cause: new AggregateError(problemErrors) } : undefined);
    // A held etcd move waits on the other cluster (the framework keys copied there), which nothing here watches; a
    // held claim on the other resource's deletion or rename, whose events wake only that resource.
    const result = etcdMoveHeld || frameworkInUse ? { requeueAfterMs: this.d.options.unreadyPollMs ?? 5_000 } : this.requeueAfter(values.Ready.status === 'True', typeof replicas === 'number' ? replicas : 2, frameworkId);
    // A leader pod being deleted is looked at again when its resign grace ends (a resign would wake us sooner).
    const recheck = st.leaderDeleting && st.leaderDeleting.term === snap?.leader?.createRevision ? Math.max(50, st.leaderDeleting.at + RESIGN_GRACE_MS - Date.now()) : undefined;
    return recheck !== undefined && (result.requeueAfterMs === undefined || recheck < result.requeueAfterMs) ? { requeueAfterMs: recheck } : result;
  }

  private requeueAfter(ready: boolean, replicas: number, frameworkId: string | undefined): ReconcileResult {
    // Mesos has no watch for us: re-observe periodically while there is a framework or replicas to look at.
    if (ready) return { requeueAfterMs: this.d.options.readyPollMs ?? 30_000 };
    if (replicas > 0) return { requeueAfterMs: this.d.options.unreadyPollMs ?? 5_000 };
    if (frameworkId) return { requeueAfterMs: this.d.options.readyPollMs ?? 30_000 };
    return {};
  }

  // ---- children ------------------------------------------------------------------------------------------------

  /** The ConfigMap and the Service (nothing they hold depends on etcd). Resolves with the first error, if any. */
  private async applyIndependentChildren(owner: SchedulerHA, st: ResourceState, plan: Plan, log: Logger, signal: AbortSignal): Promise<unknown> {
    const ns = owner.metadata.namespace!;
    const inf = this.d.informers;
    const results = await Promise.allSettled([
      this.applyChild(owner, st, plan.configMap, inf.configmaps.get(plan.names.configMap, ns), log, signal),
      this.applyChild(owner, st, plan.service, inf.services.get(plan.names.service, ns), log, signal),
    ]);
    return results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
  }

  /** The executor hash sanction, the StatefulSet and the PDB (after applyIndependentChildren). Resolves with the
   * StatefulSet as the API server returned it when it was written. */
  private async applyChildren(owner: SchedulerHA, st: ResourceState, plan: Plan, snap: FrameworkSnapshot | undefined, log: Logger, signal: AbortSignal): Promise<KubeObject | undefined> {
    const ns = owner.metadata.namespace!;
    const inf = this.d.informers;
    const liveSts = inf.statefulsets.get(plan.names.statefulSet, ns);
    const liveHash = (liveSts?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[ANNOTATIONS.executorHash];
    // The rollout can complete only if a replica with the new hash may take over: sanction it first.
    await this.sanctionExecutorHash(owner, st, plan.rendered, snap, liveHash, log);
    const sts = await this.applyChild(owner, st, plan.statefulSet, liveSts, log, signal);
    const livePdb = inf.pdbs.get(plan.names.pdb, ns);
    if (plan.pdb) await this.applyChild(owner, st, plan.pdb, livePdb, log, signal);
    else if (livePdb && ownedBy(livePdb, owner)) {
      await kubeRequestOk(this.d.kc, { method: 'DELETE', path: resourcePath({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: ns, name: plan.names.pdb }), signal }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      this.d.metrics.childWrites.inc({ kind: 'PodDisruptionBudget', action: 'delete' });
      this.d.recorder.normal(refOf_(owner), 'Deleted', 'Reconcile', `deleted PodDisruptionBudget ${plan.names.pdb} (replicas ≤ 1)`);
    }
    return sts;
  }

  /** Applies `desired` unless `live` already matches it; resolves with the written object (undefined: unchanged). */
  private async applyChild(owner: SchedulerHA, st: ResourceState, desired: Record<string, unknown> & { kind: string; metadata: { name: string; namespace: string; annotations: Record<string, string> } }, live: KubeObject | undefined, log: Logger, signal: AbortSignal): Promise<KubeObject | undefined> {
    const kind = desired.kind;
    const name = desired.metadata.name;
    // The informers see only objects labelled as ours. Not in the cache is not "absent": an apply onto an object
    // someone else made under this name would take it over silently, so look before creating.
    live ??= await kubeRequestOk<KubeObject>(this.d.kc, { method: 'GET', path: resourcePath({ apiVersion: desired.apiVersion as string, kind, namespace: desired.metadata.namespace, name }), signal }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (live && !ownedBy(live, owner)) {
      if (!adoptable(live, owner)) {
        const controller = live.metadata?.ownerReferences?.find((r) => r.controller);
        throw new SchedulerHAError(
          'ChildConflict',
          `${kind} ${name} exists but is not controlled by this SchedulerHA (uid ${owner.metadata.uid}): ${controller ? `its controller is ${controller.kind} ${controller.name} (uid ${controller.uid})` : `it does not carry the labels ${LABELS.managedBy}=${MANAGED_BY} and ${LABELS.owner}=${owner.metadata.name}`}; rename or delete it`,
        );
      }
      // An orphan of an earlier SchedulerHA of this name (`kubectl delete --cascade=orphan`): adopt it, as the
      // workload controllers do — the apply below sets our controller reference.
      log.info({ kind, name }, 'adopting an orphaned child');
      this.d.recorder.normal(refOf_(owner), 'Adopted', 'Reconcile', `adopted the orphaned ${kind} ${name}`);
    } else if (live) {
      const same = live.metadata?.annotations?.[ANNOTATIONS.appliedHash] === desired.metadata.annotations[ANNOTATIONS.appliedHash] && isSubset(comparableView(desired), live);
      if (same) return undefined;
    }
    const child = `${kind}/${desired.metadata.namespace}/${name}`;
    const seen = new Set<string>();
    this.writingChildren.set(child, seen);
    let res: KubeObject;
    try {
      res = await applyObject<KubeObject>(this.d.kc, desired, { fieldManager: FIELD_MANAGER, force: true, signal });
    } finally {
      if (this.writingChildren.get(child) === seen) this.writingChildren.delete(child);
    }
    const rv = res.metadata?.resourceVersion;
    // Events that arrived during the write: our own echo needs nothing; anything newer is someone else's change.
    if ([...seen].some((x) => x !== rv && (!rv || rvAtLeast(x, rv)))) this.d.enqueue(`${owner.metadata.namespace}/${owner.metadata.name}`);
    if (rv && !seen.has(rv)) {
      this.ownChildWrites.add(`${child}@${rv}`);
      if (this.ownChildWrites.size > 10_000) this.ownChildWrites.clear();
    }
    void st;
    const action = live ? 'update' : 'create';
    this.d.metrics.childWrites.inc({ kind, action });
    log.info({ kind, child: name, action }, `${action === 'create' ? 'created' : 'updated'} ${kind}`);
    this.d.recorder.normal(refOf_(owner), live ? 'Updated' : 'Created', 'Reconcile', `${live ? 'updated' : 'created'} ${kind} ${name}`);
    return res;
  }

  private async sanctionExecutorHash(owner: SchedulerHA, st: ResourceState, r: RenderedConfig, snap: FrameworkSnapshot | undefined, liveHash: string | undefined, log: Logger): Promise<void> {
    if (snap?.state === 'ok' && snap.desiredExecutorHash?.hash === r.executorHash) return;
    if (!st.etcd || !snap || snap.state !== 'ok') {
      // Without etcd we cannot sanction a change: never roll out a new executor hash unsanctioned.
      if (liveHash !== undefined && liveHash !== r.executorHash) throw new SchedulerHAError('EtcdUnreachable', `cannot sanction executor hash ${r.executorHash} in etcd; not rolling out the StatefulSet`);
      return;
    }
    const rec = {
      hash: r.executorHash,
      inputs: r.executorHashInputs,
      by: `schedulerha-operator ${owner.metadata.namespace}/${owner.metadata.name} generation ${owner.metadata.generation ?? 0}`,
      at: new Date().toISOString(),
    };
    st.watch?.noteOwnWrite(r.keys.desiredExecutorHash, JSON.stringify(rec));
    await putDesiredExecutorHash(st.etcd, r.keys, rec);
    const stored = snap.executorHash?.hash;
    if (stored && stored !== r.executorHash) {
      log.info({ from: stored, to: r.executorHash }, 'sanctioned a new executor-config hash');
      this.d.recorder.normal(refOf_(owner), 'ExecutorHashSanctioned', 'Reconcile', `the spec renders executor-config hash ${r.executorHash} (the last leader ran ${stored}); sanctioned it at ${r.keys.desiredExecutorHash} so updated replicas can take over`);
    }
  }

  /** What spec.etcd.tlsSecret holds, so the pods are given only the files they have. A Secret that cannot be read
   * now keeps what the StatefulSet runs with (an API hiccup must not roll the replicas); undefined: the default. */
  private async etcdTlsKeys(ns: string, spec: SchedulerHASpec, liveSts: KubeObject | undefined): Promise<EtcdTlsKeys | undefined> {
    if (!spec.etcd.tlsSecret) return undefined;
    const d = await this.readSecret(ns, spec.etcd.tlsSecret).catch(() => undefined);
    if (d) return { ca: d['ca.crt'] !== undefined, clientCert: d['tls.crt'] !== undefined && d['tls.key'] !== undefined };
    const deployed = liveSts ? configFromStatefulSet(liveSts) : undefined;
    return deployed?.config.etcdCaFile || deployed?.config.etcdCertFile ? { ca: !!deployed.config.etcdCaFile, clientCert: !!deployed.config.etcdCertFile } : undefined;
  }

  /** The hash of the data of the Secrets the scheduler pods mount (undefined: none). One that cannot be read now
   * keeps the hash the StatefulSet has: an API hiccup must not roll the replicas. */
  private async mountedSecretsHash(ns: string, spec: SchedulerHASpec, liveSts: KubeObject | undefined, log: Logger): Promise<string | undefined> {
    const names = [spec.etcd.tlsSecret, spec.etcd.credentialsSecret, spec.mesos.credentialsSecret, spec.mesos.zkCredentialsSecret, spec.mesos.tls?.caSecret, spec.mesos.tls?.clientSecret].filter((n): n is string => !!n);
    if (!names.length) return undefined;
    try {
      return shortHash(canonicalJson(await Promise.all(names.map(async (n) => [n, (await this.readSecret(ns, n)) ?? null]))));
    } catch (err) {
      log.warn({ err: errorMessage(err), secrets: names }, 'cannot read the Secrets the scheduler pods mount; keeping their hash on the StatefulSet');
      return (liveSts?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[ANNOTATIONS.secretsHash];
    }
  }

  /** spec.etcd.endpoints differ from those the StatefulSet runs with: reads both sides (cluster id, framework id)
   * and judges the change (etcd-move.ts). Resolves with the message when the change must be held. */
  private async judgeEtcdMove(owner: SchedulerHA, st: ResourceState, keys: KeyLayout, deployed: EtcdSpec, desired: EtcdSpec, log: Logger): Promise<string | undefined> {
    const ns = owner.metadata.namespace!;
    const read = async (side: string, spec: EtcdSpec): Promise<EtcdSide> => {
      // Own pool owners, released at once: the watch's client stays whatever it was.
      const user = `${st.key}#etcd-move-${side}`;
      try {
        const client = await this.d.etcd.acquire(user, ns, spec);
        const r = await client.kv.range({ key: Buffer.from(keys.frameworkId) }, deadlineIn(clientCallTimeoutMs(client)));
        const id = r.kvs[0]?.value.toString().trim();
        return { endpoints: spec.endpoints, clusterId: String(r.header.cluster_id), ...(id ? { frameworkId: id } : {}) };
      } catch (err) {
        return { endpoints: spec.endpoints, error: errorMessage(err) };
      } finally {
        this.d.etcd.release(user);
      }
    };
    const [from, to] = await Promise.all([read('deployed', deployed), read('desired', desired)]);
    const j = judgeEtcdMove({ deployed: from, desired: to, podsRunning: this.podsOf(ns, owner.metadata.name!).length, root: keys.root });
    if (j.action === 'hold') {
      log.warn({ from: from.endpoints, to: to.endpoints, fromCluster: from.clusterId, toCluster: to.clusterId }, 'holding a change of spec.etcd.endpoints to another etcd cluster');
      return j.message;
    }
    if (j.action === 'unverified') {
      const pair = `${from.endpoints.join(',')}→${to.endpoints.join(',')}`;
      if (st.etcdMoveWarned !== pair) {
        st.etcdMoveWarned = pair;
        log.warn({ why: j.why }, 'rolling out new etcd endpoints unverified');
        this.d.recorder.warning(refOf_(owner), 'EtcdClusterUnverified', 'Reconcile', `${j.why}; rolling the StatefulSet out anyway (replicas that cannot reach a cluster cannot lead on it). If the endpoints name another etcd cluster, see docs/operations.md, changing etcd endpoints`);
      }
    }
    return undefined;
  }

  private async ensureFinalizer(obj: SchedulerHA, want: boolean, log: Logger): Promise<SchedulerHA> {
    const fins = obj.metadata.finalizers ?? [];
    const has = fins.includes(FINALIZER);
    if (want === has) return obj;
    const next = want ? [...fins, FINALIZER] : fins.filter((f) => f !== FINALIZER);
    const updated = await mergePatchObject<SchedulerHA>(this.d.kc, { apiVersion: `${GROUP}/${VERSION}`, plural: PLURAL, namespace: obj.metadata.namespace!, name: obj.metadata.name! }, { metadata: { finalizers: next, resourceVersion: obj.metadata.resourceVersion } });
    log.info({ finalizer: FINALIZER, present: want }, want ? 'added the teardown finalizer (deletionPolicy Teardown)' : 'removed the teardown finalizer');
    this.remember(`${obj.metadata.namespace}/${obj.metadata.name}`, updated);
    return updated;
  }

  // ---- etcd and Mesos --------------------------------------------------------------------------------------------

  /** The framework's etcd view: the watch (started on first use) once it has read the keys (≤ 3 s). */
  private async watchFramework(st: ResourceState, ns: string, r: RenderedConfig, etcdSpec: EtcdSpec): Promise<{ snap?: FrameworkSnapshot; etcdError?: string }> {
    try {
      await this.ensureWatch(st, ns, r, etcdSpec);
      await st.watch!.waitForSync(3000);
      return { snap: st.watch!.snapshot };
    } catch (err) {
      return { etcdError: errorMessage(err) };
    }
  }

  private async ensureWatch(st: ResourceState, ns: string, r: RenderedConfig, etcdSpec: EtcdSpec, opts: { deleting?: boolean } = {}): Promise<void> {
    const client = await this.d.etcd.acquire(st.key, ns, etcdSpec, opts);
    const wk = `${r.keys.root}`;
    if (st.watch && st.watchKey === wk && st.etcd === client) return;
    if (st.watch) {
      await st.watch.stop();
      this.d.metrics.etcdWatches.dec();
    }
    st.etcd = client;
    st.watchKey = wk;
    st.transitionsSeenAt = 0;
    st.watch = new FrameworkWatch({
      client,
      keys: r.keys,
      onChange: () => {
        this.d.log.debug({ key: st.key }, 'framework keys changed in etcd; reconciling');
        this.d.enqueue(st.key);
      },
      onRestart: () => this.d.metrics.etcdWatchRestarts.inc(),
      logger: this.d.log,
    }).start();
    this.d.metrics.etcdWatches.inc();
  }

  private async ensureMesos(st: ResourceState, ns: string, r: RenderedConfig, obj: SchedulerHA, opts: { deleting?: boolean } = {}): Promise<void> {
    const m = obj.spec?.mesos;
    let credentials: { principal: string; secret: string } | undefined;
    if (m?.credentialsSecret && m.principal) {
      // Deleting: a namespace deletion may have removed the Secret before the TEARDOWN it is needed for; the last
      // value this operator read then still serves.
      const data = await this.readSecret(ns, m.credentialsSecret, { lastKnown: opts.deleting === true });
      if (!data?.secret) throw new SchedulerHAError('MesosSecretMissing', `Secret ${ns}/${m.credentialsSecret} (spec.mesos.credentialsSecret) has no key "secret"`);
      credentials = { principal: m.principal, secret: data.secret.trim() };
    }
    let zkAuth: { user: string; password: string } | undefined;
    if (m?.zkCredentialsSecret) {
      const data = await this.readSecret(ns, m.zkCredentialsSecret, { lastKnown: opts.deleting === true });
      if (!data?.username || data.password === undefined) throw new SchedulerHAError('MesosSecretMissing', `Secret ${ns}/${m.zkCredentialsSecret} (spec.mesos.zkCredentialsSecret) needs the keys "username" and "password"`);
      zkAuth = { user: data.username.trim(), password: data.password.trim() };
    }
    let tls: MesosAccess['tls'];
    if (m?.tls) {
      const pem: TlsPem = {};
      if (m.tls.caSecret) {
        const data = await this.readSecret(ns, m.tls.caSecret, { lastKnown: opts.deleting === true });
        if (data?.['ca.crt'] === undefined) throw new SchedulerHAError('MesosSecretMissing', `Secret ${ns}/${m.tls.caSecret} (spec.mesos.tls.caSecret) ${data ? 'has no key "ca.crt"' : 'does not exist'}`);
        pem.ca = data['ca.crt'];
      }
      if (m.tls.clientSecret) {
        const data = await this.readSecret(ns, m.tls.clientSecret, { lastKnown: opts.deleting === true });
        if (data?.['tls.crt'] === undefined || data['tls.key'] === undefined) throw new SchedulerHAError('MesosSecretMissing', `Secret ${ns}/${m.tls.clientSecret} (spec.mesos.tls.clientSecret) ${data ? 'needs the keys "tls.crt" and "tls.key"' : 'does not exist'}`);
        pem.cert = data['tls.crt'];
        pem.key = data['tls.key'];
      }
      tls = { pem, source: { ca: `Secret ${ns}/${m.tls.caSecret} key ca.crt (spec.mesos.tls.caSecret)`, cert: `Secret ${ns}/${m.tls.clientSecret} (spec.mesos.tls.clientSecret)` } };
    }
    this.d.mesos.acquire(st.key, r.config.mesosMaster, { ...(credentials ? { credentials } : {}), ...(zkAuth ? { zkAuth } : {}), ...(tls ? { tls } : {}) });
    st.mesosKey = r.config.mesosMaster;
  }

  /** Secret data, decoded, cached for secretCacheMs. `lastKnown`: a Secret that is gone answers with the last data read. */
  readSecret = async (namespace: string, name: string, opts: { lastKnown?: boolean } = {}): Promise<Record<string, string> | undefined> => {
    const k = `${namespace}/${name}`;
    const c = this.secretCache.get(k);
    if (c && Date.now() - c.at < (this.d.options.secretCacheMs ?? 60_000) && (c.data || !opts.lastKnown)) return c.data;
    let data: Record<string, string> | undefined;
    try {
      const s = await kubeRequestOk<{ data?: Record<string, string> }>(this.d.kc, { method: 'GET', path: resourcePath({ apiVersion: 'v1', kind: 'Secret', namespace, name }) });
      data = Object.fromEntries(Object.entries(s.data ?? {}).map(([key, v]) => [key, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const last = data ?? c?.data ?? c?.last;
    const now = Date.now();
    this.secretCache.set(k, { at: now, data, ...(last ? { last } : {}) });
    // Secrets still named by a resource are re-read every TTL; one not read for ten is no longer named (its
    // resource is gone or points elsewhere): drop it, credentials and all.
    const ttl = this.d.options.secretCacheMs ?? 60_000;
    for (const [key, e] of this.secretCache) if (now - e.at > 10 * ttl) this.secretCache.delete(key);
    return data ?? (opts.lastKnown ? last : undefined);
  };

  // ---- actions -----------------------------------------------------------------------------------------------------

  /** k8sm.io/failover set to a value not handled yet → <root>/failover-request (the leader resigns on a new put). */
  private async manualFailover(obj: SchedulerHA, st: ResourceState, snap: FrameworkSnapshot, r: RenderedConfig, log: Logger): Promise<void> {
    const want = obj.metadata.annotations?.[ANNOTATIONS.failover];
    if (!want) return;
    // Handled: the request record still names it, or the status says so — someone may have rewritten the key
    // since (`etcdctl put …/failover-request`), and acting again would be a second, unrequested failover.
    if (snap.failoverRequest?.parsed?.annotation === want || (st.failoverHandled ?? obj.status?.failoverHandled) === want) return;
    const from = refOf(snap.leader);
    await putFailoverRequest(st.etcd!, r.keys, { annotation: want, at: new Date().toISOString(), by: `schedulerha-operator/${this.d.options.identity}`, ...(from ? { from } : {}) });
    st.failoverHandled = want;
    // Pending only with a leader to resign: a request written while none leads is ignored by the next leader, and
    // must not be credited with whatever failover comes later.
    st.failoverPending = from ? { annotation: want, at: Date.now(), fromTerm: from.term } : undefined;
    st.watch?.refresh();
    if (from) {
      log.info({ annotation: want, leader: from }, 'manual failover: asked the leader to resign');
      this.d.recorder.normal(refOf_(obj), 'FailoverRequested', 'Failover', `${ANNOTATIONS.failover}=${want}: asked leader ${from.pod ?? from.id ?? '?'} (term ${from.term}) to resign through ${r.keys.failoverRequest}`);
    } else {
      this.d.recorder.warning(refOf_(obj), 'FailoverRequested', 'Failover', `${ANNOTATIONS.failover}=${want}: there is no leader to fail over right now (request recorded at ${r.keys.failoverRequest})`);
    }
  }

  /** The leader's pod deleted / replaced, or its container terminated: revoke that leader's lease — only if it is
   * still the observed term — so a standby takes over now instead of after the lease TTL. */
  private async assistedFailover(obj: SchedulerHA, st: ResourceState, snap: FrameworkSnapshot, log: Logger, signal?: AbortSignal): Promise<void> {
    const leader = snap.leader;
    if (st.leaderDeleting && st.leaderDeleting.term !== leader?.createRevision) st.leaderDeleting = undefined; // it resigned
    const podName = leader?.identity?.pod;
    if (!leader || !podName) return;
    const term = leader.createRevision;
    if (st.revoked.has(term)) return;
    const ns = obj.metadata.namespace!;
    // A leader of another deployment on the same etcd root (same pod name in another namespace, say) is not ours to
    // judge: our pod of that name says nothing about its process.
    if (candidateOwner(leader, ns, obj.metadata.name!) === 'foreign') return;
    const seen = st.leaderPod?.term === term ? st.leaderPod : undefined;
    let pod = this.podsOf(ns, obj.metadata.name!).find((p) => p.name === podName);
    let readLive = false;
    if (!pod && (seen || podOfStatefulSet(podName, obj.metadata.name!))) {
      readLive = true;
      // Absent from the view is not proof of absence: a pod relabelled by hand leaves the label-selected informer
      // (and a lagging cache may not show it yet) while the leader in it still runs. A revocation ends a live term,
      // so it is judged on the pod read live.
      const live = await listPodByName<KubeObject>(this.d.kc, ns, podName, signal);
      if (live) {
        pod = podView(live);
        log.debug({ term, pod: podName, labels: live.metadata?.labels }, 'leader pod not in the pod view; judged on the live pod');
      }
    }
    let reason: string | undefined;
    const since = snap.leaderStatus?.term === term ? Date.parse(snap.leaderStatus.since) : NaN;
    if (!seen) {
      // First sight of this term (a new term, or this operator just started): its pod may already be gone or
      // restarted. A running container that started after the leader was elected is not the leader's process (the
      // pod was re-created under the same name, or the container restarted). Both times come from the pod's node
      // (the kubelet's startedAt, the scheduler's own clock), and startedAt is truncated to the second, which only
      // errs towards "not restarted". A container shown waiting or terminated proves nothing at first sight: the
      // kubelet reports a new container running only after its next status sync, while a lone candidate can
      // already have won — such a term is judged once it has been seen running.
      const restartedSince = pod?.startedAtMs !== undefined && Number.isFinite(since) && pod.startedAtMs > since;
      if (pod && !pod.deleting && pod.container === 'running' && !restartedSince) {
        st.leaderPod = { term, pod: podName, uid: pod.uid, restartCount: pod.restartCount };
        return;
      }
      if (pod?.deleting) reason = 'LeaderPodDeleted';
      else if (!pod && podOfStatefulSet(podName, obj.metadata.name!)) reason = 'LeaderPodDeleted';
      else if (pod && restartedSince) reason = 'LeaderPodReplaced';
      else return;
    } else if (!pod) reason = 'LeaderPodDeleted';
    else if (pod.uid !== seen.uid) reason = 'LeaderPodReplaced';
    else if (pod.deleting) reason = 'LeaderPodDeleted';
    else if (pod.container !== 'running' || pod.restartCount > seen.restartCount) reason = 'LeaderContainerTerminated';
    if (!reason) return;
    if (reason === 'LeaderPodDeleted' && pod?.deleting && pod.container === 'running') {
      // A graceful deletion (rolling update, drain, kubectl delete pod): the kubelet sends SIGTERM and the leader
      // resigns within milliseconds. Only a leader that has not resigned after RESIGN_GRACE_MS (frozen, hung) has
      // its lease revoked.
      const d = st.leaderDeleting?.term === term ? st.leaderDeleting : (st.leaderDeleting = { term, at: Date.now() });
      if (Date.now() - d.at < RESIGN_GRACE_MS) return;
    }
    st.leaderDeleting = undefined;
    if (!readLive) {
      // Judged on the cache, which may be behind (an operator that just took over, a pod watch that was down): it
      // may show an older incarnation of the pod. A revocation ends a live term, so the verdict is checked live.
      const live = await listPodByName<KubeObject>(this.d.kc, ns, podName, signal);
      const lv = live ? podView(live) : undefined;
      if (lv && leaderStillInPod(lv, seen, since)) {
        log.info({ term, pod: podName, reason, uid: lv.uid }, 'the leader pod read live still runs the leader (the cached view was behind); no revocation');
        st.leaderPod = { term, pod: podName, uid: lv.uid, restartCount: lv.restartCount };
        return;
      }
    }
    const at = Date.now();
    const outcome = await revokeLeaderLease(st.etcd!, leader);
    st.revoked.set(term, { at, reason });
    if (st.revoked.size > 20) st.revoked.delete(st.revoked.keys().next().value!);
    if (outcome !== 'revoked') {
      log.info({ term, outcome }, 'leader already replaced; no lease to revoke');
      return;
    }
    this.d.metrics.leaseRevocations.inc({ namespace: obj.metadata.namespace!, name: obj.metadata.name!, reason });
    const what = reason === 'LeaderContainerTerminated' ? `the scheduler container of leader pod ${podName} terminated` : `leader pod ${podName} was ${reason === 'LeaderPodReplaced' ? 'replaced' : 'deleted'}`;
    log.warn({ term, lease: leader.leaseIdHex, pod: podName, reason }, 'revoked the leader lease (assisted failover)');
    this.d.recorder.warning(refOf_(obj), 'LeaderLeaseRevoked', 'Failover', `${what}: revoked its etcd lease ${leader.leaseIdHex} (term ${term}) so a standby takes over now instead of after the lease TTL`);
    st.watch?.refresh();
  }

  /** Turns observed leader transitions into status.lastFailover, metrics and Events. */
  private trackFailovers(obj: SchedulerHA, st: ResourceState, snap: FrameworkSnapshot, log: Logger): void {
    const ns = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    for (const t of snap.transitions) {
      if (t.at <= st.transitionsSeenAt) continue;
      st.transitionsSeenAt = t.at;
      if (!t.to) {
        st.vacated = { at: t.unobservedSince ?? t.at, ...(t.from ? { from: t.from } : {}), ...(t.unobservedSince !== undefined ? { unseen: true } : {}) };
        continue;
      }
      // A new leader, as LeaderFlapping counts them (a vacancy on the way is not a change of its own).
      this.d.metrics.leaderChanges.inc({ namespace: ns, name });
      const from = t.from ?? st.vacated?.from;
      const label = (r: LeaderRef | undefined) => r?.pod ?? r?.id ?? (r ? `term ${r.term}` : 'none');
      if (!from) {
        st.vacated = undefined;
        continue;
      }
      if (st.scaledToZero) {
        // The schedulers were stopped on purpose (spec.replicas 0): this leader starts them again. Also when the
        // vacancy between them was not seen on its own (a watch response carrying both, a watch that was down):
        // with no scheduler running there was nobody to fail over from.
        st.vacated = undefined;
        st.scaledToZero = false;
        log.info({ from, to: t.to }, 'scheduler leader elected after a scale-up from zero replicas');
        this.d.recorder.normal(refOf_(obj), 'LeaderChanged', 'Failover', `${label(t.to)} (term ${t.to.term}) leads after the scale-up from zero replicas (the last leader was ${label(from)}, term ${from.term}): not a failover`);
        continue;
      }
      let reason = 'LeaderLost';
      let trigger = st.vacated?.at ?? t.at;
      const rev = st.revoked.get(from.term);
      if (st.failoverPending && st.failoverPending.fromTerm === from.term) {
        reason = 'FailoverRequested';
        trigger = st.failoverPending.at;
        st.failoverPending = undefined;
      } else if (rev) {
        reason = rev.reason;
        trigger = rev.at;
      }
      // A change found when the watch came back (etcd unreachable for the operator meanwhile): the vacancy was not
      // seen, so the time is only bounded — by when the operator lost sight of etcd.
      const unseen = reason === 'LeaderLost' && (st.vacated ? st.vacated.unseen === true : t.unobservedSince !== undefined);
      if (unseen && !st.vacated) trigger = t.unobservedSince!;
      const seconds = Math.max(0, (t.at - trigger) / 1000);
      st.vacated = undefined;
      st.lastFailover = { at: new Date(t.at).toISOString(), from: label(from), to: label(t.to), reason, seconds: Math.round(seconds * 1000) / 1000 };
      // Unseen: no elected → SUBSCRIBED completion, and no sample for the failover-time histogram (a bound is not a time).
      st.failoverSubscribing = unseen ? undefined : { term: t.to.term, electedSeconds: seconds, reason };
      this.d.metrics.failovers.inc({ namespace: ns, name, reason });
      log.info({ from, to: t.to, reason, seconds, ...(unseen ? { unobservedSince: new Date(trigger).toISOString() } : {}) }, 'scheduler leader changed');
      this.d.recorder.normal(
        refOf_(obj),
        'LeaderChanged',
        'Failover',
        unseen
          ? `leader changed from ${label(from)} (term ${from.term}) to ${label(t.to)} (term ${t.to.term}) while the operator could not see etcd: elected at most ${seconds.toFixed(3)} s after the operator lost sight of it (${reason})`
          : `leader changed from ${label(from)} (term ${from.term}) to ${label(t.to)} (term ${t.to.term}), elected ${seconds.toFixed(3)} s after the trigger (${reason})`,
      );
    }
    // Complete the record once the new leader reports SUBSCRIBED with its own elected → SUBSCRIBED time.
    const pending = st.failoverSubscribing;
    const ls = snap.leaderStatus;
    if (pending && st.lastFailover && ls && ls.term === pending.term && ls.mesos === 'subscribed' && ls.timeToSubscribedSeconds !== undefined) {
      const total = pending.electedSeconds + ls.timeToSubscribedSeconds;
      st.lastFailover = { ...st.lastFailover, seconds: Math.round(total * 1000) / 1000 };
      st.failoverSubscribing = undefined;
      this.d.metrics.failoverSeconds.observe({ reason: pending.reason }, total);
    } else if (pending && snap.leader && snap.leader.createRevision !== pending.term) {
      st.failoverSubscribing = undefined; // that term ended before it subscribed; the next change is recorded anew
    }
  }

  private emitTransitions(obj: SchedulerHA, prev: Condition[] | undefined, next: Condition[]): void {
    for (const ch of conditionChanges(prev, next)) {
      const note = `${ch.type}=${ch.to.status}: ${ch.to.message}`;
      if (ch.bad) this.d.recorder.warning(refOf_(obj), ch.to.reason, 'Reconcile', note);
      else this.d.recorder.normal(refOf_(obj), ch.to.reason, 'Reconcile', note);
    }
  }

  // ---- deletion --------------------------------------------------------------------------------------------------

  private async finalize(obj: SchedulerHA, st: ResourceState, log: Logger, ctx: ReconcileContext): Promise<ReconcileResult> {
    const fins = obj.metadata.finalizers ?? [];
    if (!fins.includes(FINALIZER)) return {};
    const ns = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    const ref = refOf_(obj);
    if ((obj.spec?.deletionPolicy ?? 'Orphan') !== 'Teardown') {
      await this.removeFinalizer(obj);
      this.d.recorder.normal(ref, 'Orphaned', 'Delete', 'deletionPolicy is Orphan: the framework stays registered and its etcd state is kept');
      return {};
    }
    const valid = validateSchedulerHA({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace: ns }, spec: obj.spec }, { served: true }).errors.length === 0;
    const spec = valid ? applyDefaults(obj.spec) : obj.spec;
    const deployed = configFromConfigMap(this.d.informers.configmaps.get(`${name}-config`, ns) as { data?: Record<string, string> } | undefined);
    // The framework to tear down is the one the replicas ran: a move to another etcd cluster that was held back
    // (etcd-move.ts) left its id in the deployed cluster.
    const moveHeld = valid && deployed !== undefined && !sameEndpoints(deployed.config.etcdServers, spec.etcd.endpoints);
    const rendered = valid && !moveHeld ? planChildren(obj, spec, { schedulerImage: this.d.options.schedulerImage }).rendered : deployed;
    if (!rendered) {
      this.d.recorder.warning(ref, 'TeardownBlocked', 'Teardown', 'cannot tear the framework down: the spec is invalid and no deployed configuration is known; fix the spec, or set spec.deletionPolicy: Orphan to delete without tearing down');
      return { requeueAfterMs: 60_000 };
    }
    // 1. No scheduler may run (a live leader would re-register, or refuse): delete the StatefulSet, wait for pods —
    // unless the deletion orphans the children (`--cascade=orphan` puts the `orphan` finalizer on the resource):
    // the StatefulSet is then the user's to keep, and the teardown waits for them to delete it (below).
    const stsPath = resourcePath({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name });
    let stsObj = this.d.informers.statefulsets.get(name, ns);
    if (stsObj && ownedBy(stsObj, obj) && !stsObj.metadata?.deletionTimestamp && !fins.includes('orphan')) {
      // The cache may lag behind the garbage collector, which strips the ownerReferences before it drops the
      // `orphan` finalizer we no longer see: judge the live object before deleting it.
      stsObj = await kubeRequestOk<KubeObject>(this.d.kc, { method: 'GET', path: stsPath, signal: ctx.signal }).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (stsObj && ownedBy(stsObj, obj) && !stsObj.metadata?.deletionTimestamp) {
        await kubeRequestOk(this.d.kc, { method: 'DELETE', path: stsPath, body: { propagationPolicy: 'Background' }, signal: ctx.signal }).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        this.d.recorder.normal(ref, 'TeardownStarted', 'Teardown', `deletionPolicy Teardown: stopping the schedulers (deleted StatefulSet ${name}) before TEARDOWN`);
      }
    }
    const pods = this.podsOf(ns, name);
    if (pods.length) {
      // Pods no StatefulSet of ours will stop: `kubectl delete --cascade=orphan` took the ownerReferences away, so
      // TEARDOWN would wait forever (and a running scheduler would re-register). Say so, and how to go on.
      const orphaned = stsObj ? !ownedBy(stsObj, obj) && !stsObj.metadata?.deletionTimestamp : !pods.some((p) => p.controlled);
      if (orphaned && !pods.some((p) => p.deleting)) {
        const what = stsObj ? `StatefulSet ${name} is no longer owned by this resource (deleted with --cascade=orphan?) and its pods run` : `scheduler pods ${pods.map((p) => p.name).join(', ')} still run without their StatefulSet`;
        log.warn({ pods: pods.map((p) => p.name), statefulSet: !!stsObj }, 'teardown blocked: orphaned schedulers still run');
        this.d.recorder.warning(ref, 'TeardownBlocked', 'Teardown', `deletionPolicy Teardown stops the schedulers before TEARDOWN, but ${what}: delete ${stsObj ? `StatefulSet ${name}` : 'those pods'} to go on, or set spec.deletionPolicy: Orphan to delete the resource without tearing the framework down`);
        return { requeueAfterMs: 30_000 };
      }
      log.info({ pods: pods.map((p) => p.name) }, 'teardown: waiting for the scheduler pods to terminate');
      return { requeueAfterMs: 1000 };
    }
    // 2. TEARDOWN through the master's operator API — once nobody schedules for the framework any more. Until
    // then (etcd or the master unreachable, the Secret gone, another deployment on the same root), say why.
    let teardownError = false;
    try {
      await this.ensureWatch(st, ns, rendered, valid && !moveHeld ? spec.etcd : etcdSpecFromConfig(rendered, obj.spec?.etcd), { deleting: true });
      const synced = await st.watch!.waitForSync(5000);
      if (!synced || st.watch!.snapshot.state !== 'ok') throw new SchedulerHAError('EtcdUnreachable', `cannot read the framework id from etcd (${st.watch!.snapshot.error ?? 'not synced'})`);
      const snap = st.watch!.snapshot;
      const fid = snap.frameworkId;
      if (fid) {
        await this.ensureMesos(st, ns, rendered, obj, { deleting: true });
        const seen = await this.d.mesos.observe(st.key, { frameworkId: fid, frameworkName: rendered.frameworkName, tasks: false, maxAgeMs: 0, signal: ctx.signal });
        if (seen.state !== 'ok') throw new SchedulerHAError('MesosUnreachable', `cannot see framework ${fid} on the master: ${seen.error ?? 'no answer'}`);
        const busy = snap.candidates.length > 0 || seen.framework?.connected === true;
        const waitedMs = busy ? Date.now() - (st.teardownWaitSince ??= Date.now()) : 0;
        if (!busy) st.teardownWaitSince = undefined;
        const j = judgeTeardown(snap, seen.framework, { namespace: ns, name, root: rendered.keys.root, waitedMs, leaseTtlMs: rendered.config.leaseTtlSeconds * 1000 });
        if (j.action === 'wait') {
          log.info({ why: j.why }, 'teardown: waiting for the election to empty');
          return { requeueAfterMs: 1000 };
        }
        if (j.action === 'blocked') {
          log.warn({ frameworkId: fid }, `teardown blocked: ${j.message}`);
          this.d.recorder.warning(ref, 'TeardownBlocked', 'Teardown', j.message);
          return { requeueAfterMs: 30_000 };
        }
        try {
          const outcome = await this.d.mesos.teardown(st.key, fid, ctx.signal);
          this.d.metrics.teardowns.inc({ result: outcome });
          log.warn({ frameworkId: fid, outcome }, 'TEARDOWN sent (deletionPolicy Teardown)');
          this.d.recorder.normal(ref, 'FrameworkTornDown', 'Teardown', outcome === 'torn-down' ? `sent TEARDOWN for framework ${fid}: Mesos killed its tasks and removed it` : `framework ${fid} is already gone from the leading master`);
        } catch (err) {
          teardownError = true;
          this.d.metrics.teardowns.inc({ result: 'error' });
          this.d.recorder.warning(ref, 'TeardownFailed', 'Teardown', `TEARDOWN of framework ${fid} failed: ${errorMessage(err)}; retrying`);
          throw err;
        }
      }
    } catch (err) {
      if (!teardownError && !ctx.signal.aborted) {
        this.d.recorder.warning(ref, 'TeardownBlocked', 'Teardown', `cannot tear the framework down yet: ${errorMessage(err)}; retrying. To delete the resource without TEARDOWN, set spec.deletionPolicy: Orphan`);
      }
      throw err;
    }
    // 3. The framework is gone: its etcd state would only make a re-created resource refuse to start.
    const deleted = await deleteFrameworkState(st.etcd!, rendered.keys);
    log.info({ root: rendered.keys.root, deleted }, 'teardown: deleted the framework state in etcd');
    await this.forget(st.key, { quiet: true });
    await this.removeFinalizer(obj);
    return {};
  }

  private async removeFinalizer(obj: SchedulerHA): Promise<void> {
    const next = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    try {
      await mergePatchObject(this.d.kc, { apiVersion: `${GROUP}/${VERSION}`, plural: PLURAL, namespace: obj.metadata.namespace!, name: obj.metadata.name! }, { metadata: { finalizers: next, resourceVersion: obj.metadata.resourceVersion } });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new SchedulerHAError('Conflict', 'the resource changed while removing the finalizer; retrying');
      throw err;
    }
  }

  /** The resource is gone (or re-created): stop watching its framework, drop what we hold. */
  async forget(key: string, opts: { quiet?: boolean } = {}): Promise<void> {
    const st = this.states.get(key);
    this.fresh.delete(key);
    if (!st) return;
    this.states.delete(key);
    if (st.watch) {
      await st.watch.stop();
      this.d.metrics.etcdWatches.dec();
    }
    this.d.etcd.release(key);
    this.d.mesos.release(key);
    const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    this.d.metrics.forget(ns, name);
    this.d.metrics.managedResources.set(this.states.size);
    if (!opts.quiet && st.last && !(st.last.metadata.finalizers ?? []).includes(FINALIZER)) {
      const fid = st.watch?.snapshot.frameworkId;
      this.d.recorder.normal(refOf_(st.last), 'Orphaned', 'Delete', `deletionPolicy Orphan: ${fid ? `framework ${fid} stays registered with Mesos and` : 'nothing was torn down;'} the etcd state is kept, so re-creating the resource resumes the same framework`);
    }
  }

  /** Stops every framework watch and releases every client (operator shutdown or leadership loss). */
  async stopAll(): Promise<void> {
    for (const key of [...this.states.keys()]) await this.forget(key, { quiet: true });
  }

  get resources(): number {
    return this.states.size;
  }

  // ---- views -----------------------------------------------------------------------------------------------------

  private podsOf(ns: string, name: string): PodView[] {
    return this.d.informers.pods
      .list(ns)
      .filter((p) => p.metadata?.labels?.[LABELS.owner] === name)
      .map(podView)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

// ---- helpers ------------------------------------------------------------------------------------------------------

/** a ≥ b for resourceVersions that are decimal numbers (as every API server issues them); otherwise equality. */
/** Whether our own write's copy (resourceVersion `writtenRv`, made `ageMs` ago) is still newer than the informer's:
 * until the cache reaches it — a watch down for minutes leaves the cache behind, and a status diffed against it
 * would leave out what the cache already shows while the server holds our last write — but 10 min at most (a
 * restored etcd can move versions backwards, and the cache would never reach it). Versions that are not numbers
 * cannot be ordered; then 30 s at most. */
export function ownWriteIsNewer(cachedRv: string | undefined, writtenRv: string, ageMs: number): boolean {
  if (rvAtLeast(cachedRv, writtenRv)) return false;
  const ordered = (cachedRv === undefined || /^\d+$/.test(cachedRv)) && /^\d+$/.test(writtenRv);
  return ageMs <= (ordered ? 10 * 60_000 : 30_000);
}

export function rvAtLeast(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) >= BigInt(b);
  return a === b;
}

/** The newer of two copies of one object (by resourceVersion); either may be missing. */
function newest(cached: KubeObject | undefined, written: KubeObject | undefined): KubeObject | undefined {
  if (!written?.metadata?.resourceVersion) return cached;
  if (!cached) return written;
  return rvAtLeast(cached.metadata?.resourceVersion, written.metadata.resourceVersion) ? cached : written;
}

function ownedBy(o: KubeObject, owner: SchedulerHA): boolean {
  return !!o.metadata?.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid);
}

/** No controller, and labelled as this SchedulerHA's child by this operator: left behind by an orphaning delete. */
function adoptable(o: KubeObject, owner: SchedulerHA): boolean {
  const labels = o.metadata?.labels ?? {};
  return !o.metadata?.ownerReferences?.some((r) => r.controller) && !owner.metadata.deletionTimestamp && labels[LABELS.managedBy] === MANAGED_BY && labels[LABELS.owner] === owner.metadata.name;
}

function refOf_(o: SchedulerHA): ObjectReference {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, namespace: o.metadata.namespace!, ...(o.metadata.uid ? { uid: o.metadata.uid } : {}) };
}

function etcdSpecFromConfig(r: RenderedConfig, spec: Partial<EtcdSpec> | undefined): EtcdSpec {
  return {
    endpoints: r.config.etcdServers,
    prefix: r.config.etcdPrefix,
    ...((r.config.etcdCaFile || r.config.etcdCertFile) && typeof spec?.tlsSecret === 'string' ? { tlsSecret: spec.tlsSecret } : {}),
    ...(r.config.etcdUsername && typeof spec?.credentialsSecret === 'string' ? { credentialsSecret: spec.credentialsSecret } : {}),
  };
}

function stsView(o: KubeObject): StatefulSetView {
  const spec = (o.spec ?? {}) as { replicas?: number };
  const s = (o.status ?? {}) as { observedGeneration?: number; replicas?: number; readyReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string };
  return {
    generation: o.metadata?.generation ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    specReplicas: spec.replicas ?? 1,
    replicas: s.replicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    ...(s.currentRevision ? { currentRevision: s.currentRevision } : {}),
    ...(s.updateRevision ? { updateRevision: s.updateRevision } : {}),
  };
}

interface ContainerStatusJson {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
}

/** Whether `live` still runs the leader's process: the container the term was first seen in, or a running one that
 * started before the leader was elected (`sinceMs`; the cache had shown an older incarnation of the pod). Start
 * times are truncated to the second, which errs towards "still runs" — towards no revocation. */
export function leaderStillInPod(live: PodView, seen: { uid: string; restartCount: number } | undefined, sinceMs: number): boolean {
  if (live.deleting || live.container !== 'running') return false;
  if (seen && live.uid === seen.uid && live.restartCount <= seen.restartCount) return true;
  return live.startedAtMs !== undefined && Number.isFinite(sinceMs) && live.startedAtMs <= sinceMs;
}

export function podView(p: KubeObject): PodView {
  const status = (p.status ?? {}) as { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: ContainerStatusJson[] };
  const cs = status.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
  const container: PodView['container'] = cs?.state?.running ? 'running' : cs?.state?.terminated ? 'terminated' : cs?.state?.waiting ? 'waiting' : 'unknown';
  const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const annotations = p.metadata?.annotations ?? {};
  return {
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    ready,
    ...(status.phase ? { phase: status.phase } : {}),
    deleting: !!p.metadata?.deletionTimestamp,
    container,
    ...(cs?.state?.waiting?.reason ? { waitingReason: cs.state.waiting.reason } : {}),
    ...(cs?.state?.terminated ? { terminatedReason: cs.state.terminated.reason ?? `exit ${cs.state.terminated.exitCode ?? '?'}` } : {}),
    restartCount: cs?.restartCount ?? 0,
    ...(Number.isFinite(Date.parse(cs?.state?.running?.startedAt ?? '')) ? { startedAtMs: Date.parse(cs!.state!.running!.startedAt!) } : {}),
    ...((p.metadata?.ownerReferences ?? []).some((r) => r.controller) ? { controlled: true } : {}),
    ...(annotations[ANNOTATIONS.executorHash] ? { executorHash: annotations[ANNOTATIONS.executorHash] } : {}),
  };
}

export type { ValidationResult };
void decodeApiError;
