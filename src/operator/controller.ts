// The operator process: informers (SchedulerHA; owned StatefulSets, ConfigMaps, Services, PDBs and the scheduler
// pods, by label), the keyed work queue, the reconciler, Lease election across operator replicas, the HTTP
// endpoints (/healthz, /readyz, /metrics, /status) and an orderly shutdown.
//
// Like controller-runtime: every replica runs its informers (warm standby); only the elected one processes the
// queue and writes. Losing the Lease (the renew deadline passed) stops all work at once and ends the process
// (`lost` event; the command exits non-zero so Kubernetes restarts it as a fresh candidate).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type SchedulerHA } from '../api/types.js';
import { makeClients, type KubeClients } from '../kube/config.js';
import { EventRecorder, eventsV1Sink } from '../kube/events.js';
import { createInformer } from '../kube/informer-transport.js';
import type { Informer, KubeObject } from '../kube/informer.js';
import { LeaseElector } from '../kube/leader-election.js';
import { coordinationLeaseStore } from '../kube/lease-store.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { ProbeServer, type Check } from '../util/probe-server.js';
import { EtcdPool } from './etcd-pool.js';
import { MesosPool } from './mesos-pool.js';
import { OperatorMetrics } from './metrics.js';
import { MANAGED_SELECTOR } from './plan.js';
import { WorkQueue } from './queue.js';
import { Reconciler, REPORTING_CONTROLLER, type ReconcilerInformers } from './reconciler.js';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface OperatorOptions {
  kc: k8s.KubeConfig;
  /** Watch one namespace; undefined = all namespaces. */
  namespace?: string;
  schedulerImage: string;
  /** fsGroup of the scheduler pods (null: none, the platform assigns it); default 1000, the image's group. */
  schedulerFsGroup?: number | null;
  /** Stable name of this replica (pod name); a per-process suffix is added for the Lease. */
  identity?: string;
  /** Lease election across operator replicas; false = always act (a single replica, tests). */
  leaderElection: LeaderElectionConfig | false;
  concurrency?: number;
  /** Re-enqueue every resource this often (default 10 min; controller-runtime's SyncPeriod is 10 h, but Mesos has
   * no watch here, so drift there is found by the reconciler's own re-observation and by this). */
  resyncPeriodMs?: number;
  reconcileTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  readyPollMs?: number;
  unreadyPollMs?: number;
  /** How long a Secret read is reused (default 60 s). */
  secretCacheMs?: number;
  flapThreshold?: number;
  flapWindowMs?: number;
  /** HTTP endpoints: `{host, port}`; a second address serves the same routes (metrics vs probes). */
  http?: Array<{ host?: string | undefined; port: number }>;
  informer?: { timeoutSeconds?: number; inactivityTimeoutMs?: number };
  etcdCallTimeoutMs?: number;
  /** Cache lifetime of Mesos operator answers (default 1000 ms). */
  mesosMaxAgeMs?: number;
  /** Events: flush interval of series increments (default 30 s). */
  eventFlushMs?: number;
  /** Grace for running reconciles at shutdown (default 30 s). */
  shutdownGraceMs?: number;
  logger?: Logger;
}

export interface Operator {
  on(event: 'lost', listener: (reason: string) => void): this;
  on(event: 'elected', listener: () => void): this;
}

