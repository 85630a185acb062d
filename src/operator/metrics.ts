// The operator's Prometheus metrics: controller-runtime's names (operator-and-etcd-clients.md §7) so existing
// dashboards and alerts work, plus `schedulerha_*` domain metrics. Its own Registry (not prom-client's global
// one), so tests and several operators in one process never collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InformerStats } from '../kube/informer.js';
import { registerInformerMetrics } from '../kube/informer-metrics.js';
import { registerEventRecorderMetrics } from '../kube/event-metrics.js';
import type { EventRecorderStats } from '../kube/events.js';
import type { QueueMetricsSink, ReconcileOutcome } from './queue.js';

export const CONTROLLER = 'schedulerha';

/** controller-runtime's reconcile-time buckets (5 ms … 60 s). */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];
/** client-go workqueue buckets: 1 µs … 10 s (ExponentialBuckets(10e-9, 10, 12)). */
const WORKQUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

export class OperatorMetrics {
  readonly registry = new Registry();
  // controller-runtime: reconcile
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTimeouts: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrent: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  // controller-runtime: workqueue
  readonly wqDepth: Gauge<'name' | 'controller'>;
  readonly wqAdds: Counter<'name' | 'controller'>;
  readonly wqRetries: Counter<'name' | 'controller'>;
  readonly wqQueueDuration: Histogram<'name' | 'controller'>;
  readonly wqWorkDuration: Histogram<'name' | 'controller'>;
  readonly wqUnfinished: Gauge<'name' | 'controller'>;
  readonly wqLongest: Gauge<'name' | 'controller'>;
  // leader election
  readonly leaderStatus: Gauge<'name'>;
  readonly leaderSlowpath: Counter<'name'>;
  // domain
  readonly managedResources: Gauge;
  readonly conditionGauge: Gauge<'namespace' | 'name' | 'type' | 'status'>;
  readonly frameworkRegistered: Gauge<'namespace' | 'name'>;
  readonly tasks: Gauge<'namespace' | 'name' | 'state'>;
  readonly leaderChanges: Counter<'namespace' | 'name'>;
  readonly failovers: Counter<'namespace' | 'name' | 'reason'>;
  readonly failoverSeconds: Histogram<'reason'>;
  readonly leaseRevocations: Counter<'namespace' | 'name' | 'reason'>;
  readonly zombieFrameworks: Gauge<'namespace' | 'name'>;
  readonly statusPatches: Counter<'result'>;
  readonly childWrites: Counter<'kind' | 'action'>;
  readonly etcdWatches: Gauge;
  readonly etcdWatchRestarts: Counter;
  readonly mesosCalls: Counter<'call' | 'result'>;
  readonly teardowns: Counter<'result'>;
  private informerSources: Array<() => InformerStats> = [];
  private eventStats: (() => EventRecorderStats) | undefined;
  private queueRunning: (() => { longest: number; total: number }) | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers: r });
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) this.reconcileTotal.inc({ controller: CONTROLLER, result }, 0);
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers: r });
    this.terminalErrors = new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Total number of terminal reconciliation errors per controller', labelNames: ['controller'], registers: r });
    this.reconcilePanics = new Counter({ name: 'controller_runtime_reconcile_panics_total', help: 'Total number of reconciliation panics (programming errors) per controller', labelNames: ['controller'], registers: r });
    this.reconcileTimeouts = new Counter({ name: 'controller_runtime_reconcile_timeouts_total', help: 'Total number of reconciliation timeouts per controller', labelNames: ['controller'], registers: r });
    for (const c of [this.reconcileErrors, this.terminalErrors, this.reconcilePanics, this.reconcileTimeouts]) c.inc({ controller: CONTROLLER }, 0);
    this.reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers: r });
    this.maxConcurrent = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers: r });
    this.activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers: r });
    const wq = { name: CONTROLLER, controller: CONTROLLER };
    this.wqDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name', 'controller'], registers: r });
    this.wqAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name', 'controller'], registers: r });
    this.wqRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name', 'controller'], registers: r });
    this.wqQueueDuration = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name', 'controller'], buckets: WORKQUEUE_BUCKETS, registers: r });
    this.wqWorkDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name', 'controller'], buckets: WORKQUEUE_BUCKETS, registers: r });
    this.wqUnfinished = new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames: ['name', 'controller'],
      registers: r,
      collect: () => this.wqUnfinished.set(wq, this.queueRunning?.().total ?? 0),
    });
    this.wqLongest = new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: ['name', 'controller'],
      registers: r,
      collect: () => this.wqLongest.set(wq, this.queueRunning?.().longest ?? 0),
    });
    this.wqDepth.set(wq, 0);
    this.wqAdds.inc(wq, 0);
    this.wqRetries.inc(wq, 0);
    this.leaderStatus = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers: r });
    this.leaderSlowpath = new Counter({ name: 'leader_election_slowpath_total', help: 'Leases taken over from another holder (this elector always reads the Lease before it writes: every renewal is what client-go calls the slow path, so only the take-overs are counted)', labelNames: ['name'], registers: r });

    this.managedResources = new Gauge({ name: 'schedulerha_operator_managed_resources', help: 'SchedulerHA resources the operator currently manages', registers: r });
    this.conditionGauge = new Gauge({ name: 'schedulerha_condition', help: 'Current status of each SchedulerHA condition (1 for the current status)', labelNames: ['namespace', 'name', 'type', 'status'], registers: r });
    this.frameworkRegistered = new Gauge({ name: 'schedulerha_resource_framework_registered', help: '1 when the framework is registered by the current leader (FrameworkRegistered=True)', labelNames: ['namespace', 'name'], registers: r });
    this.tasks = new Gauge({ name: 'schedulerha_resource_tasks', help: 'Tasks of the framework on the leading Mesos master, by state', labelNames: ['namespace', 'name', 'state'], registers: r });
    this.leaderChanges = new Counter({ name: 'schedulerha_leader_changes_total', help: 'Scheduler leader changes observed in etcd: a new leader elected (the moments without one are not counted), as the LeaderFlapping condition counts them', labelNames: ['namespace', 'name'], registers: r });
    this.failovers = new Counter({ name: 'schedulerha_resource_failovers_total', help: 'Completed scheduler failovers, by cause', labelNames: ['namespace', 'name', 'reason'], registers: r });
    this.failoverSeconds = new Histogram({ name: 'schedulerha_failover_seconds', help: 'From the failover trigger (request, lease revoke, leader key gone) to the next leader SUBSCRIBED with Mesos (elected → SUBSCRIBED as the leader measured it)', labelNames: ['reason'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15, 30, 60], registers: r });
    this.leaseRevocations = new Counter({ name: 'schedulerha_lease_revocations_total', help: 'Leader leases the operator revoked because the leader pod was deleted or its container terminated', labelNames: ['namespace', 'name', 'reason'], registers: r });
    this.zombieFrameworks = new Gauge({ name: 'schedulerha_zombie_frameworks', help: 'Frameworks on the leading master with this framework name and another id', labelNames: ['namespace', 'name'], registers: r });
    this.statusPatches = new Counter({ name: 'schedulerha_status_patches_total', help: 'Status merge patches sent, by result (skipped = nothing changed)', labelNames: ['result'], registers: r });
    this.childWrites = new Counter({ name: 'schedulerha_child_writes_total', help: 'Writes of owned objects, by kind and action (create, update, delete)', labelNames: ['kind', 'action'], registers: r });
    this.etcdWatches = new Gauge({ name: 'schedulerha_etcd_framework_watches', help: 'Open etcd watches on framework key ranges', registers: r });
    this.etcdWatchRestarts = new Counter({ name: 'schedulerha_etcd_watch_restarts_total', help: 'etcd framework watches re-established after an error or disconnect', registers: r });
    this.mesosCalls = new Counter({ name: 'schedulerha_mesos_operator_calls_total', help: 'Mesos operator API calls, by call and result', labelNames: ['call', 'result'], registers: r });
    this.teardowns = new Counter({ name: 'schedulerha_teardowns_total', help: 'Framework TEARDOWNs sent for deletionPolicy Teardown, by result', labelNames: ['result'], registers: r });

    registerInformerMetrics(this.registry, () => this.informerSources);
    registerEventRecorderMetrics(this.registry, () => this.eventStats?.());
    // The event-loop delay is sampled every 100 ms, not prom-client's default 10 ms: that timer wakes an idle
    // process 100 times a second (0.2 s of CPU a minute, a third of the operator's idle budget in bench/operator.ts);
    // delays are still measured to the nanosecond, just sampled less often.
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  watchInformers(sources: Array<() => InformerStats>): void {
    this.informerSources = sources;
  }

  /** The Event recorder whose outcomes /metrics shows. */
  watchEvents(stats: () => EventRecorderStats): void {
    this.eventStats = stats;
  }

  watchQueue(running: () => { longest: number; total: number }): void {
    this.queueRunning = running;
  }

  /** The work queue's metrics sink. */
  queueSink(): QueueMetricsSink {
    const wq = { name: CONTROLLER, controller: CONTROLLER };
    const c = { controller: CONTROLLER };
    return {
      add: () => this.wqAdds.inc(wq),
      depth: (n) => this.wqDepth.set(wq, n),
      retry: () => this.wqRetries.inc(wq),
      queueLatency: (s) => this.wqQueueDuration.observe(wq, s),
      workDuration: (s) => this.wqWorkDuration.observe(wq, s),
      activeWorkers: (n) => this.activeWorkers.set(c, n),
      reconciled: (outcome: ReconcileOutcome, secs, info) => {
        this.reconcileTotal.inc({ ...c, result: outcome });
        this.reconcileTime.observe(c, secs);
        if (outcome === 'error') this.reconcileErrors.inc(c);
        if (info.terminal) this.terminalErrors.inc(c);
        if (info.panic) this.reconcilePanics.inc(c);
        if (info.timeout) this.reconcileTimeouts.inc(c);
      },
    };
  }

  private readonly taskStates = new Map<string, Set<string>>();
  private readonly conditionTypes = new Map<string, Set<string>>();

  /** Sets the one-hot condition gauge of a resource. */
  setConditions(namespace: string, name: string, conds: Array<{ type: string; status: string }>): void {
    const k = `${namespace}/${name}`;
    const types = this.conditionTypes.get(k) ?? new Set<string>();
    this.conditionTypes.set(k, types);
    for (const cond of conds) {
      types.add(cond.type);
      for (const st of ['True', 'False', 'Unknown']) this.conditionGauge.set({ namespace, name, type: cond.type, status: st }, cond.status === st ? 1 : 0);
    }
  }

  /** Sets the task gauge of a resource (states no longer present drop to 0). */
  setTasks(namespace: string, name: string, byState: Record<string, number>): void {
    const k = `${namespace}/${name}`;
    const states = this.taskStates.get(k) ?? new Set<string>();
    this.taskStates.set(k, states);
    for (const st of states) if (!(st in byState)) this.tasks.set({ namespace, name, state: st }, 0);
    for (const [st, n] of Object.entries(byState)) {
      states.add(st);
      this.tasks.set({ namespace, name, state: st }, n);
    }
  }

  /** Drops every per-resource series of a deleted resource. */
  forget(namespace: string, name: string): void {
    const k = `${namespace}/${name}`;
    for (const type of this.conditionTypes.get(k) ?? []) for (const status of ['True', 'False', 'Unknown']) this.conditionGauge.remove({ namespace, name, type, status });
    for (const state of this.taskStates.get(k) ?? []) this.tasks.remove({ namespace, name, state });
    this.conditionTypes.delete(k);
    this.taskStates.delete(k);
    this.frameworkRegistered.remove({ namespace, name });
    this.zombieFrameworks.remove({ namespace, name });
    // The counters carry a reason label too: remove whichever series this resource has.
    for (const m of [this.leaderChanges, this.failovers, this.leaseRevocations] as Array<Counter<string>>) {
      void m.get().then(({ values }) => {
        for (const v of values) if (v.labels.namespace === namespace && v.labels.name === name) m.remove(v.labels as Record<string, string>);
      });
    }
  }
}
