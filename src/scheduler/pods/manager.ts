// PodTaskManager: the TaskManager (src/scheduler/task-manager.ts) that runs Kubernetes pods on Mesos, for one
// leadership term.
//
//   pods (PodSource informer) ─┐                                   ┌─► KILL, Binding, annotations, pod status
//   registry records ──────────┼─► per-pod sync (decidePod, pure) ─┤
//   task updates ──────────────┘    (KeyedQueue, level-triggered)  └─► launchable set ──► onOffers:
//        matchOffers (pure) → intents written fenced (TASK_INTENT) → ACCEPT/LAUNCH per agent → DECLINE the rest
//
// Exactly-once launches rest on three things: (1) an attempt's task id is derived from the pod uid and attempt,
// so one attempt can only ever be one Mesos task; (2) the intent record is committed (fenced by the term) before
// the ACCEPT leaves, so the next leader always knows a launch that may have happened, and reconciliation (which
// the leader term runs for every live record, intents included, after each SUBSCRIBED) answers what became of
// it; (3) a pod with a live record is never launched again — a new attempt starts only once the newest one is
// over, and the attempt counter also respects the pod's taskId annotation.
import type { Offer, TaskInfo, TaskStatus } from '../../mesos/types.js';
import type { SubscribedInfo } from '../../mesos/scheduler-client.js';
import type { ReconcileProgress } from '../../api/leader-status.js';
import type { SchedulerConfig } from '../../api/flags.js';
import { decodeApiError } from '../../kube/errors.js';
import type { EventRecorder } from '../../kube/events.js';
import { isFenceLostError } from '../../election/index.js';
import { errorMessage, SchedulerHAError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';
import type { LeaderServices, TaskManager } from '../task-manager.js';
import type { PodRef, TaskRecord } from '../task-record.js';
import { executorInfo } from '../framework.js';
import { KeyedQueue } from './keyed-queue.js';
import { matchOffers, type MatchRequest } from './matching.js';
import { PodMetrics } from './metrics.js';
import { creationMs, isDeleting, isTerminalPhase, podDemand, podRef, type Demand, type PodRefFull } from './pod-model.js';
import {
  absenceGate,
  afterLiveRead,
  afterUnschedulableWrite,
  decidePod,
  DEFAULT_BACKOFF,
  isActiveState,
  judgeBindConflict,
  LAUNCH_STATES,
  saysAlreadyAssigned,
  unschedulableWriteDue,
  type AbsenceCheck,
  type BackoffPolicy,
  type LiveRead,
  type PodAction,
  type PodDecision,
  type PodState,
  type UnschedulableNote,
} from './pod-decision.js';
import type { PodObject, PodSource } from './pod-source.js';
import type { PodReader, PodWriter } from './pod-writes.js';
import { keepPerPodFor, laterLaunch, prunableRecords, type PodPresence } from './retention.js';
import { parseTaskId, taskIdFor } from './task-id.js';
import { buildTaskInfo, intentRecord, podTaskData, type PodTaskRecord } from './task-info.js';

/** A Kubernetes write of the pod scheduler that failed; the pod's writes are retried with the queue's per-pod
 * back-off (reason: the API's Status reason, e.g. Conflict, NotFound, TooManyRequests). */
export class PodWriteError extends SchedulerHAError {}

export interface PodTaskManagerOptions {
  source: PodSource;
  writer: PodWriter;
  /** Live reads of pods the cache cannot be trusted with (absent from it; a Binding answered 409). */
  reader: PodReader;
  /** Events about pods (FailedScheduling), as kube-scheduler records them; none when absent. */
  events?: Pick<EventRecorder, 'warning'>;
  /** Called once the manager has stopped (its term is over). */
  onStop?: () => void;
  config: SchedulerConfig;
  executorId: string;
  /** refuse_seconds for declined offers and the unused part of accepted ones (default 30). A REVIVE (new work)
   * clears the filters, and Mesos re-offers an agent whose free resources grew. */
  refuseSeconds?: number;
  /** A launch not RUNNING after this long is reconciled explicitly (Mesos' advice), again every period (default
   * 60 s). */
  launchTimeoutMs?: number;
  /** Housekeeping period: stuck launches, kill retries, gauges (default 5 s). */
  sweepIntervalMs?: number;
  /** How long offers that come before the pod cache is synced wait for it before they are declined (default 5 s). */
  syncWaitMs?: number;
  /** Full resync of every pod and record (default 60 s). */
  resyncIntervalMs?: number;
  /** Concurrent pod syncs, and (separately) concurrent pods with Kubernetes writes in flight (default 32 each). */
  concurrency?: number;
  /** Minimum spacing of REVIVE calls (default 200 ms); REVIVEs are also debounced by `reviveDelayMs` (20 ms). */
  reviveMinIntervalMs?: number;
  reviveDelayMs?: number;
  /** A KILL is re-sent if the task is still live after this long (default 15 s). */
  killRetryMs?: number;
  backoff?: BackoffPolicy;
  /** Ended task records are deleted this long after their last update once their pod no longer needs them
   * (retention.ts; default --task-retention). */
  retentionMs?: number;
  /** How often the registry is searched for such records (default 60 s, at most the retention). */
  pruneIntervalMs?: number;
  /** A launch not RUNNING after this long gets the k8sm annotations before its Binding (default 5 s; see
   * DEFAULT_ANNOTATE_AFTER_MS). */
  annotateAfterMs?: number;
  /** An unbound pod's task on an unreachable agent is given up (the pod launched anew) after this long (default
   * DEFAULT_UNREACHABLE_TIMEOUT_MS). */
  unreachableTimeoutMs?: number;
  /** Include the pod as TaskInfo.data (default true). */
  taskData?: boolean;
  now?: () => number;
}

interface Launchable {
  uid: string;
  /** When this pod was last matched against offers (undefined: never since it became launchable). */
  triedAt?: number;
  /** When the entry appeared (or its attempt / back-off changed). */
  since: number;
  attempt: number;
  hostname?: string;
  notBefore: number;
  restart: boolean;
  retry: boolean;
  created: number;
  name: string;
}

/** Intent records per fenced txn (see the note where they are written). */
const INTENT_CHUNK = 100;

/** Most records deleted per prune round: a long-neglected registry is cleaned over a few rounds, none of which
 * holds etcd (or the term's other writes) for long. */
const PRUNE_MAX = 5000;

/** A pod's PodScheduled=False message is rewritten when it changes, but not more often than this. */
const UNSCHEDULABLE_REWRITE_MS = 30_000;
/** A launchable pod is reported unschedulable only once it has waited this long. */
const UNSCHEDULABLE_AFTER_MS = 5_000;
/** Concurrent live reads of pods: they are few (pods missing from a lagging cache), and must not crowd the writes. */
const READ_CONCURRENCY = 8;
/** Most live reads a prune round asks for (the rest in later rounds). */
const PRUNE_READS_MAX = 500;

export class PodTaskManager implements TaskManager {
  private readonly log: Logger;
  private readonly metrics: PodMetrics;
  private readonly now: () => number;
  private readonly queue: KeyedQueue<string>;
  private readonly writes: KeyedQueue<string>;
  /** pod uid → task ids of that pod in the registry. */
  private readonly index = new Map<string, Set<string>>();
  /** agent id → our newest launch there (retention.ts laterLaunch): the allocation role our executor serves there,
   * and its ExecutorInfo resources when not the default ones. Retention keeps that record for a while after the
   * agent's last task ended; rebuilt after each prune. */
  private readonly agentLaunch = new Map<string, PodTaskRecord>();
  /** ACCEPTs in flight: task ids, and the pods being launched (intent write + ACCEPT). */
  private readonly inflight = new Set<string>();
  private readonly launching = new Set<string>();
  /** Pods that need a launch, as the last sync decided. */
  private readonly launchable = new Map<string, Launchable>();
  private readonly states = new Map<string, PodState>();
  /** Task ids in INTENT/STAGING/STARTING → ms when last asked about (for the launch timeout). */
  private readonly launchingTasks = new Map<string, number>();
  /** KILLs sent, re-sent after the kill retry (plus the grace the executor was given: no second KILL inside it). */
  private readonly kills = new Map<string, { uid: string; at: number; graceMs: number }>();
  private readonly incompatible = new Map<string, number>();
  private readonly incompatibleDetail = new Map<string, { hostname: string; executors: string[] }>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private suppressed: boolean | undefined;
  private reviveTimer: NodeJS.Timeout | undefined;
  private reviveDue = Infinity;
  private lastReviveAt = -Infinity;
  private rotation = 0;
  /** The PodScheduled=False message last written per pod, and when (rewritten when it changes, at most every
   * UNSCHEDULABLE_REWRITE_MS). */
  private readonly unschedulable = new Map<string, UnschedulableNote>();
  /** Pods with registry records that are missing from the cache: what the API server said of them (pod-decision.ts
   * absenceGate). Nothing destructive happens for such a pod until the API server confirms it is gone. */
  private readonly absent = new Map<string, AbsenceCheck>();
  private readonly reads: KeyedQueue<string>;
  /** Pods a live read found bound where we bound them while the cache still shows them unbound: no second Binding
   * (pod uid → node). Forgotten once the cache shows the pod bound, or gone. */
  private readonly boundLive = new Map<string, string>();
  /** Bumped whenever a pod becomes launchable (or its attempt / back-off changes). */
  private demandEpoch = 0;
  private offersInFlight = 0;
  private reviveAfterOffers = false;
  private stopped = false;
  private launched = 0;
  private lastOffersAt: string | undefined;
  private execCache: { fid: string | undefined; info: TaskInfo['executor'] } | undefined;
  private lastPruneAt: number;
  private pruning = false;
  private pruned = 0;

  constructor(
    private readonly svc: LeaderServices,
    private readonly opts: PodTaskManagerOptions,
  ) {
    this.log = svc.log.child({ taskManager: 'pods' }); // svc.log already names its component (tasks): a second `component` key would repeat in the JSON line
    this.metrics = PodMetrics.for(svc.metrics.registry);
    this.now = opts.now ?? Date.now;
    this.lastPruneAt = this.now();
    this.queue = new KeyedQueue<string>((uid) => this.sync(uid), { concurrency: opts.concurrency ?? 32, logger: this.log, name: 'pods' });
    // Kubernetes writes (Binding, annotations, status, the final delete) have their own queue: a slow API server
    // must not hold the syncs, whose kills (Mesos) and decisions go on meanwhile.
    this.writes = new KeyedQueue<string>((uid) => this.syncWrites(uid), { concurrency: opts.concurrency ?? 32, logger: this.log, name: 'pod-writes' });
    this.reads = new KeyedQueue<string>((uid) => this.readAbsent(uid), { concurrency: READ_CONCURRENCY, logger: this.log, name: 'pod-reads' });
    for (const r of svc.registry.all()) this.indexRecord(r as PodTaskRecord);
    this.unsubscribe.push(opts.source.subscribe((uid) => this.queue.add(uid)));
    this.unsubscribe.push(opts.source.onSynced(() => this.resyncAll()));
    const sweep = setInterval(() => this.sweep(), opts.sweepIntervalMs ?? 5000);
    sweep.unref();
    const resync = setInterval(() => this.resyncAll(), opts.resyncIntervalMs ?? 60_000);
    resync.unref();
    this.timers.push(sweep, resync);
    svc.signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.resyncAll();
  }

  // ---- TaskManager -----------------------------------------------------------------------------------------

  initiallySuppressed(): boolean {
    if (!this.opts.source.synced) return false;
    for (const uid of this.opts.source.uids()) {
      const p = this.opts.source.byUidGet(uid);
      if (p && !p.spec?.nodeName && !isDeleting(p) && !isTerminalPhase(p)) return false;
    }
    return this.launchable.size === 0;
  }

  async onSubscribed(_info: SubscribedInfo, resubscribed: boolean): Promise<void> {
    // Offers do not survive a re-subscription, and the SUBSCRIBE's suppressed_roles were decided when the client
    // was made: state it again.
    this.suppressed = undefined;
    this.lastReviveAt = -Infinity;
    this.resyncAll();
    if (this.hasEligible() || !this.initiallySuppressed()) await this.revive('subscribed');
    else await this.suppress();
    this.log.info({ resubscribed, pods: this.opts.source.size, records: this.index.size }, 'pod scheduler active');
  }

  async onOffers(offers: Offer[]): Promise<void> {
    if (!offers.length || this.stopped || !this.svc.isLeader()) return;
    const mesos = this.svc.mesos();
    if (!mesos) return;
    // A REVIVE sent while these offers are handled would be undone by the filters their ACCEPT/DECLINE install:
    // REVIVEs wait until the offers are answered, and demand that arrived meanwhile revives afterwards.
    const epoch = this.demandEpoch;
    this.offersInFlight++;
    try {
      await this.handleOffers(offers, mesos);
    } finally {
      this.offersInFlight--;
      if (this.reviveAfterOffers || this.demandEpoch !== epoch) {
        this.reviveAfterOffers = false;
        this.ensureRevive();
      }
    }
  }

  private async handleOffers(offers: Offer[], mesos: NonNullable<ReturnType<LeaderServices['mesos']>>): Promise<void> {
    this.lastOffersAt = new Date().toISOString();
    const refuse = { refuse_seconds: this.opts.refuseSeconds ?? 30 };
    // Offers that come before the pod cache is synced (a replica that won the election while its informer was
    // still listing) wait for it a little: declining them costs a REVIVE and a new round of offers.
    if (!this.opts.source.synced) await this.untilSynced(this.opts.syncWaitMs ?? 5000);
    if (this.stopped || !this.svc.isLeader()) return;
    if (!this.opts.source.synced) {
      // We do not know the pending pods yet; the sync triggers a REVIVE.
      this.metrics.declined.inc({ reason: 'not-ready' }, offers.length);
      await this.declineByAgent(offers.map((o) => ({ id: o.id.value, agentId: o.agent_id.value })), { refuse_seconds: 5 });
      return;
    }
    const now = this.now();
    const requests: MatchRequest[] = [];
    const chosen = new Map<string, { pod: PodObject; ref: PodRefFull; launch: NonNullable<PodDecision['launch']>; demand: Demand; retry: boolean }>();
    // Bound pods returning to their node first (their place there is held for them), then by age.
    const entries = [...this.launchable.values()]
      .filter((l) => l.notBefore <= now && !this.launching.has(l.uid))
      .sort((a, b) => (a.hostname ? 0 : 1) - (b.hostname ? 0 : 1) || a.created - b.created || (a.name < b.name ? -1 : 1));
    for (const l of entries) {
      // Re-decide from the current registry and pod: the entry may be stale by a few events.
      const pod = this.opts.source.byUidGet(l.uid);
      const ref = pod ? podRef(pod) : undefined;
      const d = pod ? this.decide(l.uid, pod, now) : undefined;
      if (!pod || !ref || !d?.launch || d.launch.notBefore > now) {
        // Stale entry: judge the pod again (that corrects the launchable set and revives if needed).
        this.queue.add(l.uid);
        continue;
      }
      const dem = podDemand(pod);
      if (!dem.demand) continue;
      l.triedAt = now;
      chosen.set(l.uid, { pod, ref, launch: d.launch, demand: dem.demand, retry: l.retry });
      requests.push({ key: l.uid, demand: dem.demand, ...(d.launch.hostname ? { hostname: d.launch.hostname } : {}) });
    }
    const exec = this.executorInfo();
    const holds = this.restartHolds(now, chosen);
    const m = matchOffers(offers, requests, {
      executorId: this.opts.executorId,
      executorResources: exec?.resources ?? [],
      frameworkRoles: this.svc.roles,
      executorRole: (agentId) => this.agentLaunch.get(agentId)?.role,
      rotation: this.rotation++,
      holds,
    });
    const offerAgent = new Map(offers.map((o) => [o.id.value, o.agent_id.value]));
    this.log.debug({ offers: offers.length, requests: requests.length, launchable: this.launchable.size, placed: requests.length - m.unplaced.length, unplaced: m.unplaced.length, incompatible: m.incompatible.length, holds: holds.length, held: m.held.length }, 'offers matched');

    // Incompatible executors: never use, count per agent.
    for (const inc of m.incompatible) {
      this.incompatible.set(inc.agentId, (this.incompatible.get(inc.agentId) ?? 0) + 1);
      this.incompatibleDetail.set(inc.agentId, { hostname: inc.hostname, executors: inc.foreign });
      this.svc.metrics.incompatibleOffers.inc({ agent: inc.agentId });
      this.log.info({ offer: inc.offerId, agent: inc.agentId, hostname: inc.hostname, executors: inc.foreign }, 'declining an offer from an agent running an incompatible executor');
    }
    if (m.incompatible.length) this.metrics.declined.inc({ reason: 'incompatible' }, m.incompatible.length);
    // An agent whose offer is compatible again no longer runs a foreign executor: it leaves the report (so
    // ExecutorCompatible recovers once the old executors have exited, without waiting for a failover).
    const stillIncompatible = new Set(m.incompatible.map((i) => i.agentId));
    for (const o of offers) {
      const a = o.agent_id.value;
      if (!stillIncompatible.has(a) && this.incompatibleDetail.delete(a)) this.compatibleAgain(a);
    }
    this.reportUnschedulable(m.unplacedWhy, chosen, now);

    // Write-ahead: every intent committed (fenced) before any ACCEPT.
    const frameworkId = this.svc.frameworkId();
    const launches: Array<{ offerIds: string[]; agentId: string; tasks: TaskInfo[]; uids: string[] }> = [];
    const intents: PodTaskRecord[] = [];
    if (m.groups.length && exec && frameworkId) {
      const at = new Date(now);
      for (const g of m.groups) {
        const tasks: TaskInfo[] = [];
        const uids: string[] = [];
        // Every task of the agent carries the ExecutorInfo the executor runs (or is started) with.
        const execResources = g.startsExecutor ? g.executorResources : this.agentLaunch.get(g.agentId)?.executorResources;
        const gexec = execResources ? { ...exec, resources: execResources.map((r) => ({ ...r })) } : exec;
        for (const p of g.placements) {
          const c = chosen.get(p.key)!;
          const taskId = taskIdFor(c.ref.uid, c.launch.attempt);
          const rec = intentRecord({ ref: c.ref, taskId, attempt: c.launch.attempt, agentId: g.agentId, hostname: g.hostname, executorId: this.opts.executorId, role: g.role, offerIds: g.offerIds, taken: p.taken, now: at, term: this.svc.term, ...(execResources ? { executorResources: execResources } : {}) });
          intents.push(rec);
          tasks.push(buildTaskInfo({ ref: c.ref, taskId, attempt: c.launch.attempt, agentId: g.agentId, resources: p.resources, executor: gexec, ...(this.opts.taskData === false ? {} : { data: podTaskData(c.pod) }) }));
          uids.push(c.ref.uid);
        }
        launches.push({ offerIds: g.offerIds, agentId: g.agentId, tasks, uids });
      }
    } else if (m.groups.length) {
      // No framework id yet (cannot happen after SUBSCRIBED) or no executor: decline those offers too.
      for (const g of m.groups) m.unused.push(...g.offerIds);
      launches.length = 0;
    }
    const declines = [...m.unused.map((id) => ({ id, agentId: offerAgent.get(id)! })), ...m.incompatible.map((i) => ({ id: i.offerId, agentId: i.agentId }))];

    if (intents.length) {
      for (const r of intents) this.launching.add(r.pod!.uid);
      const committed = new Set<string>();
      try {
        // In chunks: the fenced writer nests the caller's ops in a txn, and etcd allows a nested txn only
        // --max-txn-ops (128) minus the outer txn's ops, so a full 128-record putMany is refused.
        for (let i = 0; i < intents.length; i += INTENT_CHUNK) {
          const chunk = intents.slice(i, i + INTENT_CHUNK);
          await this.svc.registry.putMany(this.svc.writer, chunk);
          for (const r of chunk) committed.add(r.id);
        }
      } catch (err) {
        if (isFenceLostError(err)) {
          for (const r of intents) this.launching.delete(r.pod!.uid);
          this.log.warn({ err: errorMessage(err) }, 'writing launch intents was refused: the term is over; launching nothing');
          return;
        }
        // Launch only what is written; the rest stay launchable and their offers go back.
        this.log.warn({ err: errorMessage(err), tasks: intents.length, written: committed.size }, 'writing launch intents failed; launching only the tasks whose intent is written');
        for (const r of intents) if (!committed.has(r.id)) this.launching.delete(r.pod!.uid);
        for (let i = launches.length - 1; i >= 0; i--) {
          const l = launches[i]!;
          l.tasks = l.tasks.filter((t) => committed.has(t.task_id.value));
          l.uids = l.uids.filter((u) => this.launching.has(u));
          if (!l.tasks.length) {
            declines.push(...l.offerIds.map((id) => ({ id, agentId: l.agentId })));
            launches.splice(i, 1);
          }
        }
        intents.splice(0, intents.length, ...intents.filter((r) => committed.has(r.id)));
        this.scheduleRevive(this.now() + 1000);
      }
      for (const r of intents) {
        this.indexRecord(r);
        this.inflight.add(r.id);
        this.launchingTasks.set(r.id, this.now());
        this.launchable.delete(r.pod!.uid);
        this.states.set(r.pod!.uid, 'launching');
        this.metrics.launches.inc({ kind: chosen.get(r.pod!.uid)!.launch.restart ? 'restart' : chosen.get(r.pod!.uid)!.retry ? 'retry' : 'first' });
      }
    }

    // A launch is released (its pods judged again: bound once RUNNING) as soon as its own ACCEPT is answered, not
    // when the whole round is: a round can be 100 ACCEPTs, a few connections wide, and its first tasks are
    // RUNNING long before its last ACCEPT is answered.
    const release = (l: (typeof launches)[number]) => {
      for (const t of l.tasks) this.inflight.delete(t.task_id.value);
      for (const uid of l.uids) {
        if (this.launching.delete(uid)) this.queue.add(uid);
      }
    };
    const calls: Array<Promise<unknown>> = [];
    if (this.svc.isLeader()) {
      for (const l of launches) {
        calls.push(
          mesos.launch(l.offerIds, l.tasks, refuse).finally(() => release(l)).then(
            () => {
              this.launched += l.tasks.length;
            },
            (err: unknown) => {
              // The ACCEPT may or may not have reached the master: ask Mesos what became of these tasks.
              this.metrics.launchFailures.inc();
              this.log.warn({ err: errorMessage(err), agent: l.agentId, tasks: l.tasks.length }, 'ACCEPT failed; reconciling its tasks');
              this.svc.requestReconcile(l.tasks.map((t) => t.task_id.value));
            },
          ),
        );
      }
      calls.push(this.declineByAgent(declines, refuse));
      if (m.unused.length) this.metrics.declined.inc({ reason: 'unused' }, m.unused.length);
    }
    try {
      await Promise.all(calls);
    } finally {
      for (const l of launches) release(l);
    }
    if (!this.hasAnyLaunchable()) await this.suppress();
  }

  /**
   * Bound pods that will restart on their node but are not launched in this round — in back-off, not judged yet
   * in this term, or with a task Mesos has not confirmed since SUBSCRIBED — with what they need there. A bound
   * pod keeps its node's resources while it restarts, as on a kubelet; without the hold, pods created meanwhile
   * take the place its failed task freed and it can never come back (the node is full, and a bound pod cannot
   * move).
   */
  private restartHolds(now: number, chosen: ReadonlyMap<string, unknown>): MatchRequest[] {
    const holds: MatchRequest[] = [];
    for (const uid of this.opts.source.uids()) {
      if (chosen.has(uid) || this.launching.has(uid)) continue;
      const pod = this.opts.source.byUidGet(uid);
      if (!pod?.spec?.nodeName || isDeleting(pod) || isTerminalPhase(pod)) continue;
      const records = this.records(uid);
      const live = records.filter((r) => isActiveState(r.state) || this.inflight.has(r.id));
      let hostname: string | undefined;
      if (live.length) {
        // A live task holds its resources at the master already — if it still runs. One Mesos has not mentioned
        // since SUBSCRIBED may have ended while no leader was acting: the resources it freed can be in these very
        // offers, ahead of its update, and they are its pod's to restart into (found by the chaos soak: a pod whose
        // task failed while the leader was frozen lost its place to a pending pod).
        if (live.some((r) => this.inflight.has(r.id) || !this.svc.unconfirmed(r.id))) continue;
        hostname = pod.spec.nodeName;
      } else hostname = this.decide(uid, pod, now).launch?.hostname;
      if (!hostname) continue;
      const dem = podDemand(pod);
      if (dem.demand) holds.push({ key: uid, demand: dem.demand, hostname });
    }
    return holds;
  }

  onRescind(): void {
    // Offers are used or declined as they arrive; none is held, so nothing to forget.
  }

  /** An incompatible executor that terminated (or an agent that is gone) no longer makes its agent incompatible. */
  onFailure(agentId: string, executorId: string | undefined): void {
    const d = this.incompatibleDetail.get(agentId);
    if (!d) return;
    const left = executorId === undefined ? [] : d.executors.filter((x) => x !== executorId);
    if (left.length) this.incompatibleDetail.set(agentId, { ...d, executors: left });
    else {
      this.incompatibleDetail.delete(agentId);
      this.compatibleAgain(agentId);
    }
  }

  /** An agent left the incompatible report. Its declines series goes too: agent ids change over a cluster's life
   * (re-registrations), and a series per id ever seen would only grow. */
  private compatibleAgain(agentId: string): void {
    this.incompatible.delete(agentId);
    this.svc.metrics.incompatibleOffers.remove({ agent: agentId });
  }

  async onTaskUpdate(record: TaskRecord, prev: TaskRecord | undefined, status: TaskStatus): Promise<void> {
    const r = record as PodTaskRecord;
    const uid = this.indexRecord(r);
    if (!LAUNCH_STATES.has(r.state)) {
      if (this.launchingTasks.delete(r.id) && r.state === 'TASK_RUNNING' && r.createdAt) {
        const ms = this.now() - Date.parse(r.createdAt);
        if (Number.isFinite(ms) && ms >= 0) this.metrics.launchToRunning.observe(ms / 1000);
      }
    } else if (!this.launchingTasks.has(r.id)) this.launchingTasks.set(r.id, this.now());
    if (!isActiveState(r.state)) this.kills.delete(r.id);
    void prev;
    void status;
    if (uid) this.queue.add(uid);
  }

  async onReconciled(_p: ReconcileProgress): Promise<void> {
    // Reconciliation settled what Mesos knows: every pod and record is judged again (bound pods whose tasks are
    // gone, tasks without a pod, intents that never launched).
    this.resyncAll();
  }

  status(): Record<string, unknown> {
    const byState: Record<string, number> = {};
    for (const s of this.states.values()) byState[s] = (byState[s] ?? 0) + 1;
    const incompatibleAgents = Object.fromEntries(this.incompatible);
    return {
      kind: 'pods',
      schedulerName: this.opts.source.schedulerName,
      synced: this.opts.source.synced,
      pods: byState,
      launchable: this.launchable.size,
      launching: this.launchingTasks.size,
      launched: this.launched,
      pruned: this.pruned,
      suppressed: this.suppressed ?? false,
      ...(this.lastOffersAt ? { lastOffersAt: this.lastOffersAt } : {}),
      incompatibleAgents,
      incompatibleAgentDetails: Object.fromEntries(this.incompatibleDetail),
      informer: this.opts.source.stats(),
      // Pods with records that the cache does not show and the API server has not confirmed gone: their tasks are
      // not killed nor their records deleted until it does.
      unconfirmedAbsent: [...this.absent.values()].filter((c) => c.gone === undefined).length,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.stop();
    this.writes.stop();
    this.reads.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.timers.splice(0)) clearInterval(t);
    clearTimeout(this.reviveTimer);
    this.metrics.pods.reset(); // a standby knows no pods: only the leader's count means anything
    this.opts.onStop?.();
  }

  /** Resolves when no pod sync and no Kubernetes write is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.queue.length || this.writes.length || this.reads.length) {
      await this.queue.idle();
      await this.writes.idle();
      await this.reads.idle();
    }
  }

  // ---- per-pod sync ----------------------------------------------------------------------------------------

  private indexRecord(r: PodTaskRecord): string | undefined {
    const uid = r.pod?.uid ?? parseTaskId(r.id)?.uid;
    if (!uid) return undefined;
    let s = this.index.get(uid);
    if (!s) this.index.set(uid, (s = new Set()));
    s.add(r.id);
    this.noteLaunch(r);
    if (LAUNCH_STATES.has(r.state) && !this.launchingTasks.has(r.id)) this.launchingTasks.set(r.id, this.now());
    return uid;
  }

  /** Keeps agentLaunch at the newest launch on the record's agent (a newer version of the same record replaces it). */
  private noteLaunch(r: PodTaskRecord): void {
    if (!r.agentId) return;
    const cur = this.agentLaunch.get(r.agentId);
    this.agentLaunch.set(r.agentId, cur?.id === r.id ? r : laterLaunch(cur, r));
  }

  private records(uid: string): PodTaskRecord[] {
    const out: PodTaskRecord[] = [];
    for (const id of this.index.get(uid) ?? []) {
      const r = this.svc.registry.get(id);
      if (r) out.push(r as PodTaskRecord);
    }
    return out;
  }

  private decide(uid: string, pod: PodObject | undefined, now = this.now()): PodDecision {
    return decidePod(pod, this.records(uid), {
      now,
      inflight: this.inflight,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(this.opts.annotateAfterMs !== undefined ? { annotateAfterMs: this.opts.annotateAfterMs } : {}),
      ...(this.opts.unreachableTimeoutMs !== undefined ? { unreachableTimeoutMs: this.opts.unreachableTimeoutMs } : {}),
    });
  }

  private resyncAll(): void {
    if (this.stopped) return;
    for (const uid of this.index.keys()) this.queue.add(uid);
    for (const uid of this.opts.source.uids()) this.queue.add(uid);
  }

  private async sync(uid: string): Promise<void> {
    if (this.stopped || !this.svc.isLeader() || !this.opts.source.synced) return;
    if (this.launching.has(uid)) return; // re-queued when the launch completes
    const pod = this.opts.source.byUidGet(uid);
    if (!pod && !this.index.has(uid)) {
      this.launchable.delete(uid);
      this.states.delete(uid);
      this.absent.delete(uid);
      this.boundLive.delete(uid);
      return;
    }
    if (pod) {
      this.absent.delete(uid);
      if (pod.spec?.nodeName) this.boundLive.delete(uid);
    }
    let d = this.decide(uid, pod);
    if (!pod && d.actions.length) d = this.unlessUnconfirmed(uid, d);
    this.states.set(uid, d.state);
    if (d.note) this.log.debug({ uid, note: d.note }, 'pod note');
    if (d.recheckAt !== undefined) this.queue.add(uid, Math.max(1, d.recheckAt - this.now()));
    if (d.launch && pod) {
      const dem = podDemand(pod);
      if (dem.error) {
        this.launchable.delete(uid);
        const message = `the pod cannot be placed: ${dem.error}`;
        const ref = podRef(pod);
        const last = this.unschedulable.get(uid);
        // Written when the message is new, or again once a failed write's back-off has passed.
        if (ref && unschedulableWriteDue(last, message, this.now(), 0)) {
          if (last?.message !== message) this.log.warn({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: dem.error }, 'pod cannot be scheduled');
          this.reportUnschedulable(new Map([[uid, message]]), new Map([[uid, { ref }]]), this.now(), { keep: true });
        }
      } else {
        const prev = this.launchable.get(uid);
        const l: Launchable = { uid, since: this.now(), attempt: d.launch.attempt, notBefore: d.launch.notBefore, restart: d.launch.restart, retry: d.state === 'backoff' && !d.launch.restart, created: creationMs(pod), name: `${pod.metadata?.namespace}/${pod.metadata?.name}`, ...(d.launch.hostname ? { hostname: d.launch.hostname } : {}) };
        if (prev && prev.notBefore === l.notBefore && prev.attempt === l.attempt) {
          l.since = prev.since;
          if (prev.triedAt !== undefined) l.triedAt = prev.triedAt;
        }
        this.launchable.set(uid, l);
        if (!prev || prev.notBefore !== l.notBefore || prev.attempt !== l.attempt) {
          this.demandEpoch++;
          this.scheduleRevive(l.notBefore);
        }
      }
    } else this.launchable.delete(uid);
    const ref = pod ? podRef(pod) : undefined;
    for (const a of d.actions) if (a.kind === 'kill') await this.act(a, ref, uid);
    if (d.actions.some((a) => this.writeNeeded(uid, a))) this.writes.add(uid);
  }

  /** A Kubernetes write still to do: not a KILL, and not a Binding a live read found already made. */
  private writeNeeded(uid: string, a: PodAction): boolean {
    return a.kind !== 'kill' && !(a.kind === 'bind' && this.boundLive.get(uid) === a.host);
  }

  /** The decision for a pod missing from the cache, whose actions (KILLs: "the pod no longer exists") are carried out
   * only once the API server has confirmed the pod is gone. Until then the cache may just be behind (a watch
   * silently dead, in back-off, or part-way through a relist, while `synced` stays true): the pod is read live, and
   * its tasks are left alone meanwhile. */
  private unlessUnconfirmed(uid: string, d: PodDecision): PodDecision {
    const check = this.absent.get(uid);
    switch (absenceGate(check, this.now())) {
      case 'act':
        return { ...d, actions: d.actions.map((a) => (a.kind === 'kill' ? { ...a, reason: `${a.reason} (${check!.gone})` } : a)) };
      case 'read':
        this.requestRead(uid);
        return { ...d, actions: [] };
      case 'wait':
        return { ...d, actions: [] };
    }
  }

  private requestRead(uid: string): void {
    const c = this.absent.get(uid);
    if (c?.reading || c?.gone !== undefined) return;
    this.absent.set(uid, { ...(c ?? { failures: 0, nextAt: 0 }), reading: true });
    this.reads.add(uid);
  }

  /** The namespace and name of a uid's pod, from its records (they name it; the cache does not have it). */
  private recordedRef(uid: string): PodRef | undefined {
    for (const r of this.records(uid)) if (r.pod?.namespace && r.pod.name) return r.pod;
    return undefined;
  }

  /** Reads a pod missing from the cache from the API server (the reads queue's worker: it never throws; a failed read
   * is tried again after its back-off by the pod's next sync, or the next prune round). */
  private async readAbsent(uid: string): Promise<void> {
    const prev = this.absent.get(uid);
    if (!prev || this.stopped || !this.svc.isLeader()) return;
    const ref = this.recordedRef(uid);
    let read: LiveRead;
    if (!ref) read = { error: { code: 0, reason: 'NoPodName', message: 'the records of this pod do not name it' } };
    else {
      try {
        read = { pod: await this.opts.reader.readPod(ref.namespace, ref.name, this.svc.signal) };
      } catch (err) {
        const e = decodeApiError(err);
        read = { error: { code: e.code, reason: e.reason, message: e.message, ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}) } };
      }
    }
    if (this.stopped) return;
    // The cache caught up while we asked: it knows better than a read that may have started before.
    if (this.opts.source.byUidGet(uid)) {
      this.absent.delete(uid);
      return;
    }
    const now = this.now();
    const { check, verdict, warn } = afterLiveRead(this.absent.get(uid) ?? prev, uid, read, now);
    this.absent.set(uid, check);
    this.metrics.liveReads.inc({ purpose: 'absent', result: verdict === 'unknown' ? 'error' : verdict });
    const fields = { uid, ...(ref ? { pod: `${ref.namespace}/${ref.name}` } : {}) };
    if (verdict === 'gone') this.log.debug({ ...fields, why: check.gone }, 'the API server confirms the pod is gone');
    else if (warn) this.log.warn({ ...fields, why: check.why, retryInMs: check.nextAt - now }, 'a pod with tasks is missing from the pod cache but not confirmed gone: its tasks are not killed nor its records deleted for now');
    else this.log.debug({ ...fields, why: check.why, retryInMs: check.nextAt - now }, 'pod missing from the cache still not confirmed gone');
    this.queue.add(uid, verdict === 'gone' ? 0 : Math.max(1, check.nextAt - now));
  }

  /** The pod's Kubernetes writes, decided afresh when their turn comes (the pod or its tasks may have moved on). */
  private async syncWrites(uid: string): Promise<void> {
    if (!this.svc.isLeader() || this.launching.has(uid)) return;
    const pod = this.opts.source.byUidGet(uid);
    if (!pod) return;
    const ref = podRef(pod);
    for (const a of this.decide(uid, pod).actions) if (this.writeNeeded(uid, a)) await this.act(a, ref, uid);
  }

  private async act(a: PodAction, ref: PodRefFull | undefined, uid: string): Promise<void> {
    if (!this.svc.isLeader()) return;
    if (a.kind === 'kill') {
      const k = this.kills.get(a.taskId);
      if (k && this.now() - k.at < (this.opts.killRetryMs ?? 15_000) + k.graceMs) return;
      const mesos = this.svc.mesos();
      if (!mesos) return;
      const graceMs = a.gracePeriodSeconds !== undefined ? Math.round(a.gracePeriodSeconds * 1000) : 0;
      this.kills.set(a.taskId, { uid, at: this.now(), graceMs });
      this.metrics.kills.inc({ reason: a.reason.startsWith('superseded') ? 'superseded' : a.reason.includes('deleted') || a.reason.includes('no longer exists') ? 'pod-deleted' : 'other' });
      this.log.info({ task: a.taskId, agent: a.agentId, reason: a.reason, ...(graceMs ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}) }, 'killing a pod task');
      try {
        await mesos.kill(a.taskId, a.agentId, graceMs ? { grace_period: { nanoseconds: graceMs * 1_000_000 } } : undefined);
      } catch (err) {
        this.kills.delete(a.taskId);
        this.log.debug({ err: errorMessage(err), task: a.taskId }, 'KILL failed; retrying on the next sync');
      }
      return;
    }
    if (!ref) return;
    const w = this.opts.writer;
    try {
      switch (a.kind) {
        case 'bind':
          await w.bind(ref, a.host, a.annotations, this.svc.signal);
          this.metrics.bindings.inc({ result: 'bound' });
          this.log.debug({ pod: `${ref.namespace}/${ref.name}`, node: a.host }, 'pod bound');
          break;
        case 'annotate':
          await w.annotate(ref, a.annotations, this.svc.signal);
          break;
        case 'set-status':
          await w.setTerminalStatus(ref, a.phase, a.reason, a.message, this.svc.signal);
          this.log.info({ pod: `${ref.namespace}/${ref.name}`, phase: a.phase, reason: a.reason }, a.message);
          break;
        case 'finish-delete':
          await w.finishDelete(ref, this.svc.signal);
          break;
      }
      this.metrics.kubeWrites.inc({ op: a.kind, result: 'ok' });
    } catch (err) {
      const d = decodeApiError(err);
      this.metrics.kubeWrites.inc({ op: a.kind, result: String(d.code || d.reason) });
      const what = `${a.kind} ${ref.namespace}/${ref.name}: ${d.code ? `${d.code} ${d.reason}: ` : ''}${d.message}`;
      if (a.kind === 'bind' && d.code === 409) {
        // Already bound? (An earlier Binding landed and the cache lags — a takeover, a timed-out write that was
        // committed.) Read once: bound to our node is what we wanted; anything else fails below, with back-off.
        const found = await this.bindConflict(ref, a.host);
        this.metrics.liveReads.inc({ purpose: 'binding', result: found.result });
        if (found.result === 'bound-here') {
          this.boundLive.set(uid, a.host);
          this.metrics.bindings.inc({ result: 'already-bound' });
          this.log.debug({ pod: `${ref.namespace}/${ref.name}`, node: a.host, alreadyAssigned: saysAlreadyAssigned(d.message) }, 'pod already bound to the chosen node');
          return;
        }
        this.metrics.bindings.inc({ result: 'conflict' });
        throw new PodWriteError(d.reason, `${what} (${found.detail}); retrying with back-off while the pod cache catches up`, { cause: err });
      }
      if (a.kind === 'bind') this.metrics.bindings.inc({ result: 'error' });
      // The pod is gone: what a final delete is for.
      if (a.kind === 'finish-delete' && d.code === 404) return;
      // Anything else — 404 (gone), 409 (replaced, changed), 429, 5xx, no answer — is a failure of the pod's writes:
      // the writes queue retries them with its per-pod back-off, judging the pod afresh each time (the informer
      // brings the new state meanwhile). A fixed quick re-queue re-sent doomed writes twice a second for as long as
      // the cache lagged.
      throw new PodWriteError(d.reason, what, { cause: err });
    }
  }

  /** After a Binding answered 409: where the pod is bound, read live once. */
  private async bindConflict(ref: PodRefFull, host: string): Promise<{ result: 'bound-here' | 'bound-elsewhere' | 'other' | 'error'; detail: string }> {
    try {
      const live = await this.opts.reader.readPod(ref.namespace, ref.name, this.svc.signal);
      const result = judgeBindConflict(ref.uid, host, live);
      const detail = result === 'bound-elsewhere' ? `the pod is bound to ${live?.spec?.nodeName}, not to ${host}` : !live || live.metadata?.uid !== ref.uid ? 'the pod is gone or replaced' : 'the pod is not bound';
      return { result, detail };
    } catch (err) {
      return { result: 'error', detail: `reading the pod failed: ${errorMessage(err)}` };
    }
  }

  // ---- offers: helpers -------------------------------------------------------------------------------------

  /** Tells each pod no offer could take why (PodScheduled=False Unschedulable), as kube-scheduler does, without
   * holding up the offers: the writes go out beside them, a few at a time. */
  private reportUnschedulable(why: ReadonlyMap<string, string>, chosen: ReadonlyMap<string, { ref: PodRefFull }>, now: number, opts: { keep?: boolean } = {}): void {
    const w = this.opts.writer;
    if (!w.markUnschedulable) return;
    const due: Array<{ ref: PodRefFull; message: string }> = [];
    for (const [uid, message] of why) {
      const ref = chosen.get(uid)?.ref;
      const last = this.unschedulable.get(uid);
      if (!ref || !unschedulableWriteDue(last, message, now, UNSCHEDULABLE_REWRITE_MS)) continue;
      // Offers come a few agents at a time: a pod pending for less than UNSCHEDULABLE_AFTER_MS may simply not have
      // met its agent yet (a burst of new pods would otherwise each get a write they do not need).
      if (!opts.keep && now - (this.launchable.get(uid)?.since ?? now) < UNSCHEDULABLE_AFTER_MS) continue;
      // A failed write's count goes on with the next one, so its back-off keeps doubling.
      this.unschedulable.set(uid, { message, at: now, inflight: true, ...(last?.failures ? { failures: last.failures } : {}), ...(opts.keep ? { keep: true } : {}) });
      due.push({ ref, message });
    }
    // Forgotten once the pod is placed (its Binding sets PodScheduled=True) or gone; a pod that cannot become a
    // demand at all (`keep`) is remembered while it exists, so the same message is not written again.
    for (const [uid, u] of this.unschedulable) if (u.keep ? !this.opts.source.byUidGet(uid) : !this.launchable.has(uid)) this.unschedulable.delete(uid);
    if (!due.length) return;
    this.log.info({ pods: due.length, first: `${due[0]!.ref.namespace}/${due[0]!.ref.name}`, why: due[0]!.message }, 'pods no offer can take');
    const settle = (uid: string, result: { ok: true } | { ok: false; retryAfterSeconds?: number }): UnschedulableNote | undefined => {
      const cur = this.unschedulable.get(uid);
      if (!cur) return undefined; // forgotten meanwhile: the pod was placed, or is gone
      const next = afterUnschedulableWrite(cur, result, this.now());
      this.unschedulable.set(uid, next);
      return next;
    };
    void (async () => {
      for (let i = 0; i < due.length && this.svc.isLeader(); i += 16) {
        await Promise.all(
          due.slice(i, i + 16).map(({ ref, message }) =>
            w.markUnschedulable!(ref, message, this.svc.signal).then(
              () => {
                settle(ref.uid, { ok: true });
                this.metrics.kubeWrites.inc({ op: 'unschedulable', result: 'ok' });
                // `kubectl describe pod` and `kubectl events` show this; the condition alone is easy to miss.
                this.opts.events?.warning({ apiVersion: 'v1', kind: 'Pod', ...ref }, 'FailedScheduling', 'Scheduling', message);
              },
              (err: unknown) => {
                const d = decodeApiError(err);
                this.metrics.kubeWrites.inc({ op: 'unschedulable', result: String(d.code || d.reason) });
                // Kept, with a doubling back-off (at least the server's Retry-After): forgetting it re-sent the write
                // with every round of offers — about once a second — to an API server that was throttling us.
                const next = settle(ref.uid, { ok: false, ...(d.retryAfterSeconds !== undefined ? { retryAfterSeconds: d.retryAfterSeconds } : {}) });
                const retryInMs = next?.retryAt !== undefined ? Math.max(1, next.retryAt - this.now()) : undefined;
                // A pod that cannot become a demand is reported by its sync, not by offers: judge it again then.
                if (next?.keep && retryInMs !== undefined) this.queue.add(ref.uid, retryInMs);
                this.log.debug({ pod: `${ref.namespace}/${ref.name}`, err: d.message, failures: next?.failures, retryInMs }, 'could not mark the pod unschedulable');
              },
            ),
          ),
        );
      }
    })();
  }

  /** Resolves once the pod source is synced, the term ends, or `ms` pass. */
  private untilSynced(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        this.svc.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.svc.signal.addEventListener('abort', done, { once: true });
      // After the resync the sync triggers (registered first, in the constructor) has judged the pods: those
      // syncs run on microtasks, so they are done by the next macrotask.
      const unsubscribe = this.opts.source.onSynced(() => setImmediate(done));
    });
  }

  private executorInfo(): TaskInfo['executor'] {
    const fid = this.svc.frameworkId();
    if (!this.execCache || this.execCache.fid !== fid) this.execCache = { fid, info: executorInfo(this.opts.config, fid) };
    return this.execCache.info;
  }

  /** One DECLINE per agent, in parallel: the master declines each offer on its own (`Master::decline`: no aggregate
   * validation, one refuse filter per role of the offers), so fewer calls cost nothing and one slow agent's call
   * does not hold up the others. */
  private async declineByAgent(offers: Array<{ id: string; agentId: string }>, filters: { refuse_seconds: number }): Promise<void> {
    const mesos = this.svc.mesos();
    if (!offers.length || !mesos || !this.svc.isLeader()) return;
    const byAgent = new Map<string, string[]>();
    for (const o of offers) {
      const l = byAgent.get(o.agentId) ?? [];
      l.push(o.id);
      byAgent.set(o.agentId, l);
    }
    await Promise.all(
      [...byAgent.values()].map((ids) =>
        mesos.decline(ids, filters).catch((err: unknown) => this.log.debug({ err: errorMessage(err), offers: ids }, 'DECLINE failed (the offers return when they expire or are rescinded)')),
      ),
    );
  }

  private hasEligible(): boolean {
    const now = this.now();
    for (const l of this.launchable.values()) if (l.notBefore <= now && !this.launching.has(l.uid)) return true;
    return false;
  }

  private hasAnyLaunchable(): boolean {
    return this.launchable.size > 0 || this.launching.size > 0;
  }

  /** A REVIVE now if some pod may launch now, else when the earliest back-off ends. */
  private ensureRevive(): void {
    if (this.hasEligible()) {
      this.scheduleRevive(this.now());
      return;
    }
    let next = Infinity;
    for (const l of this.launchable.values()) if (!this.launching.has(l.uid)) next = Math.min(next, l.notBefore);
    if (next !== Infinity) this.scheduleRevive(next);
  }

  private scheduleRevive(at: number): void {
    if (this.stopped) return;
    const now = this.now();
    const due = Math.max(at, now + (this.opts.reviveDelayMs ?? 20), this.lastReviveAt + (this.opts.reviveMinIntervalMs ?? 200));
    if (this.reviveTimer && this.reviveDue <= due) return;
    clearTimeout(this.reviveTimer);
    this.reviveDue = due;
    this.reviveTimer = setTimeout(() => {
      this.reviveTimer = undefined;
      this.reviveDue = Infinity;
      if (this.offersInFlight > 0) this.reviveAfterOffers = true;
      else if (this.hasEligible()) void this.revive('pods pending');
      else this.ensureRevive();
    }, Math.max(0, due - now));
    this.reviveTimer.unref();
  }

  private async revive(why: string): Promise<void> {
    const mesos = this.svc.mesos();
    if (!mesos || !this.svc.isLeader() || this.stopped) return;
    this.lastReviveAt = this.now();
    try {
      this.log.debug({ why, launchable: this.launchable.size }, 'REVIVE');
      await mesos.revive(this.svc.roles);
      if (this.suppressed !== false) this.log.info({ why, launchable: this.launchable.size }, 'offers revived');
      this.suppressed = false;
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'REVIVE failed; retrying');
      this.scheduleRevive(this.now() + 1000);
    }
  }

  private async suppress(): Promise<void> {
    const mesos = this.svc.mesos();
    if (this.suppressed === true || !mesos || !this.svc.isLeader() || this.stopped) return;
    try {
      await mesos.suppress(this.svc.roles);
      this.suppressed = true;
      this.log.info('nothing to launch; offers suppressed');
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'SUPPRESS failed');
    }
  }

  // ---- housekeeping ----------------------------------------------------------------------------------------

  private get retentionMs(): number {
    return this.opts.retentionMs ?? this.opts.config.taskRetentionSeconds * 1000;
  }

  private podPresence(uid: string): PodPresence {
    const pod = this.opts.source.byUidGet(uid);
    if (!pod) return 'absent';
    return isTerminalPhase(pod) || isDeleting(pod) ? 'finished' : 'present';
  }

  /** Deletes (fenced) the records retention.ts finds no pod needs any more. Only with a synced pod cache, and a pod
   * missing from it counts as deleted only once the API server has confirmed it (a synced cache can still be
   * stale): until then its records are kept as a live pod's would be, and it is read live for a later round.
   * Resolves to the number deleted. */
  async prune(): Promise<number> {
    if (this.pruning || this.stopped || !this.svc.isLeader() || !this.opts.source.synced) return 0;
    this.pruning = true;
    this.lastPruneAt = this.now();
    try {
      const now = this.now();
      const unconfirmed: string[] = [];
      const candidates = prunableRecords({
        records: this.svc.registry.all() as Iterable<PodTaskRecord>,
        podPresence: (uid) => {
          const p = this.podPresence(uid);
          if (p !== 'absent' || absenceGate(this.absent.get(uid), now) === 'act') return p;
          unconfirmed.push(uid);
          return 'present';
        },
        inflight: this.inflight,
        now,
        retentionMs: this.retentionMs,
        keepPerPod: keepPerPodFor(this.opts.backoff ?? DEFAULT_BACKOFF),
      }).slice(0, PRUNE_MAX);
      this.confirmForPrune(unconfirmed, now);
      if (!candidates.length) return 0;
      const uidOf = new Map(candidates.map((id) => [id, (this.svc.registry.get(id) as PodTaskRecord | undefined)?.pod?.uid ?? parseTaskId(id)?.uid]));
      // Only records still as judged now: an update that changes one meanwhile (LOST → RUNNING) keeps its batch.
      const ids = await this.svc.registry.removeMany(this.svc.writer, candidates, { expected: this.svc.registry.snapshot(candidates) });
      if (!ids.length) return 0;
      const byUid = new Map<string, string[]>();
      for (const id of ids) {
        this.kills.delete(id);
        this.launchingTasks.delete(id);
        const uid = uidOf.get(id);
        if (uid) byUid.set(uid, [...(byUid.get(uid) ?? []), id]);
      }
      for (const [uid, gone] of byUid) {
        const set = this.index.get(uid);
        if (set) {
          for (const id of gone) set.delete(id);
          if (!set.size) this.index.delete(uid);
        }
        this.queue.add(uid); // a gone pod's state entry goes with its last record
      }
      // What is known of each agent's executor comes from the records that are left.
      this.agentLaunch.clear();
      for (const r of this.svc.registry.all()) this.noteLaunch(r as PodTaskRecord);
      this.pruned += ids.length;
      this.metrics.pruned.inc(ids.length);
      this.log.info({ records: ids.length, pods: byUid.size, retentionMs: this.retentionMs, oldest: ids[0] }, 'deleted ended task records no pod needs any more');
      return ids.length;
    } catch (err) {
      // A refused fence ends the term (the writer saw to it); anything else is tried again next round.
      this.log.warn({ err: errorMessage(err), fenceLost: isFenceLostError(err) }, 'deleting ended task records failed; retrying on the next round');
      return 0;
    } finally {
      this.pruning = false;
    }
  }

  /** Asks the API server about the pods missing from the cache that have records old enough to delete. */
  private confirmForPrune(uids: string[], now: number): void {
    let asked = 0;
    for (const uid of uids) {
      if (asked >= PRUNE_READS_MAX) break;
      if (absenceGate(this.absent.get(uid), now) !== 'read') continue;
      const old = this.records(uid).some((r) => !isActiveState(r.state) && !this.inflight.has(r.id) && now - Date.parse(r.updatedAt) >= this.retentionMs);
      if (!old) continue;
      this.requestRead(uid);
      asked++;
    }
  }

  private sweep(): void {
    if (this.stopped || !this.svc.isLeader()) return;
    const now = this.now();
    if (now - this.lastPruneAt >= Math.min(this.opts.pruneIntervalMs ?? 60_000, this.retentionMs)) void this.prune();
    const timeout = this.opts.launchTimeoutMs ?? 60_000;
    const stuck: string[] = [];
    for (const [id, since] of this.launchingTasks) {
      const r = this.svc.registry.get(id);
      if (!r || !LAUNCH_STATES.has(r.state)) {
        this.launchingTasks.delete(id);
        continue;
      }
      if (this.inflight.has(id) || now - since < timeout) continue;
      const updated = Date.parse(r.updatedAt);
      if (Number.isFinite(updated) && now - updated < timeout) continue;
      stuck.push(id);
      this.launchingTasks.set(id, now);
    }
    if (stuck.length) {
      this.log.warn({ tasks: stuck.length, first: stuck[0], timeoutMs: timeout }, 'launches not RUNNING within the launch timeout; reconciling them');
      this.svc.requestReconcile(stuck);
    }
    const killRetry = this.opts.killRetryMs ?? 15_000;
    for (const [id, k] of this.kills) {
      const r = this.svc.registry.get(id);
      if (!r || !isActiveState(r.state)) this.kills.delete(id);
      else if (now - k.at >= killRetry + k.graceMs) this.queue.add(k.uid);
    }
    const byState: Record<string, number> = {};
    for (const s of this.states.values()) byState[s] = (byState[s] ?? 0) + 1;
    this.metrics.pods.reset();
    for (const [s, n] of Object.entries(byState)) this.metrics.pods.set({ state: s }, n);
    // Watchdog: a pod that may launch but was never matched against an offer since it became launchable means the
    // offers that could take it are filtered or suppressed (a REVIVE was lost or raced with a DECLINE): revive.
    // Pods that were matched and did not fit need no REVIVE: Mesos re-offers an agent whose free resources grow.
    let starving = 0;
    for (const l of this.launchable.values()) {
      const eligibleSince = Math.max(l.since, l.notBefore);
      if (this.launching.has(l.uid) || now - eligibleSince < 2000) continue;
      if (l.triedAt === undefined || l.triedAt < eligibleSince) starving++;
    }
    if (starving && now - this.lastReviveAt > 2000) {
      this.log.info({ pods: starving }, 'pods waiting without offers; reviving');
      this.scheduleRevive(now);
    } else if (this.hasEligible() && this.suppressed) this.scheduleRevive(now);
  }
}