export class Operator extends EventEmitter {
  readonly metrics: OperatorMetrics;
  readonly identity: string;
  readonly clients: KubeClients;
  readonly informers: ReconcilerInformers;
  readonly queue: WorkQueue;
  readonly reconciler: Reconciler;
  readonly recorder: EventRecorder;
  private readonly etcd: EtcdPool;
  private readonly mesos: MesosPool;
  private readonly log: Logger;
  private elector: LeaseElector | undefined;
  private servers: ProbeServer[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopping = false;
  private slowpathCounted = 0;
  private started = false;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: OperatorOptions) {
    super();
    this.log = (opts.logger ?? silentLogger).child({ controller: 'schedulerha', controllerGroup: GROUP, controllerKind: 'SchedulerHA' });
    this.identity = `${opts.identity ?? process.env.POD_NAME ?? hostname()}_${randomUUID().slice(0, 8)}`;
    this.metrics = new OperatorMetrics();
    this.clients = makeClients(opts.kc);
    const inf = opts.informer ?? {};
    // A 403 here is nearly always the install's RBAC not matching --namespace: say which way round it is.
    const forbiddenHint = opts.namespace
      ? `the operator's RBAC lacks this in namespace ${opts.namespace}: apply rbac/operator.yaml rendered with operator.watchNamespace=${opts.namespace} (or the cluster-wide ClusterRole)`
      : 'the operator watches all namespaces (no --namespace) but its RBAC does not allow this cluster-wide: a namespaced install (operator.watchNamespace, a Role) needs --namespace=<that namespace>; otherwise apply the ClusterRole of rbac/operator.yaml';
    const mk = <T extends KubeObject>(path: string, name: string, labelSelector?: string) =>
      createInformer<T>(opts.kc, { path, name, ...(labelSelector ? { labelSelector } : {}), ...inf, forbiddenHint, logger: this.log });
    const nsPath = (group: string, plural: string) => (opts.namespace ? `${group}/namespaces/${opts.namespace}/${plural}` : `${group}/${plural}`);
    this.informers = {
      schedulerhas: mk<SchedulerHA & KubeObject>(nsPath(`/apis/${GROUP}/${VERSION}`, PLURAL), 'schedulerhas'),
      statefulsets: mk(nsPath('/apis/apps/v1', 'statefulsets'), 'statefulsets', MANAGED_SELECTOR),
      pods: mk(nsPath('/api/v1', 'pods'), 'pods', MANAGED_SELECTOR),
      configmaps: mk(nsPath('/api/v1', 'configmaps'), 'configmaps', MANAGED_SELECTOR),
      services: mk(nsPath('/api/v1', 'services'), 'services', MANAGED_SELECTOR),
      pdbs: mk(nsPath('/apis/policy/v1', 'poddisruptionbudgets'), 'poddisruptionbudgets', MANAGED_SELECTOR),
    };
    this.metrics.watchInformers(Object.values(this.informers).map((i) => () => (i as Informer<KubeObject>).stats()));
    this.recorder = new EventRecorder({
      sink: eventsV1Sink(this.clients.events),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.identity,
      ...(opts.eventFlushMs !== undefined ? { flushIntervalMs: opts.eventFlushMs } : {}),
      // Every Event here is a deliberate transition or action (repeats collapse into series), so the per-object
      // budget is larger and refills faster than client-go's kubelet-oriented one (25, then 1 per 5 min): 50, then 1 per 5 s.
      spamBurst: 50,
      spamRefillMs: 5_000,
      logger: this.log,
    });
    this.etcd = new EtcdPool({ readSecret: (ns, name, o) => this.reconciler.readSecret(ns, name, o), ...(opts.etcdCallTimeoutMs ? { callTimeoutMs: opts.etcdCallTimeoutMs } : {}), logger: this.log });
    this.mesos = new MesosPool({ logger: this.log, ...(opts.mesosMaxAgeMs !== undefined ? { maxAgeMs: opts.mesosMaxAgeMs } : {}), onCall: (call, result) => this.metrics.mesosCalls.inc({ call, result }), onLate: (owners) => owners.forEach((k) => this.queue.add(k)) });
    this.queue = new WorkQueue({
      handler: (key, ctx) => this.reconciler.reconcile(key, ctx),
      concurrency: opts.concurrency ?? 4,
      ...(opts.backoffBaseMs !== undefined ? { backoffBaseMs: opts.backoffBaseMs } : {}),
      ...(opts.backoffMaxMs !== undefined ? { backoffMaxMs: opts.backoffMaxMs } : {}),
      timeoutMs: opts.reconcileTimeoutMs ?? 120_000,
      paused: true,
      metrics: this.metrics.queueSink(),
      logger: this.log,
    });
    this.metrics.watchQueue(() => this.queue.runningSeconds());
    this.metrics.watchEvents(() => this.recorder.stats());
    this.metrics.maxConcurrent.set({ controller: 'schedulerha' }, opts.concurrency ?? 4);
    this.reconciler = new Reconciler({
      kc: opts.kc,
      clients: this.clients,
      informers: this.informers,
      etcd: this.etcd,
      mesos: this.mesos,
      recorder: this.recorder,
      metrics: this.metrics,
      enqueue: (key) => this.queue.add(key),
      log: this.log,
      options: {
        schedulerImage: opts.schedulerImage,
        ...(opts.schedulerFsGroup !== undefined ? { schedulerFsGroup: opts.schedulerFsGroup } : {}),
        identity: this.identity,
        ...(opts.readyPollMs !== undefined ? { readyPollMs: opts.readyPollMs } : {}),
        ...(opts.unreadyPollMs !== undefined ? { unreadyPollMs: opts.unreadyPollMs } : {}),
        ...(opts.secretCacheMs !== undefined ? { secretCacheMs: opts.secretCacheMs } : {}),
        ...(opts.flapThreshold !== undefined ? { flapThreshold: opts.flapThreshold } : {}),
        ...(opts.flapWindowMs !== undefined ? { flapWindowMs: opts.flapWindowMs } : {}),
      },
    });
  }

