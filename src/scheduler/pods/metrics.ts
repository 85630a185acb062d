// The pod scheduler's own Prometheus metrics, registered once per replica registry (a replica runs many terms; a
// term must not register the same names twice).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class PodMetrics {
  readonly launches: Counter;
  readonly launchFailures: Counter;
  readonly bindings: Counter;
  readonly launchToRunning: Histogram;
  readonly declined: Counter;
  readonly kubeWrites: Counter;
  readonly pods: Gauge;
  readonly kills: Counter;
  readonly pruned: Counter;
  readonly liveReads: Counter;

  private constructor(r: Registry) {
    this.launches = new Counter({ name: 'schedulerha_pod_launches_total', help: 'Pod tasks launched (ACCEPT sent), by kind: first, retry (a launch that never ran), restart (per restartPolicy)', labelNames: ['kind'], registers: [r] });
    this.launchFailures = new Counter({ name: 'schedulerha_pod_launch_call_failures_total', help: 'ACCEPT calls that failed (their tasks are reconciled)', registers: [r] });
    this.bindings = new Counter({ name: 'schedulerha_pod_bindings_total', help: 'Pod bindings, by result', labelNames: ['result'], registers: [r] });
    this.launchToRunning = new Histogram({ name: 'schedulerha_pod_launch_to_running_seconds', help: 'From the write-ahead intent to TASK_RUNNING', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [r] });
    this.declined = new Counter({ name: 'schedulerha_offers_declined_total', help: 'Offers declined, by reason (unused, incompatible, not-ready)', labelNames: ['reason'], registers: [r] });
    this.kubeWrites = new Counter({ name: 'schedulerha_pod_kube_writes_total', help: 'Kubernetes API writes of the pod scheduler, by operation and result', labelNames: ['op', 'result'], registers: [r] });
    this.pods = new Gauge({ name: 'schedulerha_pods', help: 'Pods of this scheduler known to the leader, by state', labelNames: ['state'], registers: [r] });
    this.pruned = new Counter({ name: 'schedulerha_task_records_pruned_total', help: 'Ended task records deleted from the registry after --task-retention, once no pod needed them', registers: [r] });
    this.liveReads = new Counter({ name: 'schedulerha_pod_live_reads_total', help: 'Pods read live from the API server instead of trusting the pod cache, by purpose (absent: before a KILL or a record deletion for a pod missing from the cache; binding: after a Binding answered 409) and result', labelNames: ['purpose', 'result'], registers: [r] });
    this.kills = new Counter({ name: 'schedulerha_pod_task_kills_total', help: 'KILL calls for pod tasks, by reason', labelNames: ['reason'], registers: [r] });
  }

  private static readonly byRegistry = new WeakMap<Registry, PodMetrics>();

  static for(r: Registry): PodMetrics {
    let m = PodMetrics.byRegistry.get(r);
    if (!m) {
      m = new PodMetrics(r);
      PodMetrics.byRegistry.set(r, m);
    }
    return m;
  }
}
