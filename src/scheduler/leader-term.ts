// One leadership term of a scheduler replica:
//   check the executor-config hash → load the registry (authoritatively) → decide the framework id →
//   SUBSCRIBE (checkpoint, failover_timeout, PARTITION_AWARE) → on SUBSCRIBED persist the id (fenced) and
//   reconcile → process events in order (registry write, then ACKNOWLEDGE only for updates with a uuid) →
//   publish the leader status (fenced, rate-limited).
// It ends — at once, sending nothing more — when the context says the term is over (renew deadline, resign,
// USR1, lost key, failed fence), when Mesos says "Framework failed over", or when the replica stops.
import type { Etcd3 } from 'etcd3';
import { maskZkPassword } from '../api/addresses.js';
import type { KeyLayout } from '../api/keys.js';
import type { SchedulerConfig } from '../api/flags.js';
import { parseExecutorHashRecord, type CandidateIdentity, type LeaderStatusRecord, type ReconcileProgress, type ExecutorHashRecord } from '../api/leader-status.js';
import { SchedulerClient, type SubscribedInfo } from '../mesos/scheduler-client.js';
import type { MasterDetector } from '../mesos/detector-base.js';
import { FrameworkFailedOverError, FrameworkRemovedError, FrameworkIdMismatchError, SubscriptionGoneError, type MesosFatalError } from '../mesos/errors.js';
import { isTerminalState, type Event, type TaskStatus } from '../mesos/types.js';
import type { Credentials, TlsOptions } from '../mesos/http.js';
import type { TxnOp } from '../election/index.js';
import { followKeys, isFenceLostError } from '../election/index.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { monotonicMs, sleep, timerMs } from '../util/time.js';
import { Reconciler } from './reconciler.js';
import { applyCatchUp, catchUpOps, type MirrorSnapshot } from './registry-mirror.js';
import { MAX_TXN_OPS, TaskRegistry, type RegistryWriter } from './registry.js';
import { applyStatus, type TaskRecord } from './task-record.js';
import { decideAfterRemoval, decideExecutorHash, decideFrameworkId } from './takeover.js';
import { frameworkSettings, type ExecutorIdentity } from './framework.js';
import type { SchedulerMetrics } from './metrics.js';
import type { TaskManager, TaskManagerFactory, LeaderServices } from './task-manager.js';

/** Leader-only writes: the FencedStore with --ha, a plain etcd writer without. */
export interface LeaderWriter extends RegistryWriter {
  put(key: string, value: string, opts?: { lease?: string }): Promise<unknown>;
}

export interface TermContext {
  /** The term (leader key create revision), or "single" without --ha. */
  term: string;
  leaseId?: string;
  writer: LeaderWriter;
  isLeader(): boolean;
  /** Ends the term from inside (the replica resigns / restarts). */
  stepDown(reason: string): void;
  /** Monotonic ms when the term began. */
  startedAt: number;
}

export type MesosState = 'loading' | 'subscribing' | 'subscribed' | 'disconnected' | 'removed' | 'refused' | 'ended';

export type TermOutcome =
  | { kind: 'stopped' }
  | { kind: 'refused'; reason: 'ExecutorHashMismatch'; message: string }
  | { kind: 'failed-over'; message: string; reason: string };

export interface LeaderTermDeps {
  config: SchedulerConfig;
  client: Etcd3;
  keys: KeyLayout;
  detector: MasterDetector;
  identity: CandidateIdentity;
  executor: ExecutorIdentity;
  metrics: SchedulerMetrics;
  logger: Logger;
  taskManager: TaskManagerFactory;
  credentials?: Credentials;
  /** CA / client certificate for https masters. */
  tls?: TlsOptions;
  /** Minimum spacing of leader-status writes (default 1000 ms). */
  statusIntervalMs?: number;
  /** Without --ha there is no other replica to hand over to: a changed hash is only a warning. */
  allowHashChange?: boolean;
  /** The standby's registry mirror, handed over at election (undefined: load the registry). */
  mirror?: () => MirrorSnapshot | undefined;
  /** Client options for tests (faster backoff). */
  mesosClient?: { backoff?: { initialMs?: number; maxMs?: number }; callTimeoutMs?: number };
}

const STATUS_INTERVAL_MS = 1000;
/** Longest pause between attempts to persist what SUBSCRIBED calls for (framework id, executor hash). */
const PERSIST_RETRY_MAX_MS = 5000;
/** UPDATEs recorded per batch: a few full registry txns, then one round of acks (see handleUpdates). */
const UPDATE_BATCH = 4 * MAX_TXN_OPS;
/** A task the registry does not know is killed again at most this often while Mesos keeps reporting it live. */
const UNKNOWN_KILL_INTERVAL_MS = 5000;

