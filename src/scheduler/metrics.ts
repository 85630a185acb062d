// Prometheus metrics of a scheduler replica. One registry per replica (tests run several in one process).
// Alert on sum(schedulerha_framework_registered) != 1 per framework: both zero and two are incidents.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InformerStats } from '../kube/informer.js';
import { registerInformerMetrics } from '../kube/informer-metrics.js';
import { registerEventRecorderMetrics } from '../kube/event-metrics.js';
import type { EventRecorderStats } from '../kube/events.js';

export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly leader: Gauge;
  readonly frameworkRegistered: Gauge;
  readonly campaignFailures: Counter;
  readonly mesosState: Gauge;
  readonly leadershipTransitions: Counter;
  readonly leadershipLosses: Counter;
  readonly failovers: Counter;
  readonly timeToSubscribed: Histogram;
  readonly subscriptions: Counter;
  readonly reconcileDuration: Histogram;
  readonly reconcileRemaining: Gauge;
  readonly reconcileRuns: Counter;
  readonly tasks: Gauge;
  readonly mesosCalls: Counter;
  readonly mesosCallDuration: Histogram;
  readonly missedHeartbeats: Counter;
  readonly heartbeatTimeouts: Counter;
  readonly updates: Counter;
  readonly unknownTasksKilled: Counter;
  readonly fencedWriteFailures: Counter;
  readonly etcdWriteFailures: Counter<'write'>;
  readonly incompatibleOffers: Counter;
  /** Where the informer gauges read from (the pod informer, which runs on standbys too). */
  private informerSources: Array<() => InformerStats> = [];
  private eventStats: (() => EventRecorderStats) | undefined;

  constructor(labels: { framework: string }, opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    r.setDefaultLabels(labels);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: r });
    this.leader = new Gauge({ name: 'schedulerha_leader', help: '1 while this replica leads (its term holds), else 0', registers: [r] });
    this.frameworkRegistered = new Gauge({ name: 'schedulerha_framework_registered', help: '1 while this replica is subscribed to Mesos as the framework', registers: [r] });
    this.leadershipTransitions = new Counter({ name: 'schedulerha_leadership_transitions_total', help: 'Terms this replica won', registers: [r] });
    this.leadershipLosses = new Counter({ name: 'schedulerha_leadership_losses_total', help: 'Terms this replica lost, by reason', labelNames: ['reason'], registers: [r] });
    this.failovers = new Counter({ name: 'schedulerha_failovers_total', help: 'Take-overs by this replica from another leader', registers: [r] });
    this.timeToSubscribed = new Histogram({ name: 'schedulerha_time_to_subscribed_seconds', help: 'From winning the election to SUBSCRIBED', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [r] });
    this.subscriptions = new Counter({ name: 'schedulerha_mesos_subscriptions_total', help: 'SUBSCRIBED events received', registers: [r] });
    this.reconcileDuration = new Histogram({ name: 'schedulerha_reconcile_duration_seconds', help: 'Duration of reconciliation runs, by outcome', labelNames: ['outcome'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900], registers: [r] });
    this.reconcileRemaining = new Gauge({ name: 'schedulerha_reconcile_remaining_tasks', help: 'Tasks not yet heard from in the current reconciliation run', registers: [r] });
    this.reconcileRuns = new Counter({ name: 'schedulerha_reconcile_runs_total', help: 'Reconciliation runs, by outcome', labelNames: ['outcome'], registers: [r] });
    this.tasks = new Gauge({ name: 'schedulerha_tasks', help: 'Tasks in the registry, by state', labelNames: ['state'], registers: [r] });
    this.mesosCalls = new Counter({ name: 'schedulerha_mesos_calls_total', help: 'Mesos scheduler calls, by type and HTTP status code', labelNames: ['type', 'code'], registers: [r] });
    this.mesosCallDuration = new Histogram({ name: 'schedulerha_mesos_call_duration_seconds', help: 'Mesos call latency', labelNames: ['type'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 75], registers: [r] });
    this.mesosState = new Gauge({ name: 'schedulerha_mesos_state', help: 'The leader term\'s state with Mesos, one-hot: 1 for the current state (subscribing, subscribed, disconnected, refused, removed, ...); none on a standby', labelNames: ['state'], registers: [r] });
    this.campaignFailures = new Counter({ name: 'schedulerha_election_campaign_failures_total', help: 'Election campaign attempts that failed (etcd unreachable, the lease lost while queued); the replica retries with back-off', registers: [r] });
    this.missedHeartbeats = new Counter({ name: 'schedulerha_mesos_missed_heartbeats_total', help: 'Heartbeat intervals that passed with no event from the master (a subscription is closed after 5 in a row)', registers: [r] });
    this.heartbeatTimeouts = new Counter({ name: 'schedulerha_mesos_heartbeat_timeouts_total', help: 'Subscriptions closed because no event arrived for 5 heartbeat intervals', registers: [r] });
    this.updates = new Counter({ name: 'schedulerha_task_updates_total', help: 'Task status updates received, by state and source', labelNames: ['state', 'source'], registers: [r] });
    this.unknownTasksKilled = new Counter({ name: 'schedulerha_unknown_tasks_killed_total', help: 'Tasks Mesos reported that the registry did not know, killed', registers: [r] });
    this.fencedWriteFailures = new Counter({ name: 'schedulerha_fenced_write_failures_total', help: 'Leader-only writes refused because the term had ended', registers: [r] });
    this.etcdWriteFailures = new Counter({ name: 'schedulerha_etcd_write_failures_total', help: 'Leader writes to etcd that failed for another reason than the fence (the term goes on and the write is retried), by write', labelNames: ['write'], registers: [r] });
    this.incompatibleOffers = new Counter({ name: 'schedulerha_incompatible_offers_declined_total', help: 'Offers declined because the agent runs an executor of this framework with another executor id (an agent\'s series goes once it runs no such executor any more)', labelNames: ['agent'], registers: [r] });
    registerInformerMetrics(r, () => this.informerSources);
    registerEventRecorderMetrics(r, () => this.eventStats?.());
  }

  /** The informers whose health /metrics shows (idempotent per source list: the last call wins). */
  watchInformers(sources: Array<() => InformerStats>): void {
    this.informerSources = sources;
  }

  /** The Event recorder (FailedScheduling) whose outcomes /metrics shows. */
  watchEvents(stats: () => EventRecorderStats): void {
    this.eventStats = stats;
  }

  setTaskCounts(byState: Record<string, number>): void {
    this.tasks.reset();
    for (const [s, n] of Object.entries(byState)) this.tasks.set({ state: s }, n);
  }

  /** One-hot; an ended term shows none (its replica stands by, or is stopping). */
  setMesosState(state: string): void {
    this.mesosState.reset();
    if (state !== 'ended') this.mesosState.set({ state }, 1);
  }

  /** The term is over: the leader's own numbers go (a standby reporting its last term's task counts made a sum
   * over the replicas count every task twice after a failover). Counters stay: they count across terms. */
  standDown(): void {
    this.leader.set(0);
    this.mesosState.reset();
    this.tasks.reset();
    this.reconcileRemaining.set(0);
    this.frameworkRegistered.set(0);
  }
}