  get isLeader(): boolean {
    return this.leading && (this.elector ? this.elector.isLeader() : true);
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Starts the HTTP endpoints and the informers, campaigns, and processes the queue once elected. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const a of this.opts.http ?? []) {
      const s = await ProbeServer.start({
        host: a.host,
        port: a.port,
        logger: this.log,
        live: () => this.liveness(),
        ready: () => this.readiness(),
        metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
        routes: { '/status': () => this.status() },
      });
      this.servers.push(s);
      this.log.info({ url: s.url }, 'http listening');
    }
    const r = this.reconciler;
    this.informers.schedulerhas.onChange((o, info) => r.onSchedulerHA(o, info as { type: 'add' | 'update' | 'delete'; old?: SchedulerHA }));
    for (const i of [this.informers.statefulsets, this.informers.configmaps, this.informers.services, this.informers.pdbs]) i.onChange((o) => r.onChild(o));
    this.informers.pods.onChange((o) => r.onPod(o));
    for (const i of Object.values(this.informers) as Array<Informer<KubeObject>>) i.start();
    const le = this.opts.leaderElection;
    if (le) {
      this.metrics.leaderStatus.set({ name: le.name }, 0);
      const elector = new LeaseElector({
        store: coordinationLeaseStore(this.clients.coordination, le.namespace, le.name),
        identity: this.identity,
        ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
        ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
        ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
        logger: this.log,
      });
      this.elector = elector;
      elector.on('leader', (holder) => this.log.info({ holder }, 'operator leader observed'));
      elector.on('elected', () => void this.becomeLeader());
      elector.on('lost', ({ reason }) => void this.loseLeadership(reason));
      elector.start();
    } else {
      void this.becomeLeader();
    }
  }

  private async becomeLeader(): Promise<void> {
    if (this.stopping) return;
    this.leading = true;
    if (this.opts.leaderElection) {
      this.metrics.leaderStatus.set({ name: this.opts.leaderElection.name }, 1);
      // The elector counts take-overs from another holder, which all happen while acquiring: add what is new since
      // the last term (it was added whole each time, counting earlier terms' again).
      const slowpath = this.elector?.stats().slowpath ?? 0;
      this.metrics.leaderSlowpath.inc({ name: this.opts.leaderElection.name }, slowpath - this.slowpathCounted);
      this.slowpathCounted = slowpath;
    }
    this.log.info({ identity: this.identity }, 'leading: waiting for the caches to sync, then reconciling');
    try {
      await Promise.all((Object.values(this.informers) as Array<Informer<KubeObject>>).map((i) => i.waitForSync()));
    } catch (err) {
      if (this.stopping) return;
      this.log.error({ err: errorMessage(err) }, 'caches did not sync');
      return;
    }
    if (this.stopping || !this.leading) return;
    for (const k of this.reconciler.allKeys()) this.queue.add(k);
    this.queue.start();
    const resync = this.opts.resyncPeriodMs ?? 600_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        for (const k of this.reconciler.allKeys()) this.queue.add(k);
      }, resync);
      this.resyncTimer.unref();
    }
    this.emit('elected');
  }

  private async loseLeadership(reason: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    if (this.opts.leaderElection) this.metrics.leaderStatus.set({ name: this.opts.leaderElection.name }, 0);
    if (this.stopping) return;
    // Stop acting at once: no new reconciles, running ones aborted, framework watches closed.
    this.log.error({ reason }, 'leader election lost; stopping all work');
    this.queue.pause();
    clearInterval(this.resyncTimer);
    await this.queue.shutdown(0);
    await this.reconciler.stopAll();
    this.emit('lost', reason);
  }

  /** Orderly shutdown: stop processing (running reconciles get `shutdownGraceMs`), release the Lease so a standby
   * takes over at once, flush Events, close every client, stop the informers and the HTTP endpoints. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.resyncTimer);
    this.log.info('shutting down');
    await this.queue.shutdown(this.opts.shutdownGraceMs ?? 30_000);
    await this.reconciler.stopAll();
    this.leading = false;
    await this.elector?.stop();
    await this.recorder.stop().catch(() => undefined);
    this.etcd.closeAll();
    await this.mesos.closeAll();
    await Promise.all((Object.values(this.informers) as Array<Informer<KubeObject>>).map((i) => i.stop()));
    for (const s of this.servers) await s.close();
    this.servers = [];
    this.log.info('stopped');
  }

  private liveness(): Check {
    return { ok: !this.stopping };
  }

  /** Ready: every informer synced and not disconnected for long (a stale cache must not look ready). Standbys are
   * ready too (they are warm); /status and leader_election_master_status tell who acts. */
  private readiness(): Check {
    const stale = (Object.values(this.informers) as Array<Informer<KubeObject>>).filter((i) => !i.healthy()).map((i) => i.name);
    return { ok: !this.stopping && stale.length === 0, detail: { leader: this.isLeader, ...(stale.length ? { staleInformers: stale } : {}) } };
  }

  status(): Record<string, unknown> {
    return {
      identity: this.identity,
      leader: this.isLeader,
      leaseHolder: this.elector?.holder ?? (this.opts.leaderElection ? undefined : this.identity),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      resources: this.reconciler.resources,
      queue: { depth: this.queue.depth, active: this.queue.active, timers: this.queue.pendingTimers, paused: this.queue.paused },
      informers: (Object.values(this.informers) as Array<Informer<KubeObject>>).map((i) => i.stats()),
      events: this.recorder.stats(),
    };
  }
}