export class LeaderTerm {
  readonly since = new Date();
  /** Carries the term, and the framework id once known (every later child logger inherits it). */
  private log: Logger;
  private readonly abort = new AbortController();
  private mesos: SchedulerClient | undefined;
  private registry: TaskRegistry | undefined;
  private reconciler: Reconciler | undefined;
  private manager: TaskManager | undefined;
  private state_: MesosState = 'loading';
  /** The term's Mesos state, mirrored one-hot in schedulerha_mesos_state (a refusal needing a human must not look
   * like a routine re-subscribe to an alert). */
  private get state(): MesosState {
    return this.state_;
  }
  private set state(s: MesosState) {
    this.state_ = s;
    this.deps.metrics.setMesosState(s);
  }
  /** Task ids whose registry record did not decode at take-over: never killed as unknown. */
  private undecodable = new Set<string>();
  private problem: { reason: string; message: string } | undefined;
  private frameworkId: string | undefined;
  private boundFrameworkId: string | undefined;
  private subscribedAt: string | undefined;
  private timeToSubscribed: number | undefined;
  private firstSubscribe = true;
  private queue: Event[] = [];
  /** The Mesos-Stream-Id of the subscription that is live now (undefined between a disconnect and the next
   * SUBSCRIBED), and of the subscription each queued OFFERS event came on. */
  private liveStream: string | undefined;
  private readonly offerStream = new WeakMap<Event, string | undefined>();
  private wakeQueue: (() => void) | undefined;
  /** OFFERS are handled one after another on their own chain, beside the UPDATEs (see processEvents). */
  private offersChain: Promise<void> = Promise.resolve();
  /** Set while a new framework's id is being persisted: offers wait for it instead of being declined. */
  private idPersisted: Promise<void> | undefined;
  /** The acknowledgements of the last batch of UPDATEs (see handleUpdates). */
  private acking: Promise<void> = Promise.resolve();
  /** Live at the last SUBSCRIBED, not heard from since; emptied when that reconciliation ends (see
   * LeaderServices.unconfirmed). */
  private unconfirmed = new Set<string>();
  /** When each task the registry does not know was last killed (monotonic ms). */
  private readonly unknownKilledAt = new Map<string, number>();
  private statusDirty = true;
  private lastStatusWrite = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private done: Promise<TermOutcome> | undefined;
  private outcome: TermOutcome | undefined;
  private storedHash: ExecutorHashRecord | undefined;

  constructor(
    private readonly deps: LeaderTermDeps,
    private readonly ctx: TermContext,
  ) {
    this.log = deps.logger.child({ term: ctx.term });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  start(): Promise<TermOutcome> {
    this.done ??= this.main().catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.log.error({ err: errorMessage(err) }, 'leader term failed');
      return this.finish({ kind: 'stopped' });
    });
    return this.done;
  }

  /** Ends the term now: the Mesos client stops before anything else, so no call leaves after this returns. */
  async stop(): Promise<void> {
    this.haltNow();
    await this.done;
  }

  /** Before a voluntary hand-off (USR1, a failover request, TERM): the calls already sent to Mesos are answered
   * (at most `ms`), nothing new is sent, then the term halts. The successor is elected on the key's delete, which
   * comes after: a call of ours accepted by the master after that would be a second scheduler acting. */
  async quiesce(ms: number): Promise<void> {
    await this.mesos?.quiesce(ms);
    this.haltNow();
  }

  private haltNow(): void {
    if (!this.abort.signal.aborted) this.abort.abort();
    const m = this.mesos;
    if (m) void m.stop();
    this.reconciler?.stop();
    clearTimeout(this.statusTimer);
    clearInterval(this.reconcileTimer);
    this.wakeQueue?.();
    this.state = 'ended';
    this.deps.metrics.frameworkRegistered.set(0);
  }

  private finish(o: TermOutcome): TermOutcome {
    this.outcome ??= o;
    this.haltNow();
    return this.outcome;
  }

  // ---- main ------------------------------------------------------------------------------------------------

  private async main(): Promise<TermOutcome> {
    const { keys, client, config } = this.deps;
    // 1. Framework id, hashes, reset key: one consistent read.
    // A standby's registry mirror is verified in the same read (registry-mirror.ts).
    const mirror = this.deps.mirror?.();
    const res = await client.kv.txn(
      {
        compare: [],
        success: [...[keys.frameworkId, keys.executorHash, keys.desiredExecutorHash, keys.resetFramework].map((k) => ({ request_range: { key: Buffer.from(k) } })), ...(mirror ? catchUpOps(keys.tasksPrefix, mirror) : [])],
        failure: [],
      },
      { deadline: new Date(Date.now() + 10_000) },
    );
    const val = (i: number) => res.responses[i]?.response_range?.kvs[0]?.value.toString();
    const storedId = val(0);
    this.storedHash = parseExecutorHashRecord(val(1));
    const desired = parseExecutorHashRecord(val(2));
    if (this.abort.signal.aborted) return this.finish({ kind: 'stopped' });

    // 2. Executor compatibility (k8sm's validateLeadershipTransition, with a sanctioned-change path).
    const hd = decideExecutorHash(this.deps.executor, this.storedHash, desired, keys);
    if (!hd.ok && this.deps.allowHashChange) {
      this.log.warn({ reason: hd.reason }, `${hd.message} (continuing: without --ha there is no other replica to hand over to)`);
    } else if (!hd.ok) {
      this.state = 'refused';
      this.problem = { reason: hd.reason, message: hd.message };
      this.log.error({ reason: hd.reason }, hd.message);
      return this.finish({ kind: 'refused', reason: hd.reason, message: hd.message });
    }
    if (hd.ok && hd.note) this.log.warn(hd.note);

    // 3. The registry, authoritatively.
    const t0 = monotonicMs();
    const caughtUp = mirror ? applyCatchUp(keys.tasksPrefix, mirror, String(res.header.revision), res.responses[4]?.response_range, res.responses[5]?.response_range) : undefined;
    if (caughtUp && !caughtUp.ok) this.log.info({ why: caughtUp.why }, 'the standby registry mirror could not be verified; loading the registry');
    const { registry, skipped } = caughtUp?.ok ? caughtUp : await TaskRegistry.load(client, keys.tasksPrefix, { logger: this.log });
    for (const k of caughtUp?.ok ? skipped : []) this.log.warn({ key: k }, 'skipping a malformed task registry record');
    // Their tasks are not unknown: a record this version cannot read (another version's format, a hand edit)
    // still says we launched the task, so Mesos's report of it must not get it killed.
    this.undecodable = new Set(skipped.map((k) => k.slice(keys.tasksPrefix.length)));
    this.registry = registry;
    this.log.info({ tasks: registry.size, live: registry.liveCount(), skipped: skipped.length, ms: Math.round(monotonicMs() - t0), source: caughtUp?.ok ? 'mirror' : 'etcd', ...(caughtUp?.ok ? { changedSinceMirror: caughtUp.changed } : {}) }, 'task registry loaded');
    this.deps.metrics.setTaskCounts(registry.counts().byState);
    if (this.abort.signal.aborted) return this.finish({ kind: 'stopped' });

    // 4. Framework id: never become a new framework silently.
    let fid = storedId;
    // A `new` already in place answers a refusal published before this term (the human confirmed while no leader
    // was watching, or the last leader died before acting on it).
    const resetAtStart = val(3);
    let confirmedNew = resetAtStart?.trim() === 'new';
    for (;;) {
      const d = decideFrameworkId(fid, registry.liveCount(), keys);
      if (d.action !== 'refuse') break;
      if (confirmedNew) {
        this.log.warn({ key: keys.resetFramework }, `${d.message}: ${keys.resetFramework}=new confirms a fresh start; retiring the registry's live tasks`);
        await this.retireRegistry('TASK_LOST', 'the framework id was lost; confirmed fresh start');
        await this.clearResetKey();
        confirmedNew = false;
        fid = undefined;
        continue;
      }
      this.state = 'refused';
      this.problem = { reason: d.reason, message: d.message };
      this.log.error({ reason: d.reason }, d.message);
      this.markStatusDirty(true);
      // Either answer a human may give: the id restored at frameworkid, or a confirmed fresh start.
      const changed = await this.waitForKeyChange([keys.resetFramework, keys.frameworkId]);
      if (changed === undefined) return this.finish({ kind: 'stopped' });
      if (changed.key === keys.resetFramework) confirmedNew = changed.value.trim() === 'new';
      else fid = (await this.getKey(keys.frameworkId)) ?? undefined;
    }
    this.frameworkId = fid;
    this.bindFrameworkId(fid);
    this.problem = undefined;
    // A `new` left over while the id is stored (the id was restored instead) confirms nothing any more; kept, it
    // would later confirm a fresh start nobody asked for. Deleted only if still that value.
    if (fid !== undefined && confirmedNew && resetAtStart !== undefined) {
      const r = await this.ctx.writer.txn({ compare: [{ key: keys.resetFramework, target: 'value', op: '==', value: resetAtStart }], success: [{ delete: { key: keys.resetFramework } }] });
      if (r.succeeded) this.log.info({ key: keys.resetFramework }, `deleted a stale ${keys.resetFramework}=new: the framework id is stored`);
    }

    // 5. Subscribe and run until the term ends.
    this.startServices();
    await this.subscribeLoop();
    return this.finish(this.outcome ?? { kind: 'stopped' });
  }

  private bindFrameworkId(fid: string | undefined): void {
    if (fid && fid !== this.boundFrameworkId) {
      this.boundFrameworkId = fid;
      this.log = this.deps.logger.child({ term: this.ctx.term, frameworkId: fid });
    }
  }

  private startServices(): void {
    const { config, metrics } = this.deps;
    const registry = this.registry!;
    this.reconciler = new Reconciler({
      initialBackoffMs: config.reconcileInitialBackoffSeconds * 1000,
      maxBackoffMs: config.reconcileMaxBackoffSeconds * 1000,
      timeoutMs: config.reconcileTimeoutSeconds * 1000,
      logger: this.log.child({ component: 'reconciler' }),
      send: async (tasks, signal) => {
        if (signal.aborted || !this.guard()) return;
        const m = this.mesos;
        if (!m) return;
        await m.reconcile((tasks ?? []).map((t) => ({ task_id: t.taskId, ...(t.agentId ? { agent_id: t.agentId } : {}) })));
      },
      onProgress: (p) => this.onReconcileProgress(p),
    });
    if (config.reconcileIntervalSeconds > 0) {
      this.reconcileTimer = setInterval(() => {
        if (this.state === 'subscribed' && this.guard()) void this.reconciler?.tick();
      }, timerMs(config.reconcileIntervalSeconds * 1000));
      this.reconcileTimer.unref();
    }
    const svc: LeaderServices = {
      log: this.log.child({ component: 'tasks' }),
      registry,
      writer: this.ctx.writer,
      mesos: () => this.mesos,
      metrics,
      isLeader: () => this.guard(),
      term: this.ctx.term,
      frameworkId: () => this.frameworkId,
      roles: config.mesosRoles,
      signal: this.abort.signal,
      unconfirmed: (id) => this.unconfirmed.has(id),
      requestReconcile: (ids) => {
        const targets = ids.map((id) => registry.get(id)).filter((r): r is TaskRecord => !!r).map((r) => ({ taskId: r.id, ...(r.agentId ? { agentId: r.agentId } : {}) }));
        if (targets.length) this.reconciler?.include(targets);
      },
    };
    this.manager = this.deps.taskManager(svc);
    this.statusTimer = setInterval(() => void this.publishStatus(false), Math.max(100, this.deps.statusIntervalMs ?? STATUS_INTERVAL_MS));
    this.statusTimer.unref();
    void this.processEvents();
  }

  /** Subscribes (again after "Framework has been removed" when allowed) until the term ends. */
  private async subscribeLoop(): Promise<void> {
    const { keys } = this.deps;
    for (;;) {
      if (this.abort.signal.aborted) return;
      const fatal = await this.runSubscription();
      if (this.abort.signal.aborted || !fatal) return;
      if (fatal instanceof FrameworkFailedOverError || fatal instanceof SubscriptionGoneError) {
        // Someone else subscribed with our framework id (or the master dropped our subscription): the Mesos
        // fence. Stop at once and never retry as this leader.
        this.log.warn({ reason: fatal.reason }, `${fatal.message}; stepping down`);
        this.finish({ kind: 'failed-over', message: fatal.message, reason: fatal.reason });
        this.ctx.stepDown(fatal.reason);
        return;
      }
      if (fatal instanceof FrameworkRemovedError) {
        const removedId = this.frameworkId ?? '?';
        this.state = 'removed';
        // A value already there predates the removal: only the removed id itself confirms it then (a `new` may be
        // a leftover answer to something else).
        let decision = decideAfterRemoval(removedId, this.registry!.liveCount(), { value: await this.getKey(keys.resetFramework), writtenAfterRemoval: false }, keys);
        while (!decision.register) {
          this.problem = { reason: 'FrameworkRemoved', message: decision.message };
          this.log.error({ reason: 'FrameworkRemoved' }, decision.message);
          this.markStatusDirty(true);
          const reset = await this.waitForKeyChange([keys.resetFramework]);
          if (reset === undefined) return;
          decision = decideAfterRemoval(removedId, this.registry!.liveCount(), { value: reset.value, writtenAfterRemoval: true }, keys);
        }
        this.log.warn(decision.message);
        // Mesos killed every task of the removed framework (REASON_FRAMEWORK_REMOVED, no update sent).
        await this.retireRegistry('TASK_KILLED', `framework ${removedId} was removed by Mesos`);
        await this.ctx.writer.txn({ success: [{ delete: { key: keys.frameworkId } }] });
        await this.clearResetKey();
        this.frameworkId = undefined;
        this.firstSubscribe = true;
        this.problem = undefined;
        continue;
      }
      // Any other fatal answer (rejected SUBSCRIBE, id mismatch): retrying the same SUBSCRIBE cannot help until
      // something changes on the Mesos side; keep the leadership (so no other replica tries the same — a resign
      // would only hand the same answer round the replicas), report, and try again slowly.
      this.state = 'refused';
      this.problem = { reason: fatal.reason, message: fatal.message };
      this.log.error({ reason: fatal.reason }, fatal.message);
      this.markStatusDirty(true);
      if (fatal instanceof FrameworkIdMismatchError) {
        // The stored id is what needs a human: subscribe again as soon as someone writes the right one.
        const changed = await this.waitForKeyChange([keys.frameworkId]);
        if (changed === undefined) return;
        if (changed.value.trim()) this.frameworkId = changed.value.trim();
        this.bindFrameworkId(this.frameworkId);
        this.log.warn(`${keys.frameworkId} was written; subscribing with it`);
        continue;
      }
      if (!(await sleep(30_000, this.abort.signal))) return;
    }
  }

  /** One SchedulerClient lifetime. Resolves with its fatal error, or undefined when the term ended. */
  private async runSubscription(): Promise<MesosFatalError | undefined> {
    const { config, detector, metrics, credentials, tls } = this.deps;
    if (!this.guard()) return undefined;
    this.state = 'subscribing';
    this.markStatusDirty(true);
    const client = new SchedulerClient({
      detector,
      framework: frameworkSettings(config),
      ...(this.frameworkId ? { frameworkId: this.frameworkId } : {}),
      ...(this.manager!.initiallySuppressed() ? { suppressedRoles: config.mesosRoles } : {}),
      ...(credentials ? { credentials } : {}),
      ...(tls ? { tls } : {}),
      logger: this.log,
      ...(this.deps.mesosClient?.backoff ? { backoff: this.deps.mesosClient.backoff } : {}),
      ...(this.deps.mesosClient?.callTimeoutMs ? { callTimeoutMs: this.deps.mesosClient.callTimeoutMs } : {}),
    });
    this.mesos = client;
    const fatal = new Promise<MesosFatalError>((resolve) => client.once('fatal', resolve));
    client.on('subscribed', (info) => void this.onSubscribed(info));
    client.on('event', (e) => {
      if (e.type === 'SUBSCRIBED' || e.type === 'HEARTBEAT' || e.type === 'ERROR') return;
      if (e.type === 'OFFERS') this.offerStream.set(e, client.streamId);
      this.queue.push(e);
      this.wakeQueue?.();
    });
    client.on('heartbeatMissed', () => metrics.missedHeartbeats.inc());
    // Told in /status and the leader-status record (the operator's conditions), not only in the log.
    client.on('noLeader', ({ waitedMs, problem }) => {
      this.problem = { reason: 'NoMesosMaster', message: `no leading Mesos master detected for ${Math.round(waitedMs / 1000)} s (${maskZkPassword(config.mesosMaster)})${problem ? `: ${problem}` : ''}` };
      this.markStatusDirty(true);
    });
    client.on('disconnected', (d) => {
      this.liveStream = undefined;
      if (d.reason === 'HeartbeatTimeout') metrics.heartbeatTimeouts.inc();
      if (this.abort.signal.aborted) return;
      this.state = 'disconnected';
      metrics.frameworkRegistered.set(0);
      this.reconciler?.cancel();
      this.log.warn({ reason: d.reason }, `Mesos subscription lost: ${d.message}; re-subscribing`);
      this.markStatusDirty(true);
    });
    client.on('call', (r) => {
      metrics.mesosCalls.inc({ type: r.type, code: r.code });
      metrics.mesosCallDuration.observe({ type: r.type }, r.durationMs / 1000);
    });
    if (!this.guard()) return undefined;
    client.start();
    // The term's signal outlives this subscription (a rejected SUBSCRIBE is retried within the term, for as long as
    // the master refuses): the listener goes with it, and with it the last reference to this client.
    let onEnd: (() => void) | undefined;
    const ended = new Promise<undefined>((resolve) => {
      onEnd = () => resolve(undefined);
      this.abort.signal.addEventListener('abort', onEnd, { once: true });
    });
    const r = await Promise.race([fatal, ended]);
    this.abort.signal.removeEventListener('abort', onEnd!);
    await client.stop();
    if (r) {
      metrics.frameworkRegistered.set(0);
      this.reconciler?.cancel();
    }
    return r;
  }

  // ---- Mesos events ----------------------------------------------------------------------------------------

  private async onSubscribed(info: SubscribedInfo): Promise<void> {
    this.liveStream = info.streamId; // before any await: the subscription this SUBSCRIBED opened is the live one
    if (!this.guard()) return;
    const { keys, metrics } = this.deps;
    // The reconciliation targets are the live records as of SUBSCRIBED — taken now, before anything below awaits.
    // The new stream's OFFERS are handled meanwhile (processEvents does not wait for this), and the intents they
    // write must not be asked about: their ACCEPT may not have left yet (the pods manager sends it once every
    // intent chunk is committed), so the master would answer "unknown" (TASK_LOST) for a task that is about to
    // launch, and the pod would be launched a second time. What becomes of those launches is known without asking:
    // the ACCEPT's answer (a failed ACCEPT reconciles its tasks itself), then the task's own updates.
    const targets = this.registry!.live().map((r) => ({ taskId: r.id, ...(r.agentId ? { agentId: r.agentId } : {}) }));
    this.unconfirmed = new Set(targets.map((t) => t.taskId));
    const isNew = !this.frameworkId;
    let persisted: () => void = () => {};
    if (isNew) this.idPersisted = new Promise<void>((resolve) => (persisted = resolve));
    try {
      // A failed etcd write must not leave a subscribed leader that neither reconciles nor launches (nothing else
      // would retry: the stream is healthy, so no new SUBSCRIBED comes). Retry while the term holds; a fenced
      // write refused ends the term.
      for (let delay = 200; ; delay = Math.min(delay * 2, PERSIST_RETRY_MAX_MS)) {
        try {
          if (!(await this.persistSubscription(info, isNew))) return;
          break;
        } catch (err) {
          this.onWriteError(err, 'persisting the framework id and executor hash', 'framework-id');
          if (isFenceLostError(err) || !this.guard()) return;
          this.problem = { reason: 'EtcdWriteFailed', message: `cannot persist the framework id / executor hash after SUBSCRIBED: ${errorMessage(err)}; retrying in ${delay} ms` };
          this.markStatusDirty(true);
          if (!(await sleep(delay, this.abort.signal)) || !this.guard()) return;
        }
      }
    } finally {
      this.idPersisted = undefined;
      persisted();
    }
    if (!this.guard()) return;
    if (this.liveStream !== info.streamId) {
      // The stream ended while the writes above waited on etcd: the `disconnected` state stands, and the next
      // SUBSCRIBED (the client re-subscribes with the id it was given) reconciles.
      this.log.info({ streamId: info.streamId }, 'the subscription ended while its SUBSCRIBED was being persisted; waiting for the next one');
      return;
    }
    this.state = 'subscribed';
    this.problem = undefined; // a refusal before this subscription (rejected SUBSCRIBE, id mismatch) is over
    this.subscribedAt = new Date().toISOString();
    metrics.subscriptions.inc();
    metrics.frameworkRegistered.set(1);
    if (this.firstSubscribe) {
      this.timeToSubscribed = (monotonicMs() - this.ctx.startedAt) / 1000;
      metrics.timeToSubscribed.observe(this.timeToSubscribed);
    }
    const resubscribed = !this.firstSubscribe;
    this.firstSubscribe = false;
    this.bindFrameworkId(info.frameworkId);
    this.log.info({ master: info.masterUrl, resubscribed, timeToSubscribedMs: this.timeToSubscribed !== undefined ? Math.round(this.timeToSubscribed * 1000) : undefined }, 'SUBSCRIBED');
    this.markStatusDirty(true);
    try {
      await this.manager?.onSubscribed(info, resubscribed);
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'task manager failed on SUBSCRIBED');
    }
    // Reconcile after every SUBSCRIBED: every task live at SUBSCRIBED (see above), with its agent id.
    void this.reconciler!.start(targets).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'reconciliation failed'));
  }

  /** The writes SUBSCRIBED calls for: a new framework's id (fenced, create-if-absent: never overwrite another
   * id), then our executor hash if it changed. Resolves false when the term must end (another id is stored). */
  private async persistSubscription(info: SubscribedInfo, isNew: boolean): Promise<boolean> {
    const { keys } = this.deps;
    if (isNew && this.frameworkId !== info.frameworkId) {
      const r = await this.ctx.writer.txn({
        compare: [{ key: keys.frameworkId, target: 'version', op: '==', value: 0 }],
        success: [{ put: { key: keys.frameworkId, value: info.frameworkId } }],
        failure: [{ get: { key: keys.frameworkId } }],
      });
      const other = !r.succeeded && r.results[0] && 'get' in r.results[0] ? r.results[0].get.kvs[0]?.value : undefined;
      // The same id already stored: an earlier attempt whose answer was lost had committed.
      if (!r.succeeded && other !== info.frameworkId) {
        const msg = `Mesos registered framework ${info.frameworkId}, but ${keys.frameworkId} already holds ${other}; refusing to overwrite it`;
        this.log.error(msg);
        this.problem = { reason: 'FrameworkIdConflict', message: msg };
        this.finish({ kind: 'failed-over', message: msg, reason: 'FrameworkIdConflict' });
        this.ctx.stepDown('FrameworkIdConflict');
        return false;
      }
      this.log.info({ frameworkId: info.frameworkId }, 'registered a new framework; id persisted');
    }
    this.frameworkId = info.frameworkId;
    if (!this.storedHash || this.storedHash.hash !== this.deps.executor.hash) {
      const rec: ExecutorHashRecord = { hash: this.deps.executor.hash, inputs: this.deps.executor.inputs, term: this.ctx.term, by: this.deps.identity.id, at: new Date().toISOString() };
      await this.ctx.writer.put(keys.executorHash, JSON.stringify(rec));
      this.storedHash = rec;
    }
    return true;
  }

  private async processEvents(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wakeQueue = resolve));
        this.wakeQueue = undefined;
        continue;
      }
      // Consecutive UPDATEs are handled as one batch: one fenced txn, then their acks.
      const first = this.queue[0]!;
      if (first.type === 'UPDATE') {
        let n = 0;
        while (n < this.queue.length && n < UPDATE_BATCH && this.queue[n]!.type === 'UPDATE') n++;
        const batch = this.queue.splice(0, n);
        await this.handleUpdates(batch.map((e) => e.update!.status));
        continue;
      }
      this.queue.shift();
      if (first.type === 'OFFERS') {
        // Answering offers takes a while (intents committed, then one ACCEPT per agent), and the UPDATEs of the
        // tasks it launches must not wait behind it: the intents are in the registry before any ACCEPT leaves, so
        // an UPDATE never meets a task the registry does not know.
        this.offersChain = this.offersChain.then(() => this.handleOffers(first)).catch((err: unknown) => {
          if (!signal.aborted) this.log.warn({ err: errorMessage(err), type: first.type }, 'event handling failed');
        });
        continue;
      }
      try {
        await this.handleEvent(first);
      } catch (err) {
        if (!signal.aborted) this.log.warn({ err: errorMessage(err), type: first.type }, 'event handling failed');
      }
    }
  }

  private async handleEvent(e: Event): Promise<void> {
    switch (e.type) {
      case 'RESCIND':
        if (e.rescind) this.manager?.onRescind(e.rescind.offer_id.value);
        return;
      case 'FAILURE':
        this.log.warn({ agent: e.failure?.agent_id?.value, executor: e.failure?.executor_id?.value, status: e.failure?.status }, e.failure?.executor_id ? 'executor terminated' : 'agent lost');
        if (e.failure?.agent_id?.value) this.manager?.onFailure?.(e.failure.agent_id.value, e.failure.executor_id?.value);
        return;
      case 'MESSAGE':
        return;
      default:
        this.log.debug({ type: e.type }, 'ignoring event');
    }
  }

  private async handleOffers(e: Event): Promise<void> {
    // A new framework's first offers can come before its id is persisted; a task launched under an id no later
    // leader can find would be orphaned, so they wait for it.
    if (this.idPersisted) await this.idPersisted;
    // Offers of a subscription that has ended are void (the master rescinds a disconnected framework's offers, and
    // a new master never made them): accepting them would only bring TASK_DROPPED and spend the pods' back-off.
    if (this.offerStream.get(e) !== this.liveStream) {
      this.log.debug({ offers: e.offers?.offers?.length ?? 0 }, 'dropping offers of an ended subscription');
      return;
    }
    if (this.guard()) await this.manager?.onOffers(e.offers?.offers ?? []);
  }

  private async handleUpdates(statuses: TaskStatus[]): Promise<void> {
    const registry = this.registry!;
    const { metrics } = this.deps;
    const now = new Date();
    const writes = new Map<string, { next: TaskRecord; prev: TaskRecord; status: TaskStatus }>();
    const unknown: TaskStatus[] = [];
    for (const s of statuses) {
      metrics.updates.inc({ state: s.state, source: s.source ?? 'SOURCE_UNKNOWN' });
      const current = writes.get(s.task_id.value)?.next ?? registry.get(s.task_id.value);
      const r = applyStatus(current, s, now, this.ctx.term);
      // A task the registry holds as ended (other than LOST, which may come back) that Mesos reports live is as
      // unknown as one without a record: nothing tracks it any more, so it is killed too.
      if (r.unknown || (r.stale && !isTerminalState(s.state))) unknown.push(s);
      else if (r.changed && r.next) writes.set(s.task_id.value, { next: r.next, prev: writes.get(s.task_id.value)?.prev ?? current!, status: s });
    }
    if (!this.guard()) return;
    // An update counts as heard (for reconciliation, and for the pods' restart holds) once the registry reflects
    // it: a master's reconciliation answer carries no uuid and is never re-sent, so one lost to a failed write
    // must be asked for again.
    const heard = (ok: (s: TaskStatus) => boolean): void => {
      for (const s of statuses) {
        if (!ok(s)) continue;
        this.reconciler?.heard(s.task_id.value);
        this.unconfirmed.delete(s.task_id.value);
      }
    };
    if (writes.size) {
      try {
        await registry.putMany(this.ctx.writer, [...writes.values()].map((w) => w.next));
      } catch (err) {
        // Not written → not acknowledged: the agent re-sends, and reconciliation asks again.
        this.onWriteError(err, `recording ${writes.size} task update(s)`, 'task-updates');
        if (!isFenceLostError(err) && (!this.problem || this.problem.reason === 'EtcdWriteFailed')) {
          this.problem = { reason: 'EtcdWriteFailed', message: `cannot record ${writes.size} task update(s) in the registry: ${errorMessage(err)}; they are not acknowledged, so Mesos re-sends them` };
          this.markStatusDirty(true);
        }
        heard((s) => !writes.has(s.task_id.value));
        return;
      }
      if (this.problem?.reason === 'EtcdWriteFailed') {
        this.problem = undefined;
        this.markStatusDirty(true);
      }
    }
    heard(() => true);
    if (writes.size) {
      this.markStatusDirty(false);
      for (const w of writes.values()) {
        try {
          await this.manager?.onTaskUpdate(w.next, w.prev, w.status);
        } catch (err) {
          this.log.warn({ err: errorMessage(err), task: w.next.id }, 'task manager failed on an update');
        }
      }
    }
    // Tasks Mesos knows and we do not (or hold as ended): kill them (a strict registry never adopts a task it did
    // not launch, and never revives one it recorded as over). Not
    // while Mesos cannot reach them (UNREACHABLE / UNKNOWN: the master answers a KILL of such a task with that
    // same state, so killing on it would loop as fast as the round trip; the agent's return brings a live
    // update), and at most once per UNKNOWN_KILL_INTERVAL_MS per task.
    const mono = monotonicMs();
    for (const s of unknown) {
      if (isTerminalState(s.state) || s.state === 'TASK_UNREACHABLE' || s.state === 'TASK_UNKNOWN' || !this.guard()) continue;
      const last = this.unknownKilledAt.get(s.task_id.value);
      if (last !== undefined && mono - last < UNKNOWN_KILL_INTERVAL_MS) continue;
      if (this.unknownKilledAt.size >= 10_000) for (const [id, at] of this.unknownKilledAt) if (mono - at >= UNKNOWN_KILL_INTERVAL_MS) this.unknownKilledAt.delete(id);
      this.unknownKilledAt.set(s.task_id.value, mono);
      if (this.undecodable.has(s.task_id.value)) {
        this.log.warn({ task: s.task_id.value, agent: s.agent_id?.value, state: s.state }, 'not killing a task whose registry record this version cannot read (fix or remove the record)');
        continue;
      }
      const rec = registry.get(s.task_id.value);
      this.log.warn({ task: s.task_id.value, agent: s.agent_id?.value, state: s.state, ...(rec ? { recorded: rec.state } : {}) }, rec ? 'killing a task the registry holds as ended' : 'killing a task the registry does not know');
      metrics.unknownTasksKilled.inc();
      void this.mesos?.kill(s.task_id.value, s.agent_id?.value).catch((err: unknown) => this.log.debug({ err: errorMessage(err) }, 'kill failed'));
    }
    // Acknowledge only reliable updates, only after the registry reflects them. All of the batch at once: acks
    // commute (each releases only its own task's next update) and travel on the client's ack connections, so a
    // batch costs about one round trip instead of one per update. The next batch is recorded while these are on
    // the wire, and its acks leave once these are answered: at most one batch of acks outstanding, and the
    // UPDATEs that arrive meanwhile make the next batch (one txn for many updates, not one each).
    if (!this.guard()) return;
    const prev = this.acking;
    const acks = statuses.filter((s) => s.uuid);
    this.acking = (async () => {
      await prev;
      if (!this.guard()) return;
      await Promise.all(
        acks.map(async (s) => {
          try {
            await this.mesos?.acknowledge(s);
          } catch (err) {
            if (this.abort.signal.aborted) return;
            this.log.debug({ err: errorMessage(err), task: s.task_id.value }, 'acknowledge failed (the agent will re-send)');
          }
        }),
      );
    })();
    await prev;
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  /** Leader actions are allowed only while the term holds. */
  private guard(): boolean {
    return !this.abort.signal.aborted && this.ctx.isLeader();
  }

  private onWriteError(err: unknown, what: string, write: 'framework-id' | 'task-updates' | 'leader-status'): void {
    if (isFenceLostError(err)) {
      this.deps.metrics.fencedWriteFailures.inc();
      this.log.warn({ err: errorMessage(err) }, `fenced write refused while ${what}: the term is over`);
      this.finish({ kind: 'stopped' });
      this.ctx.stepDown('fence-failed');
      return;
    }
    if (this.abort.signal.aborted) return;
    this.deps.metrics.etcdWriteFailures.inc({ write });
    this.log.warn({ err: errorMessage(err), write }, `etcd write failed while ${what}`);
  }

  private onReconcileProgress(p: ReconcileProgress): void {
    const m = this.deps.metrics;
    m.reconcileRemaining.set(p.remaining);
    if (p.phase === 'complete' || p.phase === 'timed-out') this.unconfirmed.clear();
    if (p.phase === 'complete' || p.phase === 'timed-out' || p.phase === 'cancelled') {
      m.reconcileRuns.inc({ outcome: p.phase });
      if (p.durationSeconds !== undefined && p.phase !== 'cancelled') m.reconcileDuration.observe({ outcome: p.phase }, p.durationSeconds);
      if (p.phase !== 'cancelled') {
        this.log.info({ run: p.run, total: p.total, remaining: p.remaining, requests: p.requests, seconds: p.durationSeconds }, `reconciliation ${p.phase}`);
        void this.manager?.onReconciled(p).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'task manager failed after reconciliation'));
      }
      this.markStatusDirty(true);
    } else this.markStatusDirty(false);
  }

  private async getKey(key: string): Promise<string | undefined> {
    const v = await this.deps.client.get(key).string();
    return v ?? undefined;
  }

  /** Resolves with the first put to any of `keys` after now (undefined when the term ends first); a compaction
   * that cancels the watch loses nothing (followKeys). */
  private async waitForKeyChange(keys: string[]): Promise<{ key: string; value: string } | undefined> {
    const head = await this.deps.client.get(keys[0]!).exec();
    let got: { key: string; value: string } | undefined;
    await followKeys(this.deps.client, keys, String(BigInt(head.header.revision) + 1n), (p) => ((got = p), true), this.abort.signal, this.log);
    return got;
  }

  private async clearResetKey(): Promise<void> {
    await this.ctx.writer.txn({ success: [{ delete: { key: this.deps.keys.resetFramework } }] });
  }

  /** Marks every live registry task as ended (the framework they belonged to is gone). */
  private async retireRegistry(state: 'TASK_KILLED' | 'TASK_LOST', message: string): Promise<void> {
    const now = new Date().toISOString();
    const live = this.registry!.live().map((r) => ({ ...r, state, reason: 'REASON_FRAMEWORK_REMOVED', message, updatedAt: now, term: this.ctx.term }) as TaskRecord);
    if (live.length) await this.registry!.putMany(this.ctx.writer, live);
  }

  // ---- status ----------------------------------------------------------------------------------------------

  private markStatusDirty(urgent: boolean): void {
    this.statusDirty = true;
    if (urgent) void this.publishStatus(true);
  }

  statusRecord(): LeaderStatusRecord {
    const { identity, config, executor } = this.deps;
    const counts = this.registry?.counts() ?? { total: 0, byState: {} };
    const mgr = this.manager?.status() ?? {};
    return {
      version: 1,
      term: this.ctx.term,
      leaseId: this.ctx.leaseId ?? '',
      identity: identity.id,
      incarnation: identity.incarnation,
      ...(identity.pod ? { pod: identity.pod } : {}),
      since: this.since.toISOString(),
      ...(this.frameworkId ? { frameworkId: this.frameworkId } : {}),
      frameworkName: config.frameworkName,
      ...(this.subscribedAt ? { subscribedAt: this.subscribedAt } : {}),
      ...(this.mesos?.masterUrl ? { masterUrl: this.mesos.masterUrl } : {}),
      mesos: this.state === 'loading' || this.state === 'ended' ? 'subscribing' : this.state,
      ...(this.problem ? { problem: this.problem } : {}),
      executorHash: executor.hash,
      reconciliation: this.reconciler?.progress() ?? { phase: 'idle', run: 0, total: 0, remaining: 0, requests: 0 },
      tasks: counts,
      ...(mgr.incompatibleAgents ? { incompatibleAgents: mgr.incompatibleAgents as Record<string, number> } : {}),
      ...(this.timeToSubscribed !== undefined ? { timeToSubscribedSeconds: this.timeToSubscribed } : {}),
      updatedAt: new Date().toISOString(),
    };
  }

  get mesosState(): MesosState {
    return this.state;
  }

  get currentProblem(): { reason: string; message: string } | undefined {
    return this.problem;
  }

  get taskManagerStatus(): Record<string, unknown> {
    return this.manager?.status() ?? {};
  }

  private publishing = false;
  private async publishStatus(force: boolean): Promise<void> {
    if (!this.statusDirty || this.publishing || !this.guard()) return;
    const interval = this.deps.statusIntervalMs ?? STATUS_INTERVAL_MS;
    if (!force && monotonicMs() - this.lastStatusWrite < interval) return;
    if (force && monotonicMs() - this.lastStatusWrite < Math.min(interval, 100)) {
      // Coalesce bursts of urgent changes.
      setTimeout(() => void this.publishStatus(true), 100).unref();
      return;
    }
    this.publishing = true;
    this.statusDirty = false;
    this.lastStatusWrite = monotonicMs();
    try {
      const rec = this.statusRecord();
      this.deps.metrics.setTaskCounts(rec.tasks.byState);
      // Attached to the leader's lease: the record vanishes with the leader.
      const op: TxnOp = { put: { key: this.deps.keys.leaderStatus, value: JSON.stringify(rec), ...(this.ctx.leaseId ? { lease: 'session' } : {}) } };
      await this.ctx.writer.txn({ success: [op] });
    } catch (err) {
      this.statusDirty = true;
      this.onWriteError(err, 'publishing the leader status', 'leader-status');
    } finally {
      this.publishing = false;
    }
  }
}
